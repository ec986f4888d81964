"""Tests of companion.train on tiny problems whose answers are known."""

import random

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from companion.train import (
    History,
    accuracy,
    accuracy_from_scores,
    evaluate,
    fit,
    get_device,
    load_checkpoint,
    predict,
    save_checkpoint,
    seed_everything,
    train_step,
)


def linear_data(n=64, seed=0):
    """y = X w + b with known w, b; no noise."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g)
    w, b = torch.tensor([[1.5], [-2.0], [0.5]]), 0.3
    return X, X @ w + b, w, b


def scalar_model(w0=0.0):
    """y = w x with one weight, w starting at w0."""
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(w0)
    return model


def test_get_device_takes_the_gpu_when_there_is_one(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device() == torch.device("cpu")


def test_get_device_gives_a_device_that_runs_a_model():
    device = get_device()
    model = nn.Linear(2, 1).to(device)
    out = model(torch.ones(3, 2, device=device))
    assert out.shape == (3, 1) and out.device.type == device.type


def test_fit_learns_linear_regression():
    torch.manual_seed(0)
    X, y, w, b = linear_data()
    model = nn.Linear(3, 1)
    history = fit(
        model, (X, y), (X, y), loss_fn=nn.MSELoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=30, batch_size=16,
    )
    assert len(history.train_loss) == len(history.val_loss) == len(history.lr) == 30
    assert history.train_loss[-1] < 1e-3 * history.train_loss[0]
    assert history.val_loss[-1] < 1e-4
    torch.testing.assert_close(model.weight.detach(), w.T, atol=1e-2, rtol=0)
    assert model.bias.item() == pytest.approx(b, abs=1e-2)
    assert history.lr == [0.1] * 30
    assert history.best_epoch == 30 and history.stop_reason == "completed"


def test_fit_accepts_dataloader_numpy_and_tuple_output():
    class TupleModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, x):
            out = self.linear(x)
            return out, torch.zeros(1)  # (predictions, "state")

    torch.manual_seed(0)
    X, y, _, _ = linear_data()
    model = TupleModel()
    loader = DataLoader(TensorDataset(X, y), batch_size=8)
    val = (X.numpy().astype(np.float64), y.numpy().astype(np.float64))
    history = fit(model, loader, val, loss_fn=nn.MSELoss(),
                  optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=10)
    assert history.val_loss[-1] < 1e-2 * history.val_loss[0]
    assert predict(model, X).shape == (64, 1)
    # float64 NumPy inputs are cast to the model's float32
    pred = predict(model, X.numpy().astype(np.float64))
    assert pred.dtype == torch.float32
    torch.testing.assert_close(pred, predict(model, X))


def test_evaluate_averages_over_samples_in_eval_mode():
    seen = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, x):
            seen.append((self.training, torch.is_grad_enabled()))
            return self.linear(x)

    torch.manual_seed(0)
    X, y, _, _ = linear_data(n=10)
    model = Spy()
    model.train()
    loss = evaluate(model, (X, y), nn.MSELoss(), batch_size=3)  # batches 3, 3, 3, 1
    with torch.no_grad():
        expected = nn.functional.mse_loss(model.linear(X), y).item()
    assert loss == pytest.approx(expected, rel=1e-6)
    assert seen == [(False, False)] * 4
    assert model.training  # mode restored


def test_early_stopping_stops_and_restores_best_weights():
    # Train on y = 2x, validate on y = x: w climbs from 0 to 2, so the
    # validation loss falls until w passes 1, then rises.
    x = torch.linspace(-1, 1, 20)[:, None]
    model = scalar_model(0.0)
    patience = 3
    history = fit(
        model, (x, 2 * x), (x, x), loss_fn=nn.MSELoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.3),
        epochs=100, batch_size=20, patience=patience,
    )
    best = history.best_epoch
    assert history.stop_reason == "early_stopping"
    assert len(history.val_loss) == best + patience < 100
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert history.val_loss[-1] > history.val_loss[best - 1]
    # The model now holds the best epoch's weights, not the last ones.
    assert evaluate(model, (x, x), nn.MSELoss()) == pytest.approx(history.val_loss[best - 1])
    assert abs(model.weight.item() - 1.0) < 0.2


def test_clipping_reports_pre_clip_norm_and_clips():
    # One sample x = 1, y = 10, w = 0: the gradient of (w x - y)^2 is -20.
    x, y = torch.ones(1, 1), torch.full((1, 1), 10.0)
    runs = {}
    for clip in (None, 1.0):
        model = scalar_model(0.0)
        history = fit(model, (x, y), loss_fn=nn.MSELoss(),
                      optimizer=torch.optim.SGD(model.parameters(), lr=1.0),
                      epochs=1, clip_norm=clip)
        runs[clip] = (history, model.weight.item())
    for clip in (None, 1.0):
        assert runs[clip][0].grad_norm == pytest.approx([20.0])
        assert runs[clip][0].grad_norm_max == pytest.approx([20.0])
    assert runs[None][1] == pytest.approx(20.0)  # w - lr * (-20)
    assert runs[1.0][1] == pytest.approx(1.0)  # gradient rescaled to norm 1


def test_scheduler_is_stepped_once_per_epoch():
    X, y, _, _ = linear_data(n=16)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(model, (X, y), loss_fn=nn.MSELoss(), optimizer=opt, epochs=3,
                  batch_size=4, scheduler=sched)
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])


def test_non_finite_loss_stops_with_a_warning():
    X, y, _, _ = linear_data(n=8)
    model = nn.Linear(3, 1)

    def nan_loss(pred, target):
        return ((pred - target) ** 2).mean() * float("nan")

    with pytest.warns(UserWarning, match="nan"):
        history = fit(model, (X, y), loss_fn=nan_loss,
                      optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=5)
    assert history.stop_reason == "non_finite_loss" and len(history.train_loss) == 1


def test_progress_is_silent_by_default(capsys):
    X, y, _, _ = linear_data(n=8)
    model = nn.Linear(3, 1)
    kwargs = dict(loss_fn=nn.MSELoss(), optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  epochs=2)
    fit(model, (X, y), **kwargs)
    assert capsys.readouterr().out == ""
    fit(model, (X, y), progress="summary", **kwargs)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("2 epochs (completed)")
    fit(model, (X, y), progress=True, **kwargs)
    out = capsys.readouterr().out
    assert out.count("\r") == 2 and "epoch 2/2" in out


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    X, y, _, _ = linear_data(n=32)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, (X, y), loss_fn=nn.MSELoss(), optimizer=opt, epochs=3, batch_size=8)
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, model, opt, epoch=3, history=history)
    torch.load(path, weights_only=True)  # plain data only

    torch.manual_seed(1)
    model2 = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    opt2 = torch.optim.Adam(model2.parameters(), lr=1.0)
    epoch, history2 = load_checkpoint(path, model2, opt2)

    assert epoch == 3 and isinstance(history2, History) and history2 == history
    for (k, v), (k2, v2) in zip(model.state_dict().items(), model2.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    s, s2 = opt.state_dict(), opt2.state_dict()
    assert s["param_groups"] == s2["param_groups"]  # lr 1e-2 restored
    for i, state in s["state"].items():
        for name, value in state.items():
            assert torch.equal(value, s2["state"][i][name]), name


def _one_run(seed):
    rng = seed_everything(seed)
    X, y, _, _ = linear_data(n=32)
    model = nn.Linear(3, 1)  # initialised from torch's global generator
    history = fit(model, (X, y), loss_fn=nn.MSELoss(),
                  optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
                  epochs=3, batch_size=5, shuffle=True)
    return (history.train_loss, model.weight.detach().clone(), random.random(),
            np.random.rand(), rng.random())


def test_seed_everything_makes_runs_identical():
    a, b, c = _one_run(123), _one_run(123), _one_run(124)
    assert a[0] == b[0] and torch.equal(a[1], b[1]) and a[2:] == b[2:]
    assert a[0] != c[0] and not torch.equal(a[1], c[1]) and a[2] != c[2]
    assert a[3] != c[3] and a[4] != c[4]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(epochs=0), "epochs"),
        (dict(epochs=1, clip_norm=0.0), "clip_norm"),
        (dict(epochs=1, patience=0), "patience"),
        (dict(epochs=1, progress="yes"), "progress"),
        (dict(epochs=1, batch_size=0), "batch_size"),
    ],
)
def test_fit_bad_arguments(kwargs, name):
    X, y, _, _ = linear_data(n=8)
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match=name):
        fit(model, (X, y), loss_fn=nn.MSELoss(),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs)


def test_fit_rejects_mismatched_rows_and_bad_seed():
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="train_data"):
        fit(model, (torch.zeros(4, 3), torch.zeros(5, 1)), loss_fn=nn.MSELoss(),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)


def _resumable_run(tmp_path, stop_after=None):
    """Train 4 epochs with Adam, a StepLR and shuffling; optionally stop
    after ``stop_after`` epochs, save, rebuild everything and resume."""
    torch.manual_seed(0)
    X, y, _, _ = linear_data(n=40)

    def build():
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = torch.optim.Adam(model.parameters(), lr=3e-2)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        return model, opt, sched

    model, opt, sched = build()
    kwargs = dict(loss_fn=nn.MSELoss(), batch_size=8, shuffle=True)
    if stop_after is None:
        fit(model, (X, y), optimizer=opt, scheduler=sched, epochs=4, **kwargs)
        return model
    history = fit(model, (X, y), optimizer=opt, scheduler=sched,
                  epochs=stop_after, **kwargs)
    path = tmp_path / "run.pt"
    save_checkpoint(path, model, opt, stop_after, history, scheduler=sched)
    torch.manual_seed(123)               # the process "restarts" elsewhere
    model, opt, sched = build()
    epoch, _ = load_checkpoint(path, model, opt, scheduler=sched)
    assert epoch == stop_after and sched.get_last_lr() == [3e-2 * 0.5**2]
    fit(model, (X, y), optimizer=opt, scheduler=sched, epochs=4 - epoch,
        **kwargs)
    return model


def test_resuming_from_a_checkpoint_is_exact(tmp_path):
    straight = _resumable_run(tmp_path)
    resumed = _resumable_run(tmp_path, stop_after=2)
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(a, b)


def test_checkpoint_without_rng_state_does_not_restore_it(tmp_path):
    model = nn.Linear(2, 1)
    path = tmp_path / "c.pt"
    save_checkpoint(path, model, None, 0, History(), rng_state=False)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    load_checkpoint(path, model)
    assert torch.equal(torch.rand(3), expected)


def test_load_checkpoint_refuses_missing_scheduler_state(tmp_path):
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "c.pt"
    save_checkpoint(path, model, opt, 1, History())
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.raises(ValueError, match="scheduler was given"):
        load_checkpoint(path, model, opt, scheduler=sched)


def test_accuracy_counts_argmax_hits():
    model = nn.Linear(2, 3, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(3, 2))     # scores = (x0, x1, 0)
    X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [2.0, 1.0]])
    assert accuracy(model, X, [0, 1, 2, 1]) == 0.75


def test_accuracy_refuses_mismatched_labels():
    model = nn.Linear(2, 3)
    with pytest.raises(ValueError, match=r"class scores \(4, 3\) need integer labels y \(4,\), got y \(3,\)"):
        accuracy(model, torch.zeros(4, 2), [0, 1, 2])


def test_accuracy_of_one_logit_and_of_every_step():
    logits = np.array([[2.0], [-1.0], [0.5], [-0.2]])           # predictions 1, 0, 1, 0
    assert accuracy_from_scores(logits, [1, 0, 0, 0]) == 0.75
    assert accuracy_from_scores(torch.from_numpy(logits), np.array([[1.0], [0.0], [0.0], [0.0]])) == 0.75
    per_step = np.zeros((2, 3, 4))
    per_step[..., 2] = 1.0                                      # class 2 everywhere
    assert accuracy_from_scores(per_step, [[2, 2, 0], [2, 1, 1]]) == 0.5
    model = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, -1.0]]))       # logit x0 - x1
    X = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[2.0, 1.0], [1.0, 1.0]]])   # (N, T, D) = (2, 2, 2)
    assert accuracy(model, X, [[1, 0], [1, 1]]) == 0.75


def test_accuracy_from_scores_names_what_is_wrong():
    with pytest.raises(ValueError, match=r"one logit per prediction needs 0/1 labels"):
        accuracy_from_scores(np.zeros((3, 1)), [0, 1, 2])
    with pytest.raises(ValueError, match=r"one logit per prediction needs labels y \(3,\) or \(3, 1\), got y \(2,\)"):
        accuracy_from_scores(np.zeros((3, 1)), [0, 1])
    with pytest.raises(ValueError, match=r"scores must have a last axis"):
        accuracy_from_scores(np.float64(1.0), 1)


def test_every_step_is_recorded():
    torch.manual_seed(0)
    X, y = torch.randn(50, 3), torch.randn(50, 1)
    model = nn.Linear(3, 1)
    history = fit(model, (X, y), loss_fn=nn.MSELoss(), optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  epochs=3, batch_size=16, shuffle=False)
    assert len(history.step_loss) == len(history.step_grad_norm) == 3 * 4  # 4 batches: 16, 16, 16, 2
    sizes = [16, 16, 16, 2]
    for e in range(3):
        steps = history.step_loss[4 * e:4 * e + 4]
        assert abs(history.train_loss[e] - sum(s * n for s, n in zip(steps, sizes)) / 50) < 1e-12
        assert history.grad_norm_max[e] == max(history.step_grad_norm[4 * e:4 * e + 4])


def test_train_step_skips_a_non_finite_step():
    model = scalar_model(1.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = torch.tensor([[1.0]]), torch.tensor([[float("inf")]])
    loss, norm = train_step(model, X, y, loss_fn=nn.MSELoss(), optimizer=opt)
    assert not np.isfinite(loss)
    assert model.weight.item() == 1.0  # the step was not taken
    loss, norm = train_step(model, X, torch.tensor([[0.0]]), loss_fn=nn.MSELoss(), optimizer=opt)
    assert loss == 1.0 and abs(norm - 2.0) < 1e-12 and abs(model.weight.item() - 0.8) < 1e-7


def test_train_step_norm_does_not_overflow_in_float32():
    """Gradient entries of 1e20 are finite in float32 but their squares are not: the norm stays finite."""
    model = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        model.weight.zero_()
    X, y = torch.ones(1, 3), torch.zeros(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    _, norm = train_step(model, X, y, loss_fn=lambda p, t: (p * 1e20).sum(), optimizer=opt, clip_norm=1.0)
    assert norm == pytest.approx(3 ** 0.5 * 1e20, rel=1e-6)  # gradient (1e20, 1e20, 1e20)
    # the step is clipped to norm 1, against the gradient
    torch.testing.assert_close(model.weight, torch.full((1, 3), -(3 ** -0.5)))
