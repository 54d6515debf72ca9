"""Adaptive Computation Time: the batched wrapper against a per-example reference, the flag,
N and R, gradients (gradcheck away from the halting threshold), and τ's effect on pondering."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn import LSTMCell, RNNCell
from tinyaug.models.act import ACT, FixedRepeat
from tinyaug.nn import Linear


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_act(cell_weights, halting_weight, halting_bias, inputs, state, max_ponder, epsilon,
                  step_mask=None):
    """Graves 2016 eqs. 7-15 for a tanh RNN, one example at a time, in plain NumPy."""
    weight_input, weight_hidden, bias = cell_weights
    time, batch, _ = inputs.shape
    outputs = np.zeros((time, batch, weight_hidden.shape[0]))
    costs, steps = np.zeros((time, batch)), np.zeros((time, batch), dtype=int)
    state = state.copy()
    for i in range(batch):
        s = state[i]
        for t in range(time):
            if step_mask is not None and not step_mask[t, i]:
                continue
            halting_sum, weighted = 0.0, np.zeros_like(s)
            for n in range(1, max_ponder + 1):
                x = np.concatenate([inputs[t, i], [1.0 if n == 1 else 0.0]])
                s = np.tanh(x @ weight_input + s @ weight_hidden + bias)
                h = _sigmoid(s @ halting_weight + halting_bias)[0]
                if halting_sum + h >= 1 - epsilon or n == max_ponder:
                    remainder = 1.0 - halting_sum
                    weighted += remainder * s
                    steps[t, i], costs[t, i] = n, n + remainder
                    break
                weighted += h * s
                halting_sum += h
            s = weighted
            outputs[t, i] = s
        state[i] = s
    return outputs, state, costs, steps


def _rnn_act(rng, input_size=3, hidden=6, max_ponder=5, halting_bias=-0.5):
    cell = RNNCell(input_size + 1, hidden, rng=rng)
    act = ACT(cell, max_ponder=max_ponder, halting_bias=halting_bias, rng=rng)
    act.astype(np.float64)
    return act


def _weights(act):
    cell = act.cell
    return ([ta.to_numpy(w) for w in (cell.weight_input, cell.weight_hidden, cell.bias)],
            ta.to_numpy(act.halting_weight), ta.to_numpy(act.halting_bias))


@pytest.mark.parametrize("with_mask", [False, True])
def test_batched_act_matches_per_example_reference(rng, with_mask):
    act = _rnn_act(rng)
    act.halting_weight.data[:] = act.halting_weight.xp.asarray(rng.standard_normal((6, 1)) * 2)
    inputs = rng.standard_normal((4, 7, 3))
    state = rng.standard_normal((7, 6)) * 0.5
    step_mask = (rng.random((4, 7)) > 0.3) if with_mask else None
    result = act(ta.tensor(inputs), ta.tensor(state), step_mask=step_mask)
    cell_weights, halting_weight, halting_bias = _weights(act)
    outputs, final, costs, steps = reference_act(cell_weights, halting_weight, halting_bias, inputs,
                                                 state, act.max_ponder, act.epsilon, step_mask)
    assert len(np.unique(steps)) >= 3, "the case should mix different ponder counts"
    np.testing.assert_array_equal(result.ponder_steps, steps)
    np.testing.assert_allclose(ta.to_numpy(result.outputs), outputs, atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(result.state), final, atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(result.ponder_cost), costs, atol=1e-12)


class RecordingCell(RNNCell):
    """An RNNCell that records the flag column and the batch size of every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def forward(self, x, state):
        self.calls.append(ta.to_numpy(x)[:, -1].copy())
        return super().forward(x, state)


def test_flag_is_one_on_each_examples_first_ponder_step_only_and_halted_rows_are_not_computed(rng):
    cell = RecordingCell(3, 5, rng=rng)
    act = ACT(cell, max_ponder=6, halting_bias=-0.3, rng=rng)
    act.astype(np.float64)
    act.halting_weight.data[:] = act.halting_weight.xp.asarray(rng.standard_normal((5, 1)) * 3)
    result = act(ta.tensor(rng.standard_normal((3, 8, 2))))
    steps = result.ponder_steps
    assert steps.min() >= 1 and len(np.unique(steps)) >= 2
    calls = iter(cell.calls)
    for t in range(3):
        for n in range(1, steps[t].max() + 1):
            flags = next(calls)
            # the working batch holds exactly the examples still pondering at step n
            assert flags.shape == ((steps[t] >= n).sum(),)
            np.testing.assert_array_equal(flags, 1.0 if n == 1 else 0.0)
    assert next(calls, None) is None
    assert len(cell.calls) == steps.max(axis=1).sum()


