"""Fused LSTM Functions: one cell step, and a whole sequence, with hand-derived backward passes.

Both compute exactly what the composite cell in ``lstm.py`` computes (tested to 1e-10 in
float64), gates in (i, f, g, o) order, x @ W convention (weights are (in, 4H)):

    a = x W_x + h W_h + b                       (B, 4H), split into a_i, a_f, a_g, a_o
    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
    c' = f ∘ c + i ∘ g
    h' = o ∘ tanh(c')

Backward, with upstream gradients dh', dc' (derived by hand from the lines above):

    dc_total = dc' + dh' ∘ o ∘ (1 − tanh²(c'))
    da_i = dc_total ∘ g ∘ i(1 − i)       da_f = dc_total ∘ c ∘ f(1 − f)
    da_g = dc_total ∘ i ∘ (1 − g²)       da_o = dh' ∘ tanh(c') ∘ o(1 − o)
    dc = dc_total ∘ f,  dx = da W_xᵀ,  dh = da W_hᵀ,
    dW_x = xᵀ da,  dW_h = hᵀ da,  db = Σ_batch da

The sequence Function runs the recurrence over all T steps inside one op: the input projection
of every step is one (T·B, I) @ (I, 4H) product, and the weight gradients are one product each
over the whole sequence — instead of 2T small products and T graph nodes per weight.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..errors import ShapeError


def _activate_gates(pre_activation, hidden_size: int, xp):
    """σ on the i, f, o blocks and tanh on the g block, in place on a (..., 4H) array.

    σ(a) = (1 + tanh(a/2)) / 2, so one tanh call covers all four gates without overflow.
    """
    sigmoid_blocks = (slice(0, 2 * hidden_size), slice(3 * hidden_size, 4 * hidden_size))
    for block in sigmoid_blocks:
        pre_activation[..., block] *= 0.5
    xp.tanh(pre_activation, out=pre_activation)
    for block in sigmoid_blocks:
        pre_activation[..., block] *= 0.5
        pre_activation[..., block] += 0.5
    return pre_activation


def _gate_gradients(gates, c_prev, tanh_c_new, grad_h, grad_c, hidden_size: int, xp):
    """Return (d pre-activation (B, 4H), d c_prev (B, H)) from the gates' activations."""
    H = hidden_size
    i, f, g, o = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
    grad_c_total = grad_h * o
    grad_c_total *= 1 - tanh_c_new * tanh_c_new
    grad_c_total += grad_c
    grad_pre = xp.empty_like(gates)
    grad_pre[..., :H] = grad_c_total * g * i * (1 - i)
    grad_pre[..., H:2 * H] = grad_c_total * c_prev * f * (1 - f)
    grad_pre[..., 2 * H:3 * H] = grad_c_total * i * (1 - g * g)
    grad_pre[..., 3 * H:] = grad_h * tanh_c_new * o * (1 - o)
    return grad_pre, grad_c_total * f


def _check_cell_shapes(op: str, x, h, c, weight_input, weight_hidden, bias) -> None:
    hidden_size = weight_hidden.shape[0]
    ok = (weight_hidden.ndim == 2 and weight_hidden.shape[1] == 4 * hidden_size
          and weight_input.ndim == 2 and weight_input.shape[1] == 4 * hidden_size
          and bias.shape == (4 * hidden_size,)
          and x.ndim == 2 and x.shape[1] == weight_input.shape[0]
          and h.shape == (x.shape[0], hidden_size) and c.shape == h.shape)
    if not ok:
        raise ShapeError(
            f"{op}: expected x (batch, I), h and c (batch, H), W_x (I, 4H), W_h (H, 4H), b (4H,); "
            f"got x {tuple(x.shape)}, h {tuple(h.shape)}, c {tuple(c.shape)}, "
            f"W_x {tuple(weight_input.shape)}, W_h {tuple(weight_hidden.shape)}, b {tuple(bias.shape)}")


