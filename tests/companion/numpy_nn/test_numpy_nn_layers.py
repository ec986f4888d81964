"""companion.numpy_nn: linear, embedding, losses, optimisers, clipping and the gradient checker."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from companion import numpy_nn as nn_
from companion.numpy_nn import numerical_gradient, relative_error


def rng_for(seed):
    """A generator of the test's own: a failure reproduces when the test runs alone."""
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- linear and embedding


def test_linear_matches_torch_and_finite_differences():
    rng = rng_for(10)
    x = rng.standard_normal((2, 3, 4))
    w, b = rng.standard_normal((5, 4)), rng.standard_normal(5)
    y, cache = nn_.linear_forward(x, w, b)
    expected = F.linear(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(y, expected, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx, dw, db = nn_.linear_backward(dy, cache)
    f = lambda x_, w_, b_: np.sum(nn_.linear_forward(x_, w_, b_)[0] * dy)  # noqa: E731
    assert relative_error(dx, numerical_gradient(lambda v: f(v, w, b), x)) < 1e-7
    assert relative_error(dw, numerical_gradient(lambda v: f(x, v, b), w)) < 1e-7
    assert relative_error(db, numerical_gradient(lambda v: f(x, w, v), b)) < 1e-7
    assert nn_.linear_backward(dy, nn_.linear_forward(x, w)[1])[2] is None


def test_embedding_accumulates_repeated_rows():
    rng = rng_for(11)
    w = rng.standard_normal((5, 3))
    idx = np.array([[0, 2, 2], [4, 0, 2]])
    out, cache = nn_.embedding_forward(idx, w)
    np.testing.assert_array_equal(out, w[idx])
    dout = rng.standard_normal(out.shape)
    dw = nn_.embedding_backward(dout, cache)
    ref = torch.from_numpy(w).requires_grad_()
    (F.embedding(torch.from_numpy(idx), ref) * torch.from_numpy(dout)).sum().backward()
    np.testing.assert_allclose(dw, ref.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dw[2], dout[0, 1] + dout[0, 2] + dout[1, 2], atol=1e-12)
    np.testing.assert_array_equal(dw[[1, 3]], 0.0)


def test_layer_bad_input():
    w = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 4\) to match weight \(5, 4\), got \(2, 3\)"):
        nn_.linear_forward(np.zeros((2, 3)), w)
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\)"):
        nn_.linear_forward(np.zeros((2, 4)), w, np.zeros(4))
    with pytest.raises(ValueError, match=r"weight must have 2 dimensions"):
        nn_.linear_forward(np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError,
                       match=r"indices must lie in \[0, 4\] for weight with V=5 rows, got values in \[0, 5\]"):
        nn_.embedding_forward(np.array([0, 5]), w)
    with pytest.raises(ValueError, match=r"indices must be integers"):
        nn_.embedding_forward(np.array([0.0, 1.0]), w)


# ---------------------------------------------------------------- losses


def test_cross_entropy_matches_torch_with_ignore_index():
    rng = rng_for(12)
    logits = rng.standard_normal((3, 4, 6)) * 3
    targets = rng.integers(0, 6, (3, 4))
    targets[0, 1] = targets[2, 3] = -100
    loss, dlogits = nn_.softmax_cross_entropy(logits, targets, ignore_index=-100)
    z = torch.from_numpy(logits).requires_grad_()
    ref = F.cross_entropy(z.reshape(-1, 6), torch.from_numpy(targets).reshape(-1), ignore_index=-100)
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(dlogits, z.grad.numpy(), atol=1e-12)
    np.testing.assert_array_equal(dlogits[0, 1], 0.0)


def test_cross_entropy_gradient_by_finite_differences_and_stability():
    rng = rng_for(13)
    logits = rng.standard_normal((5, 4))
    y = rng.integers(0, 4, 5)
    _, d = nn_.softmax_cross_entropy(logits, y)
    assert relative_error(d, numerical_gradient(lambda z: nn_.softmax_cross_entropy(z, y)[0], logits)) < 1e-7
    big = np.array([[1000.0, 0.0], [0.0, -1000.0]])  # no overflow thanks to the max shift
    loss, d = nn_.softmax_cross_entropy(big, np.array([1, 1]))
    assert np.isfinite(loss) and np.isfinite(d).all() and abs(loss - 1000.0) < 1e-9
    np.testing.assert_allclose(nn_.softmax(big).sum(axis=-1), 1.0)


def test_mse_matches_torch():
    rng = rng_for(14)
    p, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, d = nn_.mse_loss(p, t)
    pt = torch.from_numpy(p).requires_grad_()
    ref = F.mse_loss(pt, torch.from_numpy(t))
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(d, pt.grad.numpy(), atol=1e-12)


