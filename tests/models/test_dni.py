"""Truncated BPTT with synthetic gradients (tinyaug.models.dni) and nn.SyntheticGradient.

The three checks of issue 19: a perfect synthesizer (the true future gradient from full BPTT)
gives full BPTT's gradients; M = 0 gives plain truncated BPTT's; the synthesizer regresses on
the bootstrapped gradient, worked out by hand on a scalar linear recurrence.
"""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.autograd import Tensor, ops
from tinyaug.errors import ShapeError
from tinyaug.nn import GRUCell, LSTMCell, RNNCell
from tinyaug.models.dni import TruncatedBPTT, full_bptt, state_parts
from tinyaug.nn import Linear, Module, Parameter, SyntheticGradient

F64 = np.float64


def _cell(kind: str, rng):
    if kind == "rnn":
        return RNNCell(3, 4, rng=rng, dtype=F64)
    if kind == "gru":
        return GRUCell(3, 4, rng=rng, dtype=F64)
    return LSTMCell(3, 4, fused=(kind == "lstm-fused"), rng=rng, dtype=F64)


def _problem(kind: str, time: int = 7, batch: int = 2):
    rng = np.random.default_rng(5)
    cell, readout = _cell(kind, rng), Linear(4, 2, rng=rng, dtype=F64)
    inputs = ta.tensor(rng.standard_normal((time, batch, 3)))
    targets = ta.tensor(rng.standard_normal((time, batch, 2)))

    def step_loss(t, output):
        if t % 3 == 0:  # some steps carry no loss (as in copy's input phase)
            return None
        diff = readout(output) - targets[t]
        return ops.sum(diff * diff) * (0.5 / batch)
    return cell, readout, inputs, step_loss


def _grads(modules):
    return [ta.to_numpy(p.grad).copy() if p.grad is not None else None
            for m in modules for p in m.parameters()]


def _zero(modules):
    for m in modules:
        for p in m.parameters():
            p.grad = None


def _assert_same(a, b, tol=1e-10):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x is not None and y is not None
        np.testing.assert_allclose(x, y, rtol=0, atol=tol)


# -- the engine pieces the trainer relies on (already in the engine; documented here) -------

def test_detach_cuts_the_graph_and_a_leaf_state_reads_its_gradient():
    w = Parameter(ta.tensor(np.array([[2.0]])).data)
    h = ta.tensor(np.array([[3.0]])) @ w                 # depends on w
    cut = h.detach()
    assert cut.creator is None and not cut.requires_grad
    start = Tensor(cut.data, requires_grad=True)         # the next window's initial state
    loss = ops.sum((start @ w) * (start @ w))            # (s w)²
    loss.backward()
    np.testing.assert_allclose(ta.to_numpy(start.grad), [[2 * 12.0 * 2.0]])  # 2 (s w) w, s = 6
    np.testing.assert_allclose(ta.to_numpy(w.grad), [[2 * 12.0 * 6.0]])    # nothing through h


def test_backward_with_a_supplied_gradient_equals_the_inner_product_surrogate():
    rng = np.random.default_rng(0)
    x = ta.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    g = rng.standard_normal((2, 3))
    ops.tanh(x).backward(g)                              # external gradient into a non-scalar
    direct = ta.to_numpy(x.grad).copy()
    x.grad = None
    ops.sum(ops.tanh(x) * ta.tensor(g).data).backward()  # what TruncatedBPTT builds
    np.testing.assert_allclose(ta.to_numpy(x.grad), direct, rtol=0, atol=1e-15)
    np.testing.assert_allclose(direct, (1 - np.tanh(ta.to_numpy(x)) ** 2) * g, atol=1e-12)


# -- the three checks ------------------------------------------------------------------------

class _OracleTBPTT(TruncatedBPTT):
    """A 'perfect synthesizer': injects the true future gradient computed by full BPTT."""

    def __init__(self, cell, window, true_gradients):
        super().__init__(cell, window)
        self.true_gradients = true_gradients

    def synthetic_gradient(self, parts, time):
        return tuple(ta.tensor(g).data for g in self.true_gradients[time])


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm-fused", "lstm-composite"])
@pytest.mark.parametrize("window", [2, 3])
def test_perfect_synthesizer_gives_full_bptt_gradients(kind, window):
    cell, readout, inputs, step_loss = _problem(kind)
    boundaries = tuple(range(window, inputs.shape[0], window))
    full = full_bptt(cell, inputs, step_loss, probe_times=boundaries)
    expected = _grads([cell, readout])
    _zero([cell, readout])
    result = _OracleTBPTT(cell, window, full["state_gradients"]).run(inputs, step_loss)
    _assert_same(_grads([cell, readout]), expected)
    assert result["loss"] == pytest.approx(full["loss"], abs=1e-12)
    # and truncation alone does not give them (the check can fail)
    _zero([cell, readout])
    TruncatedBPTT(cell, window).run(inputs, step_loss)
    assert max(np.abs(a - b).max() for a, b in zip(_grads([cell, readout]), expected)) > 1e-6


