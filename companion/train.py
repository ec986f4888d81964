"""A small training loop for the book's PyTorch models.

Notation (shared with the book): N batch, T time steps, D input size,
H hidden size.

The loop is the textbook one, written out so it can be read in one sitting::

    for epoch in range(epochs):
        for X, y in train_loader:            # X (N, T, D)
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            clip_grad_norm_(parameters, clip_norm)  # optional
            optimizer.step()
        evaluate on the validation data, step the scheduler, early stopping

A model's ``forward`` may return a tensor of predictions or a tuple whose
first element is the predictions (``torch.nn.RNN`` style ``(output, h_n)``).
``loss_fn`` must return the mean loss over the batch; epoch losses are then
averaged over samples, weighting each batch by its size.
"""

import copy
import math
import numbers
import random
import sys
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from ._validate import check_positive_int

__all__ = [
    "accuracy_from_scores",
    "seed_everything",
    "get_device",
    "History",
    "train_step",
    "train_epoch",
    "fit",
    "evaluate",
    "predict",
    "accuracy",
    "save_checkpoint",
    "load_checkpoint",
]


def seed_everything(seed):
    """Seed ``random``, NumPy's global generator and torch (CPU and CUDA).

    Returns a fresh ``numpy.random.Generator`` seeded with ``seed``, to pass
    as ``rng`` to the functions of :mod:`companion.data`.
    """
    seed = check_positive_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # the legacy global generator takes 32 bits
    torch.manual_seed(seed)  # seeds the CPU and every CUDA device
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return np.random.default_rng(seed)


def get_device():
    """Return the first CUDA device if there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class History:
    """What :func:`fit` records, one entry per epoch (epoch e is index e - 1).

    Attributes:
        train_loss: mean training loss over the epoch's batches (weights as
            they changed during the epoch).
        val_loss: validation loss after the epoch; empty without val_data.
        lr: learning rate of the first parameter group during the epoch.
        grad_norm: mean over the epoch's batches of the global gradient
            L2 norm, measured before clipping.
        grad_norm_max: largest of those per-batch norms.
        step_loss: the training loss of every step (batch), over all epochs.
        step_grad_norm: the gradient norm of every step, before clipping.
        best_epoch: 1-based epoch with the lowest validation loss (training
            loss without val_data); None before the first epoch.
        stop_reason: "completed", "early_stopping" or "non_finite_loss".
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    grad_norm_max: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    step_grad_norm: list = field(default_factory=list)
    best_epoch: int | None = None
    stop_reason: str = "completed"

    @property
    def epochs(self):
        """1-based epoch numbers, for the x axis of a plot."""
        return list(range(1, len(self.train_loss) + 1))

    def to_dict(self):
        """Plain dict of lists, ints and strings (loads with weights_only)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        """Inverse of :meth:`to_dict`."""
        return cls(**d)


# ------------------------------------------------------------------ helpers
def _as_loader(data, batch_size, shuffle, name):
    """A DataLoader as it is, or a DataLoader over a tuple ``(X, y)``."""
    if isinstance(data, DataLoader):
        return data
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(
            f"{name} must be a DataLoader or a tuple (X, y) of tensors or "
            f"arrays, got {type(data).__name__}"
        )
    X, y = (_as_tensor(a) for a in data)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{name}: X and y must have the same number of rows N, "
            f"got X {tuple(X.shape)} and y {tuple(y.shape)}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    # Shuffling draws from torch's global generator: seed_everything fixes it.
    return DataLoader(TensorDataset(X, y), batch_size=int(batch_size), shuffle=shuffle)


def _as_tensor(a):
    """Tensors as they are; NumPy floats in torch's default dtype (float32).

    NumPy computes in float64 by default and a model's weights are float32:
    converting here saves an ``astype`` in every notebook. Integer arrays
    (class targets) keep their dtype.
    """
    if isinstance(a, torch.Tensor):
        return a
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return torch.as_tensor(a, dtype=torch.get_default_dtype())
    return torch.as_tensor(a)


def _predictions(output):
    """The model's predictions: the output, or its first element if a tuple."""
    return output[0] if isinstance(output, (tuple, list)) else output