def test_n_counts_steps_taken_and_saturated_halting_gives_one_step(rng):
    act = _rnn_act(rng, halting_bias=30.0)  # h ≈ 1 ≥ 1 − ε at once: N = 1, R = 1, ρ = 2
    result = act(ta.tensor(rng.standard_normal((2, 4, 3))))
    np.testing.assert_array_equal(result.ponder_steps, 1)
    np.testing.assert_allclose(ta.to_numpy(result.ponder_cost), 2.0)


def test_never_halting_stops_at_max_ponder(rng):
    act = _rnn_act(rng, max_ponder=4, halting_bias=-40.0)  # h ≈ 0: N = M, R ≈ 1
    result = act(ta.tensor(rng.standard_normal((2, 3, 3))))
    np.testing.assert_array_equal(result.ponder_steps, 4)
    np.testing.assert_allclose(ta.to_numpy(result.ponder_cost), 5.0, atol=1e-12)


def test_ponder_cost_gradient_flows_only_through_the_remainder(rng):
    act = _rnn_act(rng, halting_bias=-0.8)
    recorded = []
    original = act.halting_probability
    act.halting_probability = lambda out: recorded.append(original(out)) or recorded[-1]
    result = act(ta.tensor(rng.standard_normal((1, 6, 3))))
    ta.sum(result.ponder_cost).backward()
    # ρ = N + 1 − Σ_{n<N} h^n with N constant: ∂ρ/∂b_h = −Σ_{n<N} h^n (1 − h^n).
    steps = result.ponder_steps[0]
    expected = 0.0
    for n, h in enumerate(recorded, start=1):
        h = ta.to_numpy(h)[:, 0]
        alive = steps[steps >= n]  # rows of this call, in the order they were kept
        expected -= (h * (1 - h))[alive > n].sum()
    assert steps.max() >= 3
    np.testing.assert_allclose(ta.to_numpy(act.halting_bias.grad), [expected], rtol=1e-10)


@pytest.mark.parametrize("cell_kind", ["rnn", "lstm"])
def test_gradcheck_away_from_the_halting_threshold(rng, cell_kind):
    batch, input_size, hidden, time = 3, 2, 4, 2
    cell = (RNNCell(input_size + 1, hidden, rng=rng) if cell_kind == "rnn"
            else LSTMCell(input_size + 1, hidden, rng=rng))
    act = ACT(cell, max_ponder=4, halting_bias=-0.5, rng=rng)
    act.astype(np.float64)
    readout = Linear(hidden, 1, rng=rng)
    readout.astype(np.float64)
    x = rng.standard_normal((time, batch, input_size))
    w_h = rng.standard_normal((hidden, 1)) * 1.5
    b_h = np.array([-0.5])
    w_in = ta.to_numpy(cell.weight_input).copy()

    def fn(inputs, halting_weight, halting_bias, weight_input):
        act.halting_weight, act.halting_bias, cell.weight_input = halting_weight, halting_bias, weight_input
        result = act(inputs)
        return readout(result.outputs), result.ponder_cost

    # Away from the threshold: no running sum within 1e-3 of 1 − ε (N cannot change under
    # the finite-difference perturbations), and the batch mixes ponder counts.
    halting_sums = []
    original = act.halting_probability

    def recording(out):
        h = original(out)
        halting_sums.append(ta.to_numpy(h)[:, 0])
        return h
    act.halting_probability = recording
    with ta.no_grad():
        _, cost = fn(ta.tensor(x), ta.tensor(w_h), ta.tensor(b_h), ta.tensor(w_in))
    del act.halting_probability
    with ta.no_grad():
        result_steps = act(ta.tensor(x)).ponder_steps
    assert len(np.unique(result_steps)) >= 2
    cumulative = _cumulative_sums(halting_sums, result_steps)
    assert np.min(np.abs(cumulative - (1 - act.epsilon))) > 1e-3
    ta.gradcheck(fn, [x, w_h, b_h, w_in], atol=1e-6, rtol=1e-5)


def _cumulative_sums(halting_calls, steps):
    """Every running sum Σ_{m≤n} h^m of every example from the per-call halting values."""
    values = []
    calls = iter(halting_calls)
    for t in range(steps.shape[0]):
        running = np.zeros(steps.shape[1])
        for n in range(1, steps[t].max() + 1):
            rows = np.flatnonzero(steps[t] >= n)
            running[rows] += next(calls)
            values.extend(running[rows])
    return np.array(values)