def _plain_truncated(cell, inputs, step_loss, window):
    """Plain truncated BPTT written out: detach at every window start, backward per window."""
    state = cell.initial_state(inputs.shape[1])
    for t0 in range(0, inputs.shape[0], window):
        state = tuple(s.detach() for s in state_parts(state)) if isinstance(state, tuple) else state.detach()
        total = None
        for t in range(t0, min(t0 + window, inputs.shape[0])):
            output, state = cell(inputs[t], state)
            loss = step_loss(t, output)
            total = loss if total is None else (total if loss is None else total + loss)
        if total is not None:
            total.backward()


@pytest.mark.parametrize("kind", ["rnn", "lstm-fused"])
def test_zero_synthesizer_gives_plain_truncated_bptt(kind):
    cell, readout, inputs, step_loss = _problem(kind)
    _plain_truncated(cell, inputs, step_loss, 3)
    expected = _grads([cell, readout])
    _zero([cell, readout])
    sizes = (4, 4) if kind.startswith("lstm") else 4
    synth = SyntheticGradient(sizes, hidden_size=5, rng=np.random.default_rng(1), dtype=F64)
    result = TruncatedBPTT(cell, 3, synthesizer=synth).run(inputs, step_loss)
    _assert_same(_grads([cell, readout]), expected)
    assert len(result["synthesizer_loss"]) == 2 and result["synthesizer_loss"][0] > 0
    assert synth.output_weight.grad is not None  # M itself learns


class _ScalarLinearCell(Module):
    """h' = a h + x on scalars (batch, 1): the by-hand case."""

    def __init__(self, a: float):
        super().__init__()
        self.input_size = self.output_size = self.hidden_size = 1
        self.a = Parameter(ta.tensor(np.array([[a]])).data)

    def initial_state(self, batch):
        return ta.tensor(np.zeros((batch, 1)))

    def forward(self, x, h):
        h_new = h @ self.a + x
        return h_new, h_new


def test_synthesizer_regresses_on_the_bootstrapped_gradient_by_hand():
    a, w, b, lam = 0.5, 0.3, 0.1, 0.5         # cell h' = a h + x;  M(h) = w h + b;  λ M injected
    xs, ys = [1.0, 2.0, -1.0, 0.5, 1.5, -0.5], [0.0, 1.0, 0.5, -1.0, 2.0, 0.0]
    cell = _ScalarLinearCell(a)
    synth = SyntheticGradient(1, rng=np.random.default_rng(0), dtype=F64)
    synth.output_weight.data[...] = w
    synth.output_bias.data[...] = b
    inputs = ta.tensor(np.array(xs).reshape(6, 1, 1))

    def step_loss(t, h):
        return ops.sum((h - ys[t]) * (h - ys[t])) * 0.5
    result = TruncatedBPTT(cell, 2, synthesizer=synth, synthetic_scale=lam).run(inputs, step_loss)

    h = [0.0]
    for x in xs:
        h.append(a * h[-1] + x)              # h[t] = state after t steps
    M = lambda v: w * v + b                  # noqa: E731
    # Window [2, 4): its start is h[2], its end h[4] receives λ M(h[4]).
    target_2 = a * (h[3] - ys[2]) + a * a * (h[4] - ys[3]) + a * a * lam * M(h[4])
    # Window [4, 6): the last one, no synthetic gradient at its end.
    target_4 = a * (h[5] - ys[4]) + a * a * (h[6] - ys[5])
    errors = [M(h[2]) - target_2, M(h[4]) - target_4]
    assert result["synthesizer_loss"] == pytest.approx([0.5 * e * e for e in errors], abs=1e-12)
    np.testing.assert_allclose(ta.to_numpy(synth.output_weight.grad),
                               [[errors[0] * h[2] + errors[1] * h[4]]], atol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(synth.output_bias.grad), [sum(errors)], atol=1e-12)
    # The cell's gradient: window sums plus the injected λ M(h[2]), λ M(h[4]) (by hand too).
    da = 0.0
    for t0, t1 in ((0, 2), (2, 4), (4, 6)):
        injected = lam * M(h[t1]) if t1 < 6 else 0.0
        dh = injected                         # gradient at h[t1], walked back to h[t0]
        for t in range(t1, t0, -1):
            dh += h[t] - ys[t - 1]
            da += dh * h[t - 1]
            dh *= a
    np.testing.assert_allclose(ta.to_numpy(cell.a.grad), [[da]], atol=1e-12)