def _check_progress(progress):
    if progress not in (False, True, "summary"):
        raise ValueError(f'progress must be False, True or "summary", got {progress!r}')


def _epoch_line(history, epochs):
    e = len(history.train_loss)
    line = f"epoch {e}/{epochs}  train {history.train_loss[-1]:.4g}"
    if history.val_loss:
        line += f"  val {history.val_loss[-1]:.4g}"
    return line + f"  lr {history.lr[-1]:.3g}  grad norm {history.grad_norm[-1]:.3g}"


# --------------------------------------------------------------- evaluation
def evaluate(model, data, loss_fn, *, batch_size=256, device=None):
    """Mean loss of ``model`` on ``data`` under ``model.eval()`` and no_grad.

    ``data`` is a DataLoader or a tuple ``(X, y)``. The model's train/eval
    mode is restored afterwards.
    """
    device = torch.device(device) if device is not None else get_device()
    loader = _as_loader(data, batch_size, shuffle=False, name="data")
    was_training = model.training
    model.eval()  # dropout off, no statistics updates
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            loss = loss_fn(_predictions(model(X)), y)
            total += loss.item() * X.shape[0]
            count += X.shape[0]
    model.train(was_training)
    if count == 0:
        raise ValueError("data must hold at least one sample, got an empty set")
    return total / count


def predict(model, X, *, batch_size=256, device=None):
    """Predictions of ``model`` for inputs ``X`` (N, ...), on the CPU.

    Runs under ``model.eval()`` and no_grad, in batches, and concatenates
    the predictions along the batch dimension.
    """
    device = torch.device(device) if device is not None else get_device()
    X = _as_tensor(X)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        outputs = [
            _predictions(model(X[i : i + batch_size].to(device))).cpu()
            for i in range(0, X.shape[0], batch_size)
        ]
    model.train(was_training)
    return torch.cat(outputs)


# ----------------------------------------------------------------- training

def accuracy_from_scores(scores, y):
    """Share of predictions that equal the labels, from scores already computed.

    - Class scores ``(..., V)``, V >= 2 (logits or probabilities), against integer
      labels ``(...)``: the prediction is the class with the highest score.
    - One logit per prediction ``(..., 1)`` against 0/1 labels ``(...)`` or
      ``(..., 1)``: the prediction is 1 where the logit is > 0.

    The leading shape is free: ``(N,)`` for one label per sequence, ``(N, T)`` for
    one per step. ``scores`` and ``y`` may be tensors or arrays.
    """
    scores = np.asarray(scores.detach().cpu() if torch.is_tensor(scores) else scores)
    y = np.asarray(y.detach().cpu() if torch.is_tensor(y) else y)
    if scores.ndim == 0:
        raise ValueError(f"scores must have a last axis of class scores or one logit, got shape {scores.shape}")
    if scores.shape[-1] == 1:
        if y.shape == scores.shape:
            y = y[..., 0]
        if y.shape != scores.shape[:-1]:
            raise ValueError(f"one logit per prediction needs labels y {scores.shape[:-1]} or {scores.shape}, "
                             f"got y {y.shape}")
        if not np.isin(y, (0, 1)).all():
            raise ValueError("one logit per prediction needs 0/1 labels y, got other values")
        return float(((scores[..., 0] > 0) == (y == 1)).mean())
    if y.shape != scores.shape[:-1]:
        raise ValueError(f"class scores {scores.shape} need integer labels y {scores.shape[:-1]}, got y {y.shape}")
    return float((scores.argmax(axis=-1) == y).mean())


def accuracy(model, X, y, *, batch_size=256, device=None):
    """Share of correct predictions of ``model`` on ``(X, y)``: :func:`accuracy_from_scores` of its scores.

    ``model(X)`` returns class scores ``(N, V)`` against labels y ``(N,)``, or one
    logit ``(N, 1)`` against 0/1 labels, or either at every step, ``(N, T, .)``.
    Runs like :func:`predict` (eval mode, no gradients, in batches).
    """
    return accuracy_from_scores(predict(model, X, batch_size=batch_size, device=device), y)