def test_fixed_repeat_runs_the_cell_repeats_times_with_the_flag_first(rng):
    cell = RNNCell(3, 4, rng=rng)
    cell.astype(np.float64)
    core = FixedRepeat(cell, repeats=3)
    x = rng.standard_normal((2, 5, 2))
    result = core(ta.tensor(x))
    h = np.zeros((5, 4))
    w_x, w_h, b = (ta.to_numpy(w) for w in (cell.weight_input, cell.weight_hidden, cell.bias))
    for t in range(2):
        for n in range(3):
            inp = np.concatenate([x[t], np.full((5, 1), 1.0 if n == 0 else 0.0)], axis=1)
            h = np.tanh(inp @ w_x + h @ w_h + b)
        np.testing.assert_allclose(ta.to_numpy(result.outputs[t]), h, atol=1e-12)
    np.testing.assert_array_equal(result.ponder_steps, 3)


def test_wrong_input_size_names_the_shapes(rng):
    act = _rnn_act(rng)
    with pytest.raises(ta.ShapeError, match=r"\(batch, 3\).*got shape \(4, 5\)"):
        act.step(ta.tensor(np.zeros((4, 5))), act.initial_state(4))
    with pytest.raises(ta.ShapeError, match="time, batch"):
        act(ta.tensor(np.zeros((4, 3))))
    with pytest.raises(ValueError, match="max_ponder"):
        ACT(RNNCell(2, 3, rng=rng), max_ponder=0)


def _train_ponder(tau, rng_seed=0, steps=40):
    """A tiny ACT-RNN on 4-bit parity for ``steps`` Adam steps; returns the final mean ponder."""
    from tinyaug.tasks.parity import Parity
    rng = np.random.default_rng(rng_seed)
    task = Parity(size=4)
    act = ACT(RNNCell(5, 16, rng=rng), max_ponder=20, rng=rng)
    readout = Linear(16, 1, rng=rng)
    params = act.parameters() + readout.parameters()
    optimizer = ta.optim.Adam(params, lr=0.01)
    data = np.random.default_rng(7)
    for _ in range(steps):
        inputs, targets, _ = task.batch(32, data)
        result = act(ta.tensor(inputs.astype(np.float32)))
        logits = readout(result.outputs)
        loss = ta.binary_cross_entropy_with_logits(logits, ta.tensor(targets.astype(np.float32)))
        loss = loss + tau * ta.mean(result.ponder_cost)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    inputs, _, _ = task.batch(256, np.random.default_rng(8))
    with ta.no_grad():
        return float(ta.to_numpy(act(ta.tensor(inputs.astype(np.float32))).ponder_cost).mean())


def test_larger_tau_means_less_pondering():
    free, costly = _train_ponder(tau=0.0), _train_ponder(tau=0.2)
    # ρ = N + R ≥ 2 (N = 1 gives R = 1). The untrained network (b_h = +1) has ρ ≈ 2.3; without
    # a ponder cost it keeps pondering, a large τ drives it towards the minimum ρ = 2.
    assert costly < 2.1 < 2.3 < free


def test_parity_network_reads_out_the_halting_weighted_mean_state(rng):
    # y_t = W_y (Σ_n p^n s^n) + b_y (eqs. 5 and 14): the logit comes from the p-weighted mean of
    # the ponder states, not from the last ponder state.
    import tinyaug.experiments.act  # noqa: F401  (registers the experiments)
    from tinyaug.training import loop
    experiment, _ = loop.build_experiment("parity", "act-rnn", {"size": 5, "hidden_size": 6,
                                                                 "dtype": "float64"})
    network = experiment.model
    network.core.halting_weight.data[:] = network.core.halting_weight.xp.asarray(
        rng.standard_normal((6, 1)) * 2)
    network.core.halting_bias.data[:] = -1.0
    inputs, _, _ = experiment.task_generator.batch(9, rng)
    logits, result = network(ta.tensor(inputs))
    cell_weights, halting_weight, halting_bias = _weights(network.core)
    weighted, _, _, steps = reference_act(cell_weights, halting_weight, halting_bias, inputs,
                                          np.zeros((9, 6)), network.core.max_ponder,
                                          network.core.epsilon)
    assert steps.max() >= 2, "the case should ponder more than once"
    readout_weight, readout_bias = ta.to_numpy(network.readout.weight), ta.to_numpy(network.readout.bias)
    np.testing.assert_allclose(ta.to_numpy(logits), weighted @ readout_weight + readout_bias, atol=1e-12)
