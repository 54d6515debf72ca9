"""W1–W3: one LSTM training step.

The step: an LSTM (gates i, f, g, o; x @ W convention, W_x (I, 4H), W_h (H, 4H), one bias
(4H,)) over ``time`` steps with zero initial state, a linear read-out (H -> 8) at every step,
binary cross-entropy (mean) against random bits, backward, Adam (lr 1e-3). Every
implementation starts from the same weights and batch, so their first-step losses agree.

Here: the problem, its FLOP count, tinyaug fused / composite, and the NumPy forward and backward
derived by hand (the limit for any framework built on NumPy). The peers are in ``peers/``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .common import (LEARNING_RATE, Context, NumpyAdam, Workload, bce_with_logits, tinyaug_step,
                     with_gradients)

OUTPUT = 8
INPUT = 8


@dataclass(frozen=True)
class LSTMSizes:
    input: int
    hidden: int
    batch: int
    time: int
    output: int = OUTPUT


def make_problem(sizes: LSTMSizes, dtype, seed: int = 0) -> dict:
    """Initial weights and one batch (host arrays of ``dtype``)."""
    rng = np.random.default_rng(seed)
    I, H = sizes.input, sizes.hidden
    bound = math.sqrt(6 / (I + H))
    weights = {
        "weight_input": rng.uniform(-bound, bound, (I, 4 * H)),
        "weight_hidden": rng.standard_normal((H, 4 * H)) / math.sqrt(H),
        "bias": np.concatenate([np.zeros(H), np.ones(H), np.zeros(2 * H)]),   # forget bias 1
        "readout_weight": rng.uniform(-0.2, 0.2, (H, sizes.output)),
        "readout_bias": np.zeros(sizes.output),
    }
    return {
        "sizes": sizes,
        "weights": {k: v.astype(dtype) for k, v in weights.items()},
        "inputs": rng.integers(0, 2, (sizes.time, sizes.batch, I)).astype(dtype),
        "targets": rng.integers(0, 2, (sizes.time, sizes.batch, sizes.output)).astype(dtype),
    }


def matmul_flops(s: LSTMSizes) -> float:
    """FLOPs of the step's matrix products. Forward: input projection 2·T·B·I·4H, recurrence
    2·T·B·H·4H, read-out 2·T·B·H·O. Backward: two products per forward product (the gradients
    of both operands), except that the inputs need no gradient (only W_x's)."""
    T, B, I, H, O = s.time, s.batch, s.input, s.hidden, s.output
    projection, recurrence, readout = 2 * T * B * I * 4 * H, 2 * T * B * H * 4 * H, 2 * T * B * H * O
    return 2 * projection + 3 * recurrence + 3 * readout


# -- tinyaug ------------------------------------------------------------------------------------

def tinyaug_builder(fused: bool):
    def build(problem: dict, context: Context):
        import tinyaug as ta
        from tinyaug.nn import LSTM

        ta.set_backend(context.backend)
        s, w = problem["sizes"], problem["weights"]
        dtype = w["bias"].dtype
        lstm = LSTM(s.input, s.hidden, fused=fused, dtype=dtype)
        readout = ta.nn.Linear(s.hidden, s.output, dtype=dtype)
        lstm.load_state_dict({f"layer0.{k}": w[k] for k in ("weight_input", "weight_hidden", "bias")})
        readout.load_state_dict({"weight": w["readout_weight"], "bias": w["readout_bias"]})
        optimizer = ta.optim.Adam(lstm.parameters() + readout.parameters(), lr=LEARNING_RATE)
        inputs, targets = ta.tensor(problem["inputs"]), ta.tensor(problem["targets"])

        def compute_loss():
            hidden, _ = lstm(inputs)
            return ta.binary_cross_entropy_with_logits(readout(hidden), targets)

        layer = lstm.layer0
        named = {"weight_input": layer.weight_input, "weight_hidden": layer.weight_hidden,
                 "bias": layer.bias, "readout_weight": readout.weight, "readout_bias": readout.bias}
        return tinyaug_step(compute_loss, optimizer, named)
    return build


# -- NumPy, forward and backward derived by hand ------------------------------------------------

def numpy_hand(problem: dict, context: Context):
    """The limit: the whole step in plain NumPy with the gradient derived by hand, written as
    fast as we know how. Like the fused op it projects all time steps' inputs in one product and
    takes each weight gradient as one product over all T·B rows (the batched form); this is the
    one definition of "NumPy hand" in every table."""
    s = problem["sizes"]
    T, B, I, H, O = s.time, s.batch, s.input, s.hidden, s.output
    params = {k: v.copy() for k, v in problem["weights"].items()}
    inputs, targets = problem["inputs"], problem["targets"]
    dtype = inputs.dtype
    optimizer = NumpyAdam(params)
    flat_inputs = inputs.reshape(T * B, I)
    flat_targets = targets.reshape(T * B, O)
    hs = np.zeros((T + 1, B, H), dtype)
    cs = np.zeros((T + 1, B, H), dtype)
    tanh_cs = np.empty((T, B, H), dtype)
    last_gradients: dict = {}

    def step() -> float:
        wx, wh, b = params["weight_input"], params["weight_hidden"], params["bias"]
        wr, br = params["readout_weight"], params["readout_bias"]
        gates = (flat_inputs @ wx + b).reshape(T, B, 4 * H)          # input projections, all steps
        for t in range(T):
            a = gates[t]
            a += hs[t] @ wh
            a[:, :2 * H] *= 0.5                                      # σ(z) = (1 + tanh(z/2)) / 2
            a[:, 3 * H:] *= 0.5
            np.tanh(a, out=a)
            a[:, :2 * H] *= 0.5
            a[:, :2 * H] += 0.5
            a[:, 3 * H:] *= 0.5
            a[:, 3 * H:] += 0.5
            np.multiply(a[:, H:2 * H], cs[t], out=cs[t + 1])
            cs[t + 1] += a[:, :H] * a[:, 2 * H:3 * H]                 # c' = f c + i g
            np.tanh(cs[t + 1], out=tanh_cs[t])
            np.multiply(a[:, 3 * H:], tanh_cs[t], out=hs[t + 1])      # h' = o tanh(c')
        flat_h = hs[1:].reshape(T * B, H)
        logits = flat_h @ wr + br
        loss = bce_with_logits(logits, flat_targets).mean()
        grad_logits = (0.5 * np.tanh(0.5 * logits) + 0.5 - flat_targets) / logits.size
        grads = {"readout_weight": flat_h.T @ grad_logits, "readout_bias": grad_logits.sum(0)}
        grad_hs = (grad_logits @ wr.T).reshape(T, B, H)
        grad_pre = np.empty_like(gates)
        grad_h = np.zeros((B, H), dtype)
        grad_c = np.zeros((B, H), dtype)
        # Per step, in preallocated (B, 4H) / (B, H) buffers: no temporaries in the loop.
        local = np.empty((B, 4 * H), dtype)
        dc_from_h = np.empty((B, H), dtype)
        for t in range(T - 1, -1, -1):
            grad_h += grad_hs[t]
            a = gates[t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            np.subtract(1, a, out=local)
            local *= a                                               # s(1 − s) for i, f, o
            np.multiply(g, g, out=local[:, 2 * H:3 * H])
            np.subtract(1, local[:, 2 * H:3 * H], out=local[:, 2 * H:3 * H])   # 1 − g²
            np.multiply(tanh_cs[t], tanh_cs[t], out=dc_from_h)
            np.subtract(1, dc_from_h, out=dc_from_h)
            dc_from_h *= o
            dc_from_h *= grad_h
            grad_c += dc_from_h                                      # dc = dc' + dh o (1 − tanh² c')
            d = grad_pre[t]
            np.multiply(local[:, :H], g, out=d[:, :H])
            d[:, :H] *= grad_c                                       # dc g i(1 − i)
            np.multiply(local[:, H:2 * H], cs[t], out=d[:, H:2 * H])
            d[:, H:2 * H] *= grad_c                                  # dc c_prev f(1 − f)
            np.multiply(local[:, 2 * H:3 * H], i, out=d[:, 2 * H:3 * H])
            d[:, 2 * H:3 * H] *= grad_c                              # dc i (1 − g²)
            np.multiply(local[:, 3 * H:], tanh_cs[t], out=d[:, 3 * H:])
            d[:, 3 * H:] *= grad_h                                   # dh tanh(c') o(1 − o)
            grad_c *= f
            grad_h = d @ wh.T
        flat_grad_pre = grad_pre.reshape(T * B, 4 * H)
        grads["weight_input"] = flat_inputs.T @ flat_grad_pre
        grads["weight_hidden"] = hs[:T].reshape(T * B, H).T @ flat_grad_pre
        grads["bias"] = flat_grad_pre.sum(0)
        last_gradients.update({k: v.copy() for k, v in grads.items()})
        optimizer.step(grads)
        return float(loss)

    return with_gradients(step, lambda: dict(last_gradients))


def make_workload(key: str, title: str, sizes: LSTMSizes, rounds_scale: float = 1.0,
                  steps_per_round: int = 3) -> Workload:
    from ..peers import dezero_peer, hips, torch_peer

    builders = {
        "tinyaug fused": tinyaug_builder(fused=True),
        "tinyaug composite": tinyaug_builder(fused=False),
        "numpy hand": numpy_hand,
        "torch hand cell": torch_peer.lstm_hand_cell,
        "torch.nn.LSTM": torch_peer.lstm_builtin,
        "HIPS autograd": hips.lstm,
        "DeZero": dezero_peer.lstm,
    }
    return Workload(key=key, title=title, make_problem=lambda dtype: make_problem(sizes, dtype),
                    builders=builders, matmul_flops=matmul_flops(sizes),
                    gemm_shape=(sizes.batch, sizes.hidden, 4 * sizes.hidden),
                    rounds_scale=rounds_scale, steps_per_round=steps_per_round)