def train_step(model, X, y, *, loss_fn, optimizer, clip_norm=None):
    """One optimisation step on the batch ``(X, y)``; returns the loss and the gradient norm before clipping.

    The norm is the L2 norm of all gradients together, computed in float64: in float32 a norm
    above 3.4e38 would overflow to inf. With ``clip_norm`` the gradients are then scaled to at
    most that norm. A non-finite loss is returned without stepping, so that the weights stay finite.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    loss = loss_fn(_predictions(model(X)), y)
    optimizer.zero_grad()
    loss.backward()
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([g.double() for g in grads])
    if clip_norm is not None:
        torch.nn.utils.clip_grads_with_norm_(params, clip_norm, norm)
    if math.isfinite(loss.item()):
        optimizer.step()
    return loss.item(), norm.item()


def train_epoch(model, loader, *, loss_fn, optimizer, clip_norm=None, device=None):
    """One pass over ``loader`` in training mode; stops at the first non-finite loss.

    Returns three lists, one entry per step: the losses, the gradient norms before
    clipping, and the batch sizes.
    """
    device = torch.device(device) if device is not None else get_device()
    model.train()
    losses, norms, sizes = [], [], []
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        loss, norm = train_step(model, X, y, loss_fn=loss_fn, optimizer=optimizer, clip_norm=clip_norm)
        losses.append(loss)
        norms.append(norm)
        sizes.append(X.shape[0])
        if not math.isfinite(loss):
            break
    return losses, norms, sizes


def fit(
    model,
    train_data,
    val_data=None,
    *,
    loss_fn,
    optimizer,
    epochs,
    batch_size=32,
    shuffle=True,
    clip_norm=None,
    scheduler=None,
    patience=None,
    device=None,
    progress=False,
):
    """Train ``model`` for up to ``epochs`` epochs and return a :class:`History`.

    Args:
        model: a ``torch.nn.Module``; forward returns predictions or a tuple
            whose first element is the predictions.
        train_data: a DataLoader, or a tuple ``(X, y)`` of tensors or arrays
            that is batched with ``batch_size`` (shuffled if ``shuffle``).
            Floating NumPy arrays become tensors of torch's default dtype.
        val_data: optional DataLoader or ``(X, y)``, evaluated after each epoch.
        loss_fn: ``loss_fn(predictions, y)`` returning the batch mean.
        optimizer: a ``torch.optim`` optimizer over the model's parameters.
        epochs: maximum number of epochs (>= 1).
        batch_size: batch size N for tuple data.
        shuffle: shuffle tuple training data each epoch (windows of a series
            may be shuffled: each one keeps its own time order).
        clip_norm: if set, rescale the gradients so that their global L2 norm
            is at most ``clip_norm`` before each step.
        scheduler: optional learning-rate scheduler, stepped once per epoch
            (``ReduceLROnPlateau`` is given the monitored loss).
        patience: if set, stop after ``patience`` epochs without a lower
            monitored loss and restore the weights of the best epoch. The
            monitored loss is the validation loss, or the training loss
            without val_data.
        device: where to train; defaults to :func:`get_device`.
        progress: False prints nothing; "summary" prints one line at the end;
            True keeps one line updated after each epoch.

    Training stops early, with a warning, if the training loss becomes NaN
    or infinite (``stop_reason == "non_finite_loss"``).
    """
    check_positive_int("epochs", epochs)
    if clip_norm is not None and not clip_norm > 0:
        raise ValueError(f"clip_norm must be None or > 0, got {clip_norm!r}")
    if patience is not None:
        check_positive_int("patience", patience)
    _check_progress(progress)
    device = torch.device(device) if device is not None else get_device()
    train_loader = _as_loader(train_data, batch_size, shuffle, "train_data")
    val_loader = None
    if val_data is not None:
        val_loader = _as_loader(val_data, batch_size, False, "val_data")

    model.to(device)
    history = History()
    best_loss, best_state = math.inf, None
    width = 0  # length of the last progress line

    for epoch in range(1, epochs + 1):
        lr = optimizer.param_groups[0]["lr"]
        losses, norms, sizes = train_epoch(model, train_loader, loss_fn=loss_fn, optimizer=optimizer,
                                           clip_norm=clip_norm, device=device)
        if not sizes:
            raise ValueError("train_data must hold at least one sample, got an empty set")

        # the epoch's loss: the mean over samples, each batch weighted by its size
        history.train_loss.append(sum(loss * n for loss, n in zip(losses, sizes)) / sum(sizes))
        history.step_loss.extend(losses)
        history.step_grad_norm.extend(norms)
        history.lr.append(lr)
        history.grad_norm.append(float(np.mean(norms)))
        history.grad_norm_max.append(float(np.max(norms)))
        if val_loader is not None:
            history.val_loss.append(evaluate(model, val_loader, loss_fn, device=device))
        monitored = history.val_loss[-1] if val_loader is not None else history.train_loss[-1]

        if not math.isfinite(history.train_loss[-1]):
            history.stop_reason = "non_finite_loss"
            warnings.warn(f"training loss is {history.train_loss[-1]} at epoch {epoch}: stopping")
            break
        if monitored < best_loss:
            best_loss, history.best_epoch = monitored, epoch
            if patience is not None:
                best_state = copy.deepcopy(model.state_dict())

        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(monitored)
            else:
                scheduler.step()
        if progress is True:
            # "\r" goes back to the start of the line; pad over a longer old one.
            line = _epoch_line(history, epochs)
            sys.stdout.write("\r" + line.ljust(width))
            sys.stdout.flush()
            width = len(line)
        if patience is not None and epoch - (history.best_epoch or 0) >= patience:
            history.stop_reason = "early_stopping"
            break

    if best_state is not None:
        model.load_state_dict(best_state)
    if progress is True:
        sys.stdout.write("\n")
    if progress:
        print(_summary_line(history))
    return history


def _summary_line(history):
    """One line: epochs run, why training stopped, losses at the best epoch."""
    line = f"{len(history.train_loss)} epochs ({history.stop_reason})"
    if history.best_epoch is None:
        return line
    i = history.best_epoch - 1
    line += f", best epoch {history.best_epoch}: train {history.train_loss[i]:.4g}"
    if history.val_loss:
        line += f"  val {history.val_loss[i]:.4g}"
    return line


# -------------------------------------------------------------- checkpoints
def save_checkpoint(path, model, optimizer, epoch, history, *, scheduler=None,
                    rng_state=True):
    """Save what is needed to resume a run: the model, optimizer and scheduler
    state dicts, the epoch, the history and torch's random-number state.

    Resuming exactly (the same weights as a run that never stopped) needs all
    of them: the optimizer's moments, the scheduler's counters and the
    generator that shuffles the next epoch's mini-batches.

    Args:
        path: file to write.
        model: the ``torch.nn.Module``.
        optimizer: its optimizer, or None to store no optimizer state.
        epoch: number of completed epochs.
        history: a :class:`History` or its ``to_dict()``.
        scheduler: optional learning-rate scheduler to store.
        rng_state: store torch's CPU generator state (and CUDA's when
            available), which ``fit`` uses to shuffle tuple data.

    Only tensors and plain Python values are stored, so the file loads with
    ``torch.load(path, weights_only=True)``.
    """
    if isinstance(history, History):
        history = history.to_dict()
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": int(epoch),
        "history": history,
        "torch_rng": torch.get_rng_state() if rng_state else None,
        "cuda_rng": (torch.cuda.get_rng_state_all()
                     if rng_state and torch.cuda.is_available() else None),
    }
    torch.save(state, path)


def load_checkpoint(path, model, optimizer=None, *, scheduler=None,
                    restore_rng=True, map_location="cpu"):
    """Load a file written by :func:`save_checkpoint`.

    The model's weights are always loaded; the optimizer's and scheduler's
    states when they are given, and torch's random-number state when
    ``restore_rng`` is true and the file holds one.

    Returns ``(epoch, history)`` with ``history`` a :class:`History`.
    """
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if checkpoint.get(name) is None:
            raise ValueError(f"{name} was given but {path} holds no {name} state")
        obj.load_state_dict(checkpoint[name])
    if restore_rng and checkpoint.get("torch_rng") is not None:
        torch.set_rng_state(checkpoint["torch_rng"].cpu())
        if checkpoint.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(checkpoint["cuda_rng"])
    history = checkpoint["history"]
    if isinstance(history, dict):
        history = History.from_dict(history)
    return checkpoint["epoch"], history
