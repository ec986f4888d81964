"""Tests of companion.models."""

import pytest
import torch
from torch import nn

from companion.models import LastStepClassifier, StackedSequenceToOne


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_scores_come_from_the_last_hidden_state(cell):
    torch.manual_seed(0)
    model = LastStepClassifier(8, 16, 10, cell=cell)
    x = torch.randn(5, 7, 8)
    out, _ = model.rnn(x)
    expected = model.head(out[:, -1])
    scores = model(x)
    assert scores.shape == (5, 10)
    torch.testing.assert_close(scores, expected)
    # changing an early step changes the scores: the state carries it
    x2 = x.clone()
    x2[:, 0] += 1.0
    assert not torch.allclose(model(x2), scores)


def test_same_weights_as_building_the_layers_by_hand():
    torch.manual_seed(3)
    model = LastStepClassifier(8, 16, 10, cell="RNN", nonlinearity="relu")
    torch.manual_seed(3)
    rnn = nn.RNN(8, 16, batch_first=True, nonlinearity="relu")
    head = nn.Linear(16, 10)
    torch.testing.assert_close(model.rnn.weight_hh_l0, rnn.weight_hh_l0)
    torch.testing.assert_close(model.head.weight, head.weight)
    assert model.rnn.nonlinearity == "relu"


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="cell must be one of"):
        LastStepClassifier(8, 16, 10, cell="Elman")
    with pytest.raises(ValueError, match="nonlinearity applies to cell='RNN'"):
        LastStepClassifier(8, 16, 10, cell="GRU", nonlinearity="relu")


# ---------------------------------------------------------------- SequenceToOne and PerStep
from companion import torch_nn  # noqa: E402
from companion.models import PerStep, SequenceToOne  # noqa: E402


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_bidirectional_summary_is_forward_last_and_backward_first(cell):
    torch.manual_seed(1)
    model = SequenceToOne(4, 6, 3, cell=cell, num_layers=2, bidirectional=True).double()
    x = torch.randn(5, 7, 4, dtype=torch.float64)
    out, _ = model.rnn(x)  # (N, T, 2H): [forward | backward] at each step
    expected = torch.cat([out[:, -1, :6], out[:, 0, 6:]], dim=1)  # forward after T, backward after 1
    torch.testing.assert_close(model.summary(x), expected, rtol=0, atol=1e-15)
    assert model(x).shape == (5, 3) and model.head.in_features == 12


@pytest.mark.parametrize("model_cls", [SequenceToOne, PerStep])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_companion_layers_give_the_same_model(model_cls, bidirectional):
    torch.manual_seed(2)
    ref = model_cls(4, 6, 3, cell="LSTM", bidirectional=bidirectional).double()
    ours = model_cls(4, 6, 3, cell="LSTM", bidirectional=bidirectional, layers=torch_nn).double()
    ours.load_state_dict(ref.state_dict())  # the same keys and shapes
    assert isinstance(ours.rnn, torch_nn.LSTM)
    x = torch.randn(5, 7, 4, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x), rtol=0, atol=1e-12)


def test_per_step_outputs_one_vector_per_step():
    torch.manual_seed(4)
    model = PerStep(4, 6, 3, cell="GRU")
    x = torch.randn(5, 7, 4)
    y = model(x)
    assert y.shape == (5, 7, 3)
    out, _ = model.rnn(x)
    torch.testing.assert_close(y, model.head(out))
    # causal: changing the last step leaves the earlier outputs unchanged
    x2 = x.clone()
    x2[:, -1] += 1.0
    torch.testing.assert_close(model(x2)[:, :-1], y[:, :-1])
    assert not torch.allclose(model(x2)[:, -1], y[:, -1])


@pytest.mark.parametrize("cell", ["RNN", "LSTM"])
def test_per_step_in_chunks_equals_one_pass(cell):
    """Feeding the final state of one chunk into the next gives the outputs of one pass."""
    torch.manual_seed(5)
    model = PerStep(2, 4, 1, cell=cell)
    x = torch.randn(3, 9, 2)
    whole, state_whole = model(x, return_state=True)
    first, state = model(x[:, :4], return_state=True)
    second, state = model(x[:, 4:], state, return_state=True)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)
    for a, b in zip(state if cell == "LSTM" else (state,), state_whole if cell == "LSTM" else (state_whole,)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_stacked_layers_of_different_sizes(cell):
    """The same weights as building the layers by hand, in the same order; equal sizes = SequenceToOne."""
    torch.manual_seed(6)
    model = StackedSequenceToOne(3, (5, 4), 2, cell=cell)
    torch.manual_seed(6)
    rnn1 = getattr(nn, cell)(3, 5, batch_first=True)
    rnn2 = getattr(nn, cell)(5, 4, batch_first=True)
    head = nn.Linear(4, 2)
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(model(x), head(rnn2(rnn1(x)[0])[0][:, -1]))
    assert [type(m) for m in model.rnns] == [getattr(nn, cell)] * 2
    same = StackedSequenceToOne(3, (4, 4), 2, cell=cell)
    one = SequenceToOne(3, 4, 2, cell=cell, num_layers=2)
    state = same.state_dict()
    names = [n for n in one.rnn.state_dict() if n.endswith("_l0")]  # weight_ih_l0, ...
    one.load_state_dict({f"rnn.{n[:-1]}{k}": state[f"rnns.{k}.{n}"] for k in (0, 1) for n in names}
                        | {"head.weight": state["head.weight"], "head.bias": state["head.bias"]})
    torch.testing.assert_close(one(x), same(x))


def test_stacked_companion_layers_and_bad_sizes():
    torch.manual_seed(7)
    ours = StackedSequenceToOne(3, (5, 4), 2, cell="LSTM", layers=torch_nn)
    ref = StackedSequenceToOne(3, (5, 4), 2, cell="LSTM")
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(ours(x), ref(x))
    with pytest.raises(ValueError, match=r"hidden_sizes must be a non-empty sequence of sizes, one per layer, got 8"):
        StackedSequenceToOne(3, 8, 2)
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1, got 0"):
        StackedSequenceToOne(3, (5, 0), 2)


def test_model_arguments_are_checked():
    with pytest.raises(TypeError, match=r"output_size must be an integer >= 1, got 2.5"):
        SequenceToOne(4, 6, 2.5)
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1, got 0"):
        PerStep(4, 0, 3)
