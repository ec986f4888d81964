"""companion.torch_nn passes PyTorch's own module test samples for nn.RNN, nn.LSTM and nn.GRU.

PyTorch's test suite describes each module by a ``ModuleInfo`` in
``torch.testing._internal.common_modules.module_db``, whose ``module_inputs_func``
yields the constructor arguments and forward inputs that torch's own tests run
(``test/test_modules.py``). We take every sample for the three recurrent modules,
in training and in evaluation mode, build the ``torch.nn`` module and ours from
the same arguments, copy the weights, and compare in float64: the outputs, the
final states, and the gradients of a loss that reads every output value with
respect to the inputs, the given states and every parameter.
"""

import pytest
import torch
import torch.nn as nn
from torch.testing._internal.common_modules import module_db

import companion.torch_nn as ours

PAIRS = {nn.RNN: ours.RNN, nn.LSTM: ours.LSTM, nn.GRU: ours.GRU}
ATOL = 1e-10


def samples():
    found = []
    for info in module_db:
        if info.module_cls not in PAIRS:
            continue
        for training in (True, False):
            inputs = info.module_inputs_func(info, device="cpu", dtype=torch.float64,
                                             requires_grad=True, training=training)
            for i, sample in enumerate(inputs):
                kw = sample.constructor_input.kwargs
                shapes = [tuple(a.shape) if isinstance(a, torch.Tensor) else [tuple(t.shape) for t in a]
                          for a in sample.forward_input.args]
                name = (f"{info.module_cls.__name__}-{'train' if training else 'eval'}-{i}-"
                        + ",".join(f"{k}={v}" for k, v in kw.items() if k not in ("input_size", "hidden_size"))
                        + f"-{shapes}")
                found.append(pytest.param(info.module_cls, sample, training, id=name))
    return found


SAMPLES = samples()


def leaves(value):
    """Fresh leaf copies of the tensors in ``value`` (a tensor or a tuple of them), and the list of leaves."""
    if isinstance(value, torch.Tensor):
        leaf = value.detach().clone().requires_grad_(value.requires_grad)
        return leaf, [leaf]
    copies = [leaves(v) for v in value]
    return type(value)(c for c, _ in copies), [leaf for _, ls in copies for leaf in ls]


def flat(result):
    """(output, h_n) or (output, (h_n, c_n)) as a flat list of tensors."""
    output, states = result
    return [output, *(states if isinstance(states, tuple) else (states,))]


def test_torch_has_samples_for_every_feature_we_claim():
    kwargs = [p.values[1].constructor_input.kwargs for p in SAMPLES]
    args = [p.values[1].forward_input.args for p in SAMPLES]
    assert {p.values[0] for p in SAMPLES} == set(PAIRS)
    assert any(k.get("proj_size", 0) > 0 for k in kwargs)
    assert any(k.get("bias") is False for k in kwargs) and any(k.get("bidirectional") for k in kwargs)
    assert any(k.get("batch_first") is False for k in kwargs)  # time-major
    assert any(len(a) == 1 for a in args) and any(len(a) == 2 for a in args)  # states omitted and given
    assert any(a[0].dim() == 2 for a in args)  # unbatched input


@pytest.mark.parametrize("torch_cls, sample, training", SAMPLES)
def test_module_db_sample(torch_cls, sample, training):
    args, kwargs = sample.constructor_input.args, sample.constructor_input.kwargs
    torch.manual_seed(0)
    ref = torch_cls(*args, **kwargs).to(torch.float64).train(training)
    mine = PAIRS[torch_cls](*args, **kwargs).to(torch.float64).train(training)
    assert list(mine.state_dict()) == list(ref.state_dict())  # same keys, same order
    mine.load_state_dict(ref.state_dict(), strict=True)

    inputs_ref, leaves_ref = leaves(sample.forward_input.args)
    inputs_mine, leaves_mine = leaves(sample.forward_input.args)
    out_ref = flat(ref(*inputs_ref, **sample.forward_input.kwargs))
    out_mine = flat(mine(*inputs_mine, **sample.forward_input.kwargs))
    assert [t.shape for t in out_mine] == [t.shape for t in out_ref]
    for a, b in zip(out_mine, out_ref):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)

    g = torch.Generator().manual_seed(1)
    weights = [torch.randn(t.shape, generator=g, dtype=torch.float64) for t in out_ref]
    grads = {}
    for key, model, outs, inputs in (("ref", ref, out_ref, leaves_ref), ("mine", mine, out_mine, leaves_mine)):
        loss = sum((o * w).sum() for o, w in zip(outs, weights))
        wrt = [t for t in inputs if t.requires_grad] + list(model.parameters())
        grads[key] = torch.autograd.grad(loss, wrt)
    assert len(grads["mine"]) == len(grads["ref"])
    for a, b in zip(grads["mine"], grads["ref"]):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)