def test_aux_head_trains_and_reaches_the_cell_and_weight_zero_changes_nothing():
    cell, readout, inputs, step_loss = _problem("lstm-fused")
    synth = SyntheticGradient((4, 4), rng=np.random.default_rng(2), dtype=F64)
    synth.output_weight.data[...] = ta.tensor(np.random.default_rng(3).standard_normal(synth.output_weight.shape) * 0.1).data
    TruncatedBPTT(cell, 2, synthesizer=synth).run(inputs, step_loss)
    without = _grads([cell, readout])
    for weight, same in ((0.0, True), (1.0, False)):
        _zero([cell, readout, synth])
        aux = SyntheticGradient((4, 4), rng=np.random.default_rng(4), dtype=F64)
        aux.output_weight.data[...] = 0.05
        result = TruncatedBPTT(cell, 2, synthesizer=synth, aux_head=aux, aux_weight=weight).run(
            inputs, step_loss)
        changed = max(np.abs(x - y).max() for x, y in zip(_grads([cell, readout]), without))
        assert (changed < 1e-12) == same
        assert len(result["aux_loss"]) == 3  # windows ending before the sequence's end
        if weight:
            assert aux.output_weight.grad is not None and np.abs(ta.to_numpy(aux.output_weight.grad)).max() > 0


def test_synthetic_gradient_shapes_zero_start_and_errors():
    synth = SyntheticGradient((4, 3), hidden_size=6)
    h, c = ta.tensor(np.ones((2, 4), np.float32)), ta.tensor(np.ones((2, 3), np.float32))
    dh, dc = synth((h, c))
    assert dh.shape == (2, 4) and dc.shape == (2, 3)
    assert np.all(ta.to_numpy(dh) == 0) and np.all(ta.to_numpy(dc) == 0)
    with pytest.raises(ShapeError, match=r"SyntheticGradient\(4, 3\).*shapes \[\(2, 4\)\]"):
        synth(h)
    with pytest.raises(ShapeError, match="state_sizes"):
        SyntheticGradient(())
    cell = RNNCell(3, 4)
    with pytest.raises(ValueError, match="window must be at least 1"):
        TruncatedBPTT(cell, 0)
    with pytest.raises(ValueError, match="needs a synthesizer"):
        TruncatedBPTT(cell, 2, aux_head=SyntheticGradient(4))
    with pytest.raises(ShapeError, match=r"TruncatedBPTT.run: inputs must be \(time, batch"):
        TruncatedBPTT(cell, 2).run(ta.tensor(np.ones((2, 3), np.float32)), lambda t, o: None)


def test_truncated_peak_memory_does_not_grow_with_the_sequence_but_full_bptt_does():
    import gc
    import tracemalloc

    def peak(length, truncated):
        # A wide batch, so that arrays (what the claim is about) outweigh the few Python
        # objects each window leaves in the result lists, which tracemalloc counts too.
        cell, readout, inputs, step_loss = _problem("lstm-fused", time=length, batch=512)
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        if truncated:
            synth = SyntheticGradient((4, 4), dtype=F64)
            TruncatedBPTT(cell, 4, synthesizer=synth).run(inputs, step_loss)
        else:
            full_bptt(cell, inputs, step_loss)
        used = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        return used
    # Warm-up: first-time allocations (caches filled lazily by whichever test runs first) must
    # not land in one measurement only; the long run was measured first and took them.
    peak(20, True), peak(20, False)
    truncated_growth = peak(160, True) - peak(20, True)   # a few floats of traces per window
    full_growth = peak(160, False) - peak(20, False)      # every step's saved buffers
    assert full_growth > 3 * peak(20, False)
    assert truncated_growth < 0.05 * full_growth, (truncated_growth, full_growth)