class FusedLSTMCell(Function):
    """One LSTM step as one op: inputs (x, h, c, W_x, W_h, b), outputs (h', c').

    Shapes: x (B, I), h and c (B, H), W_x (I, 4H), W_h (H, 4H), b (4H,); h', c' (B, H).
    """

    composite = "LSTMCell(..., fused=False) (lstm_cell_composite in tinyaug/nn/lstm.py)"

    def forward(self, x, h, c, weight_input, weight_hidden, bias):
        _check_cell_shapes("FusedLSTMCell", x, h, c, weight_input, weight_hidden, bias)
        xp = self.xp
        H = weight_hidden.shape[0]
        gates = x @ weight_input
        gates += h @ weight_hidden
        gates += bias
        _activate_gates(gates, H, xp)
        c_new = gates[:, H:2 * H] * c
        c_new += gates[:, :H] * gates[:, 2 * H:3 * H]
        tanh_c_new = xp.tanh(c_new)
        h_new = gates[:, 3 * H:] * tanh_c_new
        self.saved = (x, h, c, weight_input, weight_hidden, gates, tanh_c_new)
        return h_new, c_new

    def backward(self, grad_h, grad_c):
        x, h, c, weight_input, weight_hidden, gates, tanh_c_new = self.saved
        H = weight_hidden.shape[0]
        grad_pre, grad_c_prev = _gate_gradients(gates, c, tanh_c_new, grad_h, grad_c, H, self.xp)
        need_x, need_h, need_c, need_wx, need_wh, need_b = self.needs_input_grad
        return (grad_pre @ weight_input.T if need_x else None,
                grad_pre @ weight_hidden.T if need_h else None,
                grad_c_prev if need_c else None,
                x.T @ grad_pre if need_wx else None,
                h.T @ grad_pre if need_wh else None,
                grad_pre.sum(axis=0) if need_b else None)


def _gate_scale_and_offset(hidden_size: int, dtype, xp):
    """(4H,) vectors with σ(a) = offset + scale·tanh(scale·a) on the i, f, o blocks (scale and
    offset ½) and tanh(a) on the g block (scale 1, offset 0). Scaling by ½ is exact in binary
    floating point, so weights pre-scaled by ``scale`` give bit-for-bit the pre-activations
    that scaling each step's gates would, one array operation per step sooner."""
    H = hidden_size
    scale = xp.full((4 * H,), 0.5, dtype=dtype)
    scale[2 * H:3 * H] = 1.0
    offset = xp.full((4 * H,), 0.5, dtype=dtype)
    offset[2 * H:3 * H] = 0.0
    return scale, offset


