"""Tests of companion.models."""

import pytest
import torch
from torch import nn

from companion.models import LastStepClassifier


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
