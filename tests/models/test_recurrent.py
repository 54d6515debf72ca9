"""Recurrent cells and the LSTM: the cell protocol, fused vs composite agreement (1e-10 in
float64, outputs and every gradient), equations against a NumPy reference, errors, and a short
training that must lower the loss."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyaug as ta
from tinyaug.nn import (GRUCell, LSTM, LSTMCell, RNNCell, fused_lstm_cell,
                            fused_lstm_sequence, lstm_cell_composite, lstm_sequence_composite)
from tinyaug.nn import init

TIME, BATCH, INPUT, HIDDEN = 5, 3, 4, 6


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _numpy_lstm_step(x, h, c, wx, wh, b):
    """The textbook equations, gate order (i, f, g, o), independent of tinyaug."""
    a = x @ wx + h @ wh + b
    H = h.shape[1]
    i, f, g, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def _random_arrays(rng, time=None):
    x_shape = (BATCH, INPUT) if time is None else (time, BATCH, INPUT)
    return [rng.standard_normal(x_shape), rng.standard_normal((BATCH, HIDDEN)),
            rng.standard_normal((BATCH, HIDDEN)), 0.5 * rng.standard_normal((INPUT, 4 * HIDDEN)),
            0.5 * rng.standard_normal((HIDDEN, 4 * HIDDEN)), 0.5 * rng.standard_normal(4 * HIDDEN)]


def _outputs_and_grads(fn, arrays, upstream_seed=7):
    leaves = [ta.tensor(a, requires_grad=True) for a in arrays]
    outputs = fn(*leaves)
    upstream_rng = np.random.default_rng(upstream_seed)
    loss = None
    for out in outputs:
        term = (out * ta.tensor(upstream_rng.standard_normal(out.shape))).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    return [ta.to_numpy(o) for o in outputs], [ta.to_numpy(leaf.grad) for leaf in leaves]


def _assert_close_lists(first, second, atol=1e-10):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)


# -- fused vs composite -------------------------------------------------------------------------

def test_fused_cell_matches_composite_to_1e10(rng):
    arrays = _random_arrays(rng)
    fused = _outputs_and_grads(fused_lstm_cell, arrays)
    composite = _outputs_and_grads(lstm_cell_composite, arrays)
    _assert_close_lists(fused[0], composite[0])
    _assert_close_lists(fused[1], composite[1])


def test_fused_sequence_matches_composite_to_1e10(rng):
    arrays = _random_arrays(rng, time=TIME)
    fused = _outputs_and_grads(fused_lstm_sequence, arrays)
    composite = _outputs_and_grads(lstm_sequence_composite, arrays)
    _assert_close_lists(fused[0], composite[0])
    _assert_close_lists(fused[1], composite[1])


@settings(max_examples=15, deadline=None)
@given(time=st.integers(1, 4), batch=st.integers(1, 3), input_size=st.integers(1, 4),
       hidden=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_fused_sequence_matches_composite_for_any_shape(time, batch, input_size, hidden, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((time, batch, input_size)), rng.standard_normal((batch, hidden)),
              rng.standard_normal((batch, hidden)), rng.standard_normal((input_size, 4 * hidden)),
              rng.standard_normal((hidden, 4 * hidden)), rng.standard_normal(4 * hidden)]
    fused = _outputs_and_grads(fused_lstm_sequence, arrays)
    composite = _outputs_and_grads(lstm_sequence_composite, arrays)
    _assert_close_lists(fused[0], composite[0])
    _assert_close_lists(fused[1], composite[1])


@pytest.mark.parametrize("walk", ["_backward_all_steps_factors", "_backward_step_by_step"])
@pytest.mark.parametrize("batch", [1, 3, 9])
def test_both_backward_walks_match_composite_to_1e10(rng, monkeypatch, walk, batch):
    """The fused sequence's two BPTT walks (chosen by batch size) each equal the composite,
    whichever batch size they are given."""
    import tinyaug.nn.lstm_fused as lstm_fused
    monkeypatch.setattr(lstm_fused, "_PER_STEP_MIN_BATCH",
                        10**9 if walk == "_backward_all_steps_factors" else 1)
    arrays = [rng.standard_normal((TIME, batch, INPUT)), rng.standard_normal((batch, HIDDEN)),
              rng.standard_normal((batch, HIDDEN))] + _random_arrays(rng)[3:]
    fused = _outputs_and_grads(fused_lstm_sequence, arrays)
    composite = _outputs_and_grads(lstm_sequence_composite, arrays)
    _assert_close_lists(fused[0], composite[0])
    _assert_close_lists(fused[1], composite[1])


def test_fused_sequence_matches_stepping_the_fused_cell(rng):
    arrays = _random_arrays(rng, time=TIME)

    def stepped(xs, h, c, wx, wh, b):
        outputs = []
        for t in range(xs.shape[0]):
            h, c = fused_lstm_cell(xs[t], h, c, wx, wh, b)
            outputs.append(h)
        return ta.stack(outputs, axis=0), h, c

    _assert_close_lists(_outputs_and_grads(fused_lstm_sequence, arrays)[1],
                        _outputs_and_grads(stepped, arrays)[1])


def test_cell_follows_the_lstm_equations(rng):
    arrays = _random_arrays(rng)
    h_new, c_new = fused_lstm_cell(*[ta.tensor(a) for a in arrays])
    expected_h, expected_c = _numpy_lstm_step(*arrays)
    np.testing.assert_allclose(ta.to_numpy(h_new), expected_h, atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(c_new), expected_c, atol=1e-12)


def test_sequence_gradient_only_through_final_state(rng):
    """Using only h_T (not hs) still backpropagates through every step."""
    arrays = _random_arrays(rng, time=TIME)
    leaves = [ta.tensor(a, requires_grad=True) for a in arrays]
    _, h_last, _ = fused_lstm_sequence(*leaves)
    h_last.sum().backward()
    assert np.abs(ta.to_numpy(leaves[0].grad)[0]).sum() > 0  # the first input step matters
    composite_leaves = [ta.tensor(a, requires_grad=True) for a in arrays]
    lstm_sequence_composite(*composite_leaves)[1].sum().backward()
    for fused_leaf, composite_leaf in zip(leaves, composite_leaves):
        np.testing.assert_allclose(ta.to_numpy(fused_leaf.grad), ta.to_numpy(composite_leaf.grad),
                                   atol=1e-10, rtol=0)


def test_sequence_gradcheck_longer_sequence(rng):
    arrays = [a[..., :2] if i == 0 else a for i, a in enumerate(_random_arrays(rng, time=8))]
    arrays[3] = arrays[3][:2]
    assert ta.gradcheck(fused_lstm_sequence, arrays)


# -- modules ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fused", [True, False])
def test_lstm_cell_protocol_and_bias(fused):
    cell = LSTMCell(INPUT, HIDDEN, fused=fused)
    assert (cell.input_size, cell.output_size) == (INPUT, HIDDEN)
    h, c = cell.initial_state(BATCH)
    assert h.shape == c.shape == (BATCH, HIDDEN) and not ta.to_numpy(h).any()
    bias = ta.to_numpy(cell.bias)
    assert np.all(bias[HIDDEN:2 * HIDDEN] == 1.0) and not bias[:HIDDEN].any()
    assert cell.weight_input.shape == (INPUT, 4 * HIDDEN)
    assert cell.weight_hidden.shape == (HIDDEN, 4 * HIDDEN)
    x = ta.tensor(np.ones((BATCH, INPUT), dtype=np.float32))
    output, (h_new, c_new) = cell(x, (h, c))
    assert output is h_new and output.shape == (BATCH, HIDDEN) and output.dtype == np.float32


def test_lstm_cell_recurrent_blocks_are_orthogonal():
    cell = LSTMCell(INPUT, HIDDEN, dtype=np.float64)
    weight_hidden = ta.to_numpy(cell.weight_hidden)
    for gate in range(4):
        block = weight_hidden[:, gate * HIDDEN:(gate + 1) * HIDDEN]
        np.testing.assert_allclose(block.T @ block, np.eye(HIDDEN), atol=1e-10)


def test_lstm_cell_fused_and_composite_modules_agree(rng):
    fused = LSTMCell(INPUT, HIDDEN, fused=True, dtype=np.float64)
    composite = LSTMCell(INPUT, HIDDEN, fused=False, dtype=np.float64)
    composite.load_state_dict(fused.state_dict())
    x = rng.standard_normal((BATCH, INPUT))
    results = []
    for cell in (fused, composite):
        state = cell.initial_state(BATCH)
        for _ in range(3):
            out, state = cell(ta.tensor(x), state)
        (out.sum() + state[1].sum()).backward()
        results.append([ta.to_numpy(out)] + [ta.to_numpy(p.grad) for p in cell.parameters()])
    _assert_close_lists(*results)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_fused_and_composite_agree(rng, num_layers):
    fused = LSTM(INPUT, HIDDEN, num_layers=num_layers, fused=True, dtype=np.float64)
    composite = LSTM(INPUT, HIDDEN, num_layers=num_layers, fused=False, dtype=np.float64)
    composite.load_state_dict(fused.state_dict())
    inputs = rng.standard_normal((TIME, BATCH, INPUT))
    h0 = rng.standard_normal((num_layers, BATCH, HIDDEN))
    c0 = rng.standard_normal((num_layers, BATCH, HIDDEN))
    results = []
    for model in (fused, composite):
        x = ta.tensor(inputs, requires_grad=True)
        state = (ta.tensor(h0, requires_grad=True), ta.tensor(c0, requires_grad=True))
        outputs, (h_n, c_n) = model(x, state)
        assert outputs.shape == (TIME, BATCH, HIDDEN)
        assert h_n.shape == c_n.shape == (num_layers, BATCH, HIDDEN)
        np.testing.assert_array_equal(ta.to_numpy(outputs)[-1], ta.to_numpy(h_n)[-1])
        ((outputs * outputs).sum() + (h_n * c_n).sum()).backward()
        results.append([ta.to_numpy(outputs), ta.to_numpy(c_n), ta.to_numpy(x.grad),
                        ta.to_numpy(state[0].grad), ta.to_numpy(state[1].grad)]
                       + [ta.to_numpy(p.grad) for p in model.parameters()])
    _assert_close_lists(*results)


def test_lstm_accepts_per_layer_state_and_matches_stacked(rng):
    model = LSTM(INPUT, HIDDEN, num_layers=2, dtype=np.float64)
    inputs = ta.tensor(rng.standard_normal((TIME, BATCH, INPUT)))
    h0 = rng.standard_normal((2, BATCH, HIDDEN))
    c0 = rng.standard_normal((2, BATCH, HIDDEN))
    stacked, _ = model(inputs, (ta.tensor(h0), ta.tensor(c0)))
    per_layer, _ = model(inputs, [(ta.tensor(h0[k]), ta.tensor(c0[k])) for k in range(2)])
    np.testing.assert_array_equal(ta.to_numpy(stacked), ta.to_numpy(per_layer))
    zero_default, _ = model(inputs)
    zero_given, _ = model(inputs, model.initial_state(BATCH))
    np.testing.assert_array_equal(ta.to_numpy(zero_default), ta.to_numpy(zero_given))


def test_lstm_matches_numpy_equations(rng):
    model = LSTM(INPUT, HIDDEN, dtype=np.float64)
    inputs = rng.standard_normal((TIME, BATCH, INPUT))
    outputs, (h_n, c_n) = model(ta.tensor(inputs))
    wx, wh, b = (ta.to_numpy(p) for p in model.parameters())
    h = c = np.zeros((BATCH, HIDDEN))
    for t in range(TIME):
        h, c = _numpy_lstm_step(inputs[t], h, c, wx, wh, b)
        np.testing.assert_allclose(ta.to_numpy(outputs)[t], h, atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(c_n)[0], c, atol=1e-12)


def test_gru_cell_follows_cho_equations(rng):
    cell = GRUCell(INPUT, HIDDEN, dtype=np.float64)
    x, h = rng.standard_normal((BATCH, INPUT)), rng.standard_normal((BATCH, HIDDEN))
    out, state = cell(ta.tensor(x), ta.tensor(h))
    assert out is state
    wx, wh, b = (ta.to_numpy(p) for p in cell.parameters())
    H = HIDDEN
    reset = _sigmoid(x @ wx[:, :H] + b[:H] + h @ wh[:, :H])
    update = _sigmoid(x @ wx[:, H:2 * H] + b[H:2 * H] + h @ wh[:, H:2 * H])
    candidate = np.tanh(x @ wx[:, 2 * H:] + b[2 * H:] + (reset * h) @ wh[:, 2 * H:])
    np.testing.assert_allclose(ta.to_numpy(out), update * h + (1 - update) * candidate, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell(rng, nonlinearity):
    cell = RNNCell(INPUT, HIDDEN, nonlinearity=nonlinearity, dtype=np.float64)
    x, h = rng.standard_normal((BATCH, INPUT)), rng.standard_normal((BATCH, HIDDEN))
    out, _ = cell(ta.tensor(x), ta.tensor(h))
    wx, wh, b = (ta.to_numpy(p) for p in cell.parameters())
    pre = x @ wx + h @ wh + b
    expected = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
    np.testing.assert_allclose(ta.to_numpy(out), expected, atol=1e-12)
    assert cell.initial_state(BATCH).shape == (BATCH, HIDDEN)


@pytest.mark.parametrize("make_cell", [lambda: RNNCell(3, 2, dtype=np.float64),
                                       lambda: GRUCell(3, 2, dtype=np.float64)],
                         ids=["rnn", "gru"])
def test_simple_cells_gradcheck(rng, make_cell):
    cell = make_cell()
    parameters = cell.parameters()

    def unrolled(x, h, *weights):
        # Run the cell with the gradcheck's leaves in place of its parameters.
        cell.weight_input, cell.weight_hidden, cell.bias = weights
        try:
            for t in range(2):
                _, h = cell(x[t], h)
        finally:
            cell.weight_input, cell.weight_hidden, cell.bias = parameters
        return h

    arrays = [rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 2))] + \
        [0.7 * ta.to_numpy(p) + 0.1 * rng.standard_normal(p.shape) for p in parameters]
    assert ta.gradcheck(unrolled, arrays)


def test_rnn_cell_rejects_unknown_nonlinearity():
    with pytest.raises(ValueError, match="RNNCell.*sigmoid"):
        RNNCell(2, 2, nonlinearity="sigmoid")


# -- errors -----------------------------------------------------------------------------------

def test_cell_errors_name_the_cell_and_shapes():
    cell = LSTMCell(INPUT, HIDDEN)
    state = cell.initial_state(BATCH)
    with pytest.raises(ta.ShapeError, match=r"LSTMCell\(4, 6\).*\(batch, 4\).*\(3, 5\)"):
        cell(ta.tensor(np.zeros((BATCH, INPUT + 1), dtype=np.float32)), state)
    with pytest.raises(ta.ShapeError, match=r"LSTMCell\(4, 6\).*\(3, 6\).*\(2, 6\)"):
        cell(ta.tensor(np.zeros((BATCH, INPUT), dtype=np.float32)), cell.initial_state(2))
    with pytest.raises(ta.ShapeError, match=r"LSTMCell.*tuple \(h, c\)"):
        cell(ta.tensor(np.zeros((BATCH, INPUT), dtype=np.float32)), state[0])
    gru = GRUCell(INPUT, HIDDEN)
    with pytest.raises(ta.ShapeError, match=r"GRUCell\(4, 6\).*\(3, 6\).*\(3, 5\)"):
        gru(ta.tensor(np.zeros((BATCH, INPUT), dtype=np.float32)),
            ta.tensor(np.zeros((BATCH, HIDDEN - 1), dtype=np.float32)))
    rnn = RNNCell(INPUT, HIDDEN)
    with pytest.raises(ta.ShapeError, match=r"RNNCell\(4, 6\).*\(batch, 4\).*\(4,\)"):
        rnn(ta.tensor(np.zeros(INPUT, dtype=np.float32)), rnn.initial_state(1))


def test_lstm_errors_name_the_shapes():
    model = LSTM(INPUT, HIDDEN, num_layers=2)
    with pytest.raises(ta.ShapeError, match=r"LSTM\(4, 6\).*\(3, 4\)"):
        model(ta.tensor(np.zeros((BATCH, INPUT), dtype=np.float32)))
    inputs = ta.tensor(np.zeros((TIME, BATCH, INPUT), dtype=np.float32))
    with pytest.raises(ta.ShapeError, match=r"\(2, 3, 6\).*\(1, 3, 6\)"):
        model(inputs, LSTM(INPUT, HIDDEN).initial_state(BATCH))
    with pytest.raises(ta.ShapeError, match="1 per-layer states for 2 layers"):
        model(inputs, [LSTMCell(INPUT, HIDDEN).initial_state(BATCH)])


def test_fused_ops_reject_bad_shapes():
    zeros = np.zeros
    good = [zeros((BATCH, INPUT)), zeros((BATCH, HIDDEN)), zeros((BATCH, HIDDEN)),
            zeros((INPUT, 4 * HIDDEN)), zeros((HIDDEN, 4 * HIDDEN)), zeros(4 * HIDDEN)]
    bad_bias = good[:5] + [zeros(3 * HIDDEN)]
    with pytest.raises(ta.ShapeError, match=r"FusedLSTMCell.*b \(18,\)"):
        fused_lstm_cell(*[ta.tensor(a) for a in bad_bias])
    with pytest.raises(ta.ShapeError, match=r"FusedLSTMSequence.*\(time, batch, features\).*\(3, 4\)"):
        fused_lstm_sequence(*[ta.tensor(a) for a in good])
    with pytest.raises(ta.ShapeError, match=r"FusedLSTMSequence: empty sequence"):
        fused_lstm_sequence(*[ta.tensor(a) for a in [zeros((0, BATCH, INPUT))] + good[1:]])


# -- learning ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fused", [True, False])
def test_lstm_learns_to_recall_the_first_bit(fused):
    """Predict, at the last step, the bit seen at the first step (needs memory over time)."""
    init.seed(3)
    rng = np.random.default_rng(0)
    model = LSTM(2, 16, fused=fused)
    readout = ta.nn.Linear(16, 1, rng=np.random.default_rng(1))
    optimizer = ta.optim.Adam(model.parameters() + readout.parameters(), lr=0.03)
    losses = []
    for _ in range(60):
        bits = rng.integers(0, 2, size=(6, 16, 2)).astype(np.float32)
        outputs, _ = model(ta.tensor(bits))
        logits = readout(outputs[-1])
        loss = ta.binary_cross_entropy_with_logits(logits, ta.tensor(bits[0, :, :1]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])


def test_float_dtype_mismatch_is_an_error_and_integer_inputs_are_cast():
    cell = LSTMCell(INPUT, HIDDEN)  # float32 weights
    state = cell.initial_state(BATCH)
    with pytest.raises(ta.DTypeError, match=r"LSTMCell\(4, 6\): the input has dtype float64.*float32"):
        cell(ta.tensor(np.zeros((BATCH, INPUT))), state)
    with pytest.raises(ta.DTypeError, match=r"LSTM\(4, 6\): the initial h of layer 0 has dtype float64"):
        LSTM(INPUT, HIDDEN)(ta.tensor(np.zeros((TIME, BATCH, INPUT), np.float32)),
                            [(ta.tensor(np.zeros((BATCH, HIDDEN))), state[1])])
    with pytest.raises(ta.DTypeError, match=r"GRUCell\(4, 6\): the state h has dtype float64"):
        gru = GRUCell(INPUT, HIDDEN)
        gru(ta.tensor(np.zeros((BATCH, INPUT), np.float32)), ta.tensor(np.zeros((BATCH, HIDDEN))))
    bits = np.random.default_rng(0).integers(0, 2, (TIME, BATCH, INPUT))
    model = LSTM(INPUT, HIDDEN)
    from_bits, _ = model(ta.tensor(bits))
    from_floats, _ = model(ta.tensor(bits.astype(np.float32)))
    assert from_bits.dtype == np.float32
    np.testing.assert_array_equal(ta.to_numpy(from_bits), ta.to_numpy(from_floats))


@pytest.mark.parametrize("step", [fused_lstm_cell, lstm_cell_composite], ids=["fused", "composite"])
def test_saturated_gates_stay_finite(rng, step):
    """Pre-activations of ±1e4 saturate the gates without overflow (σ computed through tanh)."""
    arrays = _random_arrays(rng)
    arrays[0] = 1e4 * np.sign(arrays[0])
    arrays[3] = np.abs(arrays[3]) + 1.0
    leaves = [ta.tensor(a, requires_grad=True) for a in arrays]
    with ta.detect_anomaly():
        h_new, c_new = step(*leaves)
        (h_new.sum() + c_new.sum()).backward()
    assert np.isfinite(ta.to_numpy(h_new)).all() and np.isfinite(ta.to_numpy(c_new)).all()
    assert all(np.isfinite(ta.to_numpy(leaf.grad)).all() for leaf in leaves)