class FusedLSTMSequence(Function):
    """A whole single-layer LSTM over a sequence as one op.

    Inputs (xs, h0, c0, W_x, W_h, b) with xs (T, B, I), h0 and c0 (B, H); outputs
    (hs, h_T, c_T) with hs (T, B, H) the hidden state of every step and h_T = hs[T-1],
    c_T (B, H) the final cell state. Backward is backpropagation through time over the saved
    gate activations.
    """

    composite = "LSTM(..., fused=False) (lstm_sequence_composite in tinyaug/nn/lstm.py)"

    def forward(self, xs, h0, c0, weight_input, weight_hidden, bias):
        if xs.ndim != 3:
            raise ShapeError(f"FusedLSTMSequence: inputs must be (time, batch, features), "
                             f"got shape {tuple(xs.shape)}")
        if xs.shape[0] == 0:
            raise ShapeError(f"FusedLSTMSequence: empty sequence (shape {tuple(xs.shape)})")
        _check_cell_shapes("FusedLSTMSequence", xs[0], h0, c0, weight_input, weight_hidden, bias)
        xp = self.xp
        T, B, I = xs.shape
        H = weight_hidden.shape[0]
        dtype = xp.result_type(xs, weight_input)
        scale, offset = _gate_scale_and_offset(H, dtype, xp)
        scaled_weight_hidden = weight_hidden * scale
        # All steps' input projections in one product: (T·B, I) @ (I, 4H), pre-scaled.
        gates = (xs.reshape(T * B, I) @ (weight_input * scale)).reshape(T, B, 4 * H)
        gates += bias * scale
        hs = xp.empty((T + 1, B, H), dtype=gates.dtype)  # hs[0] = h0, hs[t+1] = h after step t
        cs = xp.empty((T + 1, B, H), dtype=gates.dtype)
        tanh_cs = xp.empty((T, B, H), dtype=gates.dtype)
        input_times_candidate = xp.empty((B, H), dtype=gates.dtype)
        hs[0] = h0
        cs[0] = c0
        for t in range(T):
            step_gates = gates[t]
            step_gates += hs[t] @ scaled_weight_hidden
            xp.tanh(step_gates, out=step_gates)
            step_gates *= scale                                  # i, f, o = σ; g = tanh
            step_gates += offset
            c_new = cs[t + 1]
            xp.multiply(step_gates[:, H:2 * H], cs[t], out=c_new)                # f ∘ c
            xp.multiply(step_gates[:, :H], step_gates[:, 2 * H:3 * H], out=input_times_candidate)
            c_new += input_times_candidate                                       # + i ∘ g
            xp.tanh(c_new, out=tanh_cs[t])
            xp.multiply(step_gates[:, 3 * H:], tanh_cs[t], out=hs[t + 1])        # o ∘ tanh c'
        self.saved = (xs, weight_input, weight_hidden, gates, hs, cs, tanh_cs)
        return hs[1:].copy(), hs[T].copy(), cs[T].copy()

    def backward(self, grad_hs, grad_h_last, grad_c_last):
        xs, weight_input, weight_hidden, gates, hs, cs, tanh_cs = self.saved
        T, B, I = xs.shape
        H = weight_hidden.shape[0]
        # Two ways to walk back through time, same arithmetic: for a small batch the cost is
        # the number of array calls per step, so the gradient-free factors are taken for all
        # steps at once; for a larger batch those (T, B, 4H) temporaries fall out of cache,
        # and working on one step's (B, 4H) block at a time is faster (benchmarks/NOTES.md).
        walk = _backward_all_steps_factors if B < _PER_STEP_MIN_BATCH else _backward_step_by_step
        grad_pre, grad_h, grad_c = walk(grad_hs, grad_h_last, grad_c_last, weight_hidden, gates,
                                        cs, tanh_cs, self.xp)
        need_xs, need_h0, need_c0, need_wx, need_wh, need_b = self.needs_input_grad
        flat_grad_pre = grad_pre.reshape(T * B, 4 * H)
        # The weight gradients: one product each over all T·B rows.
        return ((flat_grad_pre @ weight_input.T).reshape(T, B, I) if need_xs else None,
                grad_h if need_h0 else None,
                grad_c if need_c0 else None,
                xs.reshape(T * B, I).T @ flat_grad_pre if need_wx else None,
                hs[:T].reshape(T * B, H).T @ flat_grad_pre if need_wh else None,
                flat_grad_pre.sum(axis=0) if need_b else None)


# Batch size from which the backward walks step by step (measured: W1's batch 32 and W3's 64
# gain, W2's batch 1 loses; benchmarks/NOTES.md).
_PER_STEP_MIN_BATCH = 8


