"""Tests of companion.keras_weights: Keras 3 layers and the PyTorch modules
loaded with their converted weights compute the same function."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

keras = pytest.importorskip("keras")

from companion import numpy_nn, torch_nn  # noqa: E402
from companion.keras_weights import (  # noqa: E402
    dense_state_dict,
    gru_state_dict,
    lstm_state_dict,
    simple_rnn_state_dict,
    stack_layers,
    to_tensors,
)

N, T, D, H = 3, 5, 4, 6
ATOL = 2e-5  # Keras computes in float32

KERAS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
         "gru": keras.layers.GRU}
TORCH = {"simple_rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
OURS = {"simple_rnn": torch_nn.RNN, "lstm": torch_nn.LSTM,
        "gru": torch_nn.GRU}
CONVERT = {"simple_rnn": simple_rnn_state_dict, "lstm": lstm_state_dict,
           "gru": gru_state_dict}


def keras_stack(cell, sizes, rng, use_bias=True):
    """A Keras model of stacked recurrent layers with random weights.

    Every weight, the biases included, gets a random value, so that a wrong
    gate order or a dropped bias changes the output.
    """
    layers = [KERAS[cell](h, return_sequences=True, use_bias=use_bias)
              for h in sizes]
    model = keras.Sequential([keras.Input((None, D)), *layers])
    for layer in layers:
        layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                           for w in layer.get_weights()])
    return model, layers


def inputs(rng):
    return rng.normal(size=(N, T, D)).astype("float32")


@pytest.mark.parametrize("cell", sorted(KERAS))
@pytest.mark.parametrize("use_bias", [True, False])
def test_one_layer_matches_torch_nn_and_companion(cell, use_bias):
    rng = np.random.default_rng(0)
    model, (layer,) = keras_stack(cell, [H], rng, use_bias)
    x = inputs(rng)
    expected = np.asarray(model(x).detach())
    state = to_tensors(CONVERT[cell](layer.get_weights()))
    for cls in (TORCH[cell], OURS[cell]):
        net = cls(D, H, batch_first=True, bias=use_bias)
        net.load_state_dict(state)
        with torch.no_grad():
            out = net(torch.from_numpy(x))[0].numpy()
        np.testing.assert_allclose(out, expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("cell", sorted(KERAS))
def test_stacked_layers_of_different_sizes(cell):
    rng = np.random.default_rng(1)
    model, layers = keras_stack(cell, [H, H + 2], rng)
    x = inputs(rng)
    expected = np.asarray(model(x).detach())
    state = stack_layers([layer.get_weights() for layer in layers], cell)
    # one torch module per layer, since the two layers differ in size
    net = TORCH[cell](D, H, num_layers=1, batch_first=True)
    top = TORCH[cell](H, H + 2, num_layers=1, batch_first=True)
    net.load_state_dict(to_tensors(
        {k: v for k, v in state.items() if k.endswith("l0")}))
    top.load_state_dict(to_tensors(
        {k.replace("l1", "l0"): v for k, v in state.items()
         if k.endswith("l1")}))
    with torch.no_grad():
        out = top(net(torch.from_numpy(x))[0])[0].numpy()
    np.testing.assert_allclose(out, expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("cell", sorted(KERAS))
def test_two_equal_layers_load_into_num_layers_2(cell):
    rng = np.random.default_rng(2)
    model, layers = keras_stack(cell, [H, H], rng)
    x = inputs(rng)
    expected = np.asarray(model(x).detach())
    state = stack_layers([layer.get_weights() for layer in layers], cell)
    net = TORCH[cell](D, H, num_layers=2, batch_first=True)
    net.load_state_dict(to_tensors(state))  # strict: every key present
    with torch.no_grad():
        out = net(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(out, expected, atol=ATOL, rtol=0)
    forward = {"simple_rnn": numpy_nn.rnn_forward,
               "lstm": numpy_nn.lstm_forward, "gru": numpy_nn.gru_forward}
    params = {k: v.astype(np.float64) for k, v in state.items()}
    out_np = forward[cell](x.astype(np.float64), None, params)[0]
    np.testing.assert_allclose(out_np, expected, atol=ATOL, rtol=0)


def test_dense_matches_linear():
    rng = np.random.default_rng(3)
    dense = keras.layers.Dense(7)
    dense.build((None, H))
    dense.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in dense.get_weights()])
    x = rng.normal(size=(N, H)).astype("float32")
    linear = nn.Linear(H, 7)
    linear.load_state_dict(to_tensors(dense_state_dict(dense.get_weights())))
    with torch.no_grad():
        out = linear(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, np.asarray(dense(x).detach()),
                               atol=ATOL, rtol=0)


def test_dense_prefix_names_submodule():
    kernel, bias = np.ones((3, 2)), np.zeros(2)
    assert set(dense_state_dict([kernel, bias], prefix="fc.")) == {
        "fc.weight", "fc.bias"}


def test_gru_gate_order_is_swapped():
    """Keras's first block (z) becomes torch's second; the third stays."""
    h = 2
    kernel = np.concatenate([np.full((1, h), v) for v in (1.0, 2.0, 3.0)],
                            axis=1)
    state = gru_state_dict([kernel, np.zeros((h, 3 * h))])
    np.testing.assert_array_equal(state["weight_ih_l0"][:, 0],
                                  [2, 2, 1, 1, 3, 3])


# ---------------------------------------------------------------- bad input

def test_rejects_wrong_recurrent_shape():
    with pytest.raises(ValueError, match=r"recurrent_kernel .*\(H, 4\*H\)"):
        lstm_state_dict([np.zeros((4, 24)), np.zeros((6, 6)),
                         np.zeros(24)])


def test_rejects_kernel_that_does_not_match():
    with pytest.raises(ValueError, match=r"kernel .*\(D, 6\)"):
        simple_rnn_state_dict([np.zeros((4, 5)), np.zeros((6, 6))])


def test_rejects_gru_bias_of_one_row():
    with pytest.raises(ValueError, match=r"bias .*\(2, 18\)"):
        gru_state_dict([np.zeros((4, 18)), np.zeros((6, 18)),
                        np.zeros(18)])


def test_rejects_reset_before():
    with pytest.raises(ValueError, match="reset_after"):
        gru_state_dict([np.zeros((4, 18)), np.zeros((6, 18))],
                       reset_after=False)


def test_rejects_wrong_number_of_arrays():
    with pytest.raises(ValueError, match="weights must be"):
        simple_rnn_state_dict([np.zeros((4, 6))])


def test_rejects_non_list():
    with pytest.raises(TypeError, match="get_weights"):
        dense_state_dict(np.zeros((3, 2)))


def test_rejects_unknown_cell_and_size_mismatch():
    with pytest.raises(ValueError, match="cell must be one of"):
        stack_layers([[np.zeros((4, 6)), np.zeros((6, 6))]], "elman")
    first = [np.zeros((4, 6)), np.zeros((6, 6))]
    second = [np.zeros((5, 3)), np.zeros((3, 3))]
    with pytest.raises(ValueError, match=r"layer_weights\[1\].*H = 6"):
        stack_layers([first, second], "simple_rnn")


def test_rejects_negative_layer():
    with pytest.raises(ValueError, match="layer must be"):
        simple_rnn_state_dict([np.zeros((4, 6)), np.zeros((6, 6))], -1)
