"""companion.numpy_nn's model: recurrent layers, a linear head and a loss, against torch and finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from companion import numpy_nn as nn_
from companion.models import PerStep, SequenceToOne
from companion.numpy_nn import numerical_gradient, relative_error


def test_linear_init_matches_torch_bound_and_shapes():
    layer = nn_.linear_init(16, 5, rng=0)
    assert layer["weight"].shape == (5, 16) and layer["bias"].shape == (5,)
    assert np.abs(layer["weight"]).max() <= 0.25 and np.abs(layer["weight"]).max() > 0.2
    assert "bias" not in nn_.linear_init(16, 5, rng=0, bias=False)
    with pytest.raises(TypeError, match="rng must be"):
        nn_.linear_init(16, 5, rng=None)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("readout", ["all", "last"])
def test_model_matches_torch_models(cell, readout):
    """y, the loss and every gradient equal those of companion.models in float64."""
    torch_cls = PerStep if readout == "all" else SequenceToOne
    torch.manual_seed(0)
    ref = torch_cls(3, 5, 2, cell=cell.upper(), num_layers=2).double()
    params = nn_.from_state_dict(ref.state_dict())
    assert set(params) == {"rnn", "head"}
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6, 3))
    target = rng.standard_normal((4, 6, 2) if readout == "all" else (4, 2))
    loss, grads = nn_.loss_and_grads(params, x, target, cell=cell, readout=readout)
    t_loss = F.mse_loss(ref(torch.from_numpy(x)), torch.from_numpy(target))
    t_loss.backward()
    assert abs(loss - t_loss.item()) < 1e-12
    for name, p in ref.named_parameters():
        part, key = name.split(".", 1)
        np.testing.assert_allclose(grads[part][key], p.grad.numpy(), rtol=0, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_model_backward_returns_dx_and_the_initial_state_gradient(cell):
    torch.manual_seed(0)
    ref = PerStep(3, 4, 2, cell=cell.upper()).double()
    params = nn_.from_state_dict(ref.state_dict())
    rng = np.random.default_rng(3)
    x, dy = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 2))
    h0 = rng.standard_normal((1, 2, 4))
    state = (h0, rng.standard_normal((1, 2, 4))) if cell == "lstm" else h0
    y, state_n, cache = nn_.model_forward(params, x, cell=cell, state=state)
    grads, dx, dstate = nn_.model_backward(dy, cache)
    xt = torch.tensor(x, requires_grad=True)
    st = tuple(torch.tensor(s, requires_grad=True) for s in state) if cell == "lstm" else torch.tensor(
        state, requires_grad=True)
    out, st_n = ref.rnn(xt, st)
    for mine, theirs in zip(state_n if cell == "lstm" else (state_n,), st_n if cell == "lstm" else (st_n,)):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=0, atol=1e-12)
    (ref.head(out) * torch.from_numpy(dy)).sum().backward()
    np.testing.assert_allclose(y, ref.head(out).detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-12)
    for mine, theirs in zip(dstate if cell == "lstm" else (dstate,), st if cell == "lstm" else (st,)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=0, atol=1e-12)


def test_state_dict_round_trip():
    torch.manual_seed(0)
    model = SequenceToOne(3, 4, 2, cell="LSTM")
    params = nn_.from_state_dict(model.state_dict())
    assert params["rnn"]["weight_hh_l0"].dtype == np.float64 and params["head"]["weight"].shape == (2, 4)
    assert nn_.unflatten(nn_.flatten(params)).keys() == params.keys()
    params["head"]["bias"][:] = 7.0
    model.load_state_dict(nn_.to_state_dict(params))
    assert torch.all(model.head.bias == 7.0)


def test_cross_entropy_readout_and_finite_differences():
    params = nn_.init_model("gru", 3, 4, 5, rng=0)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 4, 3)), rng.integers(0, 5, (3, 4))
    y[0, 1] = -1
    loss, grads = nn_.loss_and_grads(params, x, y, cell="gru", loss="cross_entropy", ignore_index=-1)
    flat, flat_grads = nn_.flatten(params), nn_.flatten(grads)
    assert set(flat) == set(flat_grads)
    for key, value in flat.items():
        part, name = key.split(".", 1)

        def f(v, part=part, name=name):
            new = {**params, part: {**params[part], name: v}}
            return nn_.loss_and_grads(new, x, y, cell="gru", loss="cross_entropy", ignore_index=-1)[0]

        assert relative_error(flat_grads[key], numerical_gradient(f, value)) < 1e-7, key


def test_flatten_shares_the_arrays_so_optimisers_update_the_model():
    params = nn_.init_model("rnn", 2, 3, 1, rng=0)
    before = params["head"]["weight"].copy()
    flat = nn_.flatten(params)
    assert flat["head.weight"] is params["head"]["weight"]
    nn_.SGD(flat, lr=0.1).step({k: np.ones_like(v) for k, v in flat.items()})
    np.testing.assert_allclose(params["head"]["weight"], before - 0.1)


def test_model_arguments_are_checked():
    params = nn_.init_model("rnn", 2, 3, 1, rng=0)
    x = np.zeros((2, 3, 2))
    with pytest.raises(ValueError, match=r"readout must be one of \('all', 'last'\), got 'first'"):
        nn_.model_forward(params, x, readout="first")
    with pytest.raises(ValueError, match=r"loss must be one of"):
        nn_.loss_and_grads(params, x, np.zeros((2, 3, 1)), loss="l1")