def _backward_all_steps_factors(grad_hs, grad_h_last, grad_c_last, weight_hidden, gates, cs,
                                tanh_cs, xp):
    """BPTT over saved gates (T, B, 4H); returns (d pre-activations (T, B, 4H), dh0, dc0).

    Everything that does not depend on the backpropagated gradients is taken for all steps in
    a few large array operations, leaving ~6 calls per step:
      d pre_i = dc·g·i(1−i),  d pre_f = dc·c_prev·f(1−f),  d pre_g = dc·i(1−g²),
      d pre_o = dh·tanh(c)·o(1−o),  with dc = dh·o(1−tanh²(c)) + dc_next.
    """
    T, B = gates.shape[:2]
    H = weight_hidden.shape[0]
    i, f, g, o = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
    local = 1 - gates
    local *= gates                                   # s(1 − s): right for i, f, o
    xp.multiply(g, g, out=local[..., 2 * H:3 * H])
    xp.subtract(1, local[..., 2 * H:3 * H], out=local[..., 2 * H:3 * H])   # 1 − g²
    local[..., :H] *= g
    local[..., H:2 * H] *= cs[:T]
    local[..., 2 * H:3 * H] *= i
    local[..., 3 * H:] *= tanh_cs
    c_through_h = tanh_cs * tanh_cs
    xp.subtract(1, c_through_h, out=c_through_h)
    c_through_h *= o
    local_blocks = local.reshape(T, B, 4, H)
    grad_pre = xp.empty_like(gates)
    grad_pre_blocks = grad_pre.reshape(T, B, 4, H)
    grad_h = grad_h_last + grad_hs[T - 1]
    grad_c = xp.array(grad_c_last, dtype=gates.dtype, copy=True)
    through_h = xp.empty((B, H), dtype=gates.dtype)
    weight_hidden_t = weight_hidden.T
    for t in range(T - 1, -1, -1):
        xp.multiply(grad_h, c_through_h[t], out=through_h)
        grad_c += through_h                                           # dc_total
        xp.multiply(local_blocks[t, :, :3], grad_c[:, None, :], out=grad_pre_blocks[t, :, :3])
        xp.multiply(local_blocks[t, :, 3], grad_h, out=grad_pre_blocks[t, :, 3])
        grad_c *= f[t]
        grad_h = grad_pre[t] @ weight_hidden_t
        if t > 0:
            grad_h += grad_hs[t - 1]
    return grad_pre, grad_h, grad_c


def _backward_step_by_step(grad_hs, grad_h_last, grad_c_last, weight_hidden, gates, cs, tanh_cs,
                           xp):
    """The same BPTT as ``_backward_all_steps_factors``, one step's (B, 4H) block at a time, in
    preallocated buffers that stay in cache."""
    T, B = gates.shape[:2]
    H = weight_hidden.shape[0]
    dtype = gates.dtype
    grad_pre = xp.empty_like(gates)
    local = xp.empty((B, 4 * H), dtype=dtype)
    local_blocks = local.reshape(B, 4, H)
    through_h = xp.empty((B, H), dtype=dtype)
    grad_h = grad_h_last + grad_hs[T - 1]
    grad_c = xp.array(grad_c_last, dtype=dtype, copy=True)
    weight_hidden_t = weight_hidden.T
    for t in range(T - 1, -1, -1):
        step_gates = gates[t]
        i, f, g, o = (step_gates[:, :H], step_gates[:, H:2 * H], step_gates[:, 2 * H:3 * H],
                      step_gates[:, 3 * H:])
        xp.subtract(1, step_gates, out=local)
        local *= step_gates                               # s(1 − s): right for i, f, o
        local_g = local[:, 2 * H:3 * H]
        xp.multiply(g, g, out=local_g)
        xp.subtract(1, local_g, out=local_g)              # 1 − g²
        local[:, :H] *= g
        local[:, H:2 * H] *= cs[t]
        local_g *= i
        local[:, 3 * H:] *= tanh_cs[t]
        xp.multiply(tanh_cs[t], tanh_cs[t], out=through_h)
        xp.subtract(1, through_h, out=through_h)
        through_h *= o
        through_h *= grad_h
        grad_c += through_h                               # dc_total = dc' + dh·o(1 − tanh²c')
        step_grad_pre = grad_pre[t]
        xp.multiply(local_blocks[:, :3], grad_c[:, None, :], out=step_grad_pre.reshape(B, 4, H)[:, :3])
        xp.multiply(local[:, 3 * H:], grad_h, out=step_grad_pre[:, 3 * H:])
        grad_c *= f
        grad_h = step_grad_pre @ weight_hidden_t
        if t > 0:
            grad_h += grad_hs[t - 1]
    return grad_pre, grad_h, grad_c


def fused_lstm_cell(x, h, c, weight_input, weight_hidden, bias):
    """One fused LSTM step; returns (h', c'). Shapes as in ``FusedLSTMCell``."""
    return FusedLSTMCell.apply(x, h, c, weight_input, weight_hidden, bias)


def fused_lstm_sequence(xs, h0, c0, weight_input, weight_hidden, bias):
    """A fused single-layer LSTM over (T, B, I); returns (hs (T, B, H), h_T, c_T)."""
    return FusedLSTMSequence.apply(xs, h0, c0, weight_input, weight_hidden, bias)