def test_loss_bad_input():
    with pytest.raises(ValueError,
                       match=r"targets must have shape \(3,\) \(logits without the class axis\), got \(4,\)"):
        nn_.softmax_cross_entropy(np.zeros((3, 5)), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 4\]"):
        nn_.softmax_cross_entropy(np.zeros((3, 5)), np.array([0, 5, 1]))
    with pytest.raises(ValueError, match=r"targets must be integers"):
        nn_.softmax_cross_entropy(np.zeros((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match=r"every target equals ignore_index"):
        nn_.softmax_cross_entropy(np.zeros((2, 5)), np.array([-1, -1]), ignore_index=-1)
    with pytest.raises(ValueError, match=r"target must have the shape of pred \(2, 3\), got \(3, 2\)"):
        nn_.mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"logits contains NaN"):
        nn_.softmax_cross_entropy(np.array([[np.nan, 0.0]]), np.array([0]))


def test_softmax_matches_torch_and_refuses_bad_input():
    logits = rng_for(15).standard_normal((2, 3, 5))
    for axis in (-1, 0, 1):
        np.testing.assert_allclose(nn_.softmax(logits, axis=axis),
                                   torch.softmax(torch.from_numpy(logits), dim=axis).numpy(), rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=r"logits must have at least one axis, shape \(\.\.\., C\), got shape \(\)"):
        nn_.softmax(3.0)
    with pytest.raises(ValueError, match=r"axis must be an int in \[-3, 3\) for logits of shape \(2, 3, 5\), got 3"):
        nn_.softmax(logits, axis=3)
    with pytest.raises(ValueError, match=r"logits contains NaN"):
        nn_.softmax(np.array([np.nan, 1.0]))


# ---------------------------------------------------------------- optimisers and clipping


def _run_both(make_np, make_torch, steps=6):
    rng = np.random.default_rng(1)
    params = {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt, topt = make_np(params), make_torch(list(tparams.values()))
    for _ in range(steps):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for k, p in tparams.items():
            p.grad = torch.tensor(grads[k])
        opt.step(grads)
        topt.step()
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=0, atol=1e-12, err_msg=k)
    return params


@pytest.mark.parametrize("kw", [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
                                dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.01)])
def test_sgd_matches_torch(kw):
    _run_both(lambda p: nn_.SGD(p, **kw), lambda p: torch.optim.SGD(p, **kw))


@pytest.mark.parametrize("kw", [dict(lr=0.01), dict(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)])
def test_adam_matches_torch(kw):
    params = _run_both(lambda p: nn_.Adam(p, **kw), lambda p: torch.optim.Adam(p, **kw))
    assert np.isfinite(params["w"]).all()


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    rng = np.random.default_rng(2)
    grads = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    tensors = [torch.tensor(g, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g)
    before = {k: v.copy() for k, v in grads.items()}
    norm = nn_.clip_grad_norm(grads, max_norm)
    ref = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    assert abs(norm - ref.item()) < 1e-12
    assert abs(norm - np.sqrt(sum(np.sum(v**2) for v in before.values()))) < 1e-12
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-12)
    clipped = np.sqrt(sum(np.sum(v**2) for v in grads.values()))
    assert clipped <= max_norm + 1e-9
    if max_norm > norm:
        np.testing.assert_array_equal(grads["a"], before["a"])


def test_optimiser_bad_input():
    params = {"w": np.zeros(3)}
    with pytest.raises(ValueError, match=r"grads is missing keys \['w'\]"):
        nn_.SGD(params, lr=0.1).step({})
    with pytest.raises(ValueError, match=r"grads\['w'\] must have shape \(3,\)"):
        nn_.Adam(params).step({"w": np.zeros(4)})
    with pytest.raises(ValueError, match=r"lr must be >= 0 and finite, got -1"):
        nn_.SGD(params, lr=-1)
    with pytest.raises(ValueError, match=r"betas must both lie in \[0, 1\)"):
        nn_.Adam(params, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"max_norm must be > 0"):
        nn_.clip_grad_norm({"w": np.ones(3)}, 0.0)


# ---------------------------------------------------------------- gradient checker


def test_numerical_gradient_is_accurate_and_pure():
    x = np.array([0.3, -1.2, 2.0])
    x_before = x.copy()
    g = numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), atol=1e-9)
    np.testing.assert_array_equal(x, x_before)


def test_gradient_check_detects_a_wrong_gradient():
    x = np.array([0.5, 1.5])
    f = lambda v: np.sum(v**3)  # noqa: E731
    assert nn_.gradient_check(f, x, 3 * x**2) < 1e-9
    assert nn_.gradient_check(f, x, 2 * x**2) > 0.1


def test_gradcheck_bad_input():
    with pytest.raises(ValueError, match=r"f must return a scalar, got shape \(2,\)"):
        numerical_gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(ValueError, match=r"x must be a floating array"):
        numerical_gradient(lambda v: v.sum(), np.ones(2, int))
    with pytest.raises(ValueError, match=r"a and b must have the same shape"):
        relative_error(np.ones(2), np.ones(3))
