"""W6: one training step of Adaptive Computation Time on parity (Graves 2016, §3.1).

ACT around a 128-unit tanh RNN cell (input 64 + the first-ponder-step flag), M = 100 ponder
steps at most, ε = 0.01, halting bias +1; linear read-out 128 -> 1; parity batch of 128 (one
input step each); loss = mean over the batch of BCE + τ ρ (τ = 1e-3, eq. 16); Adam, no clipping.

Columns: tinyaug's ``ACT`` (no fused variant exists; it is shown in the "tinyaug fused" column)
and a hand-written PyTorch ACT (``peers/torch_peer.act_parity``) with the same equations and
the same batching: both drop halted examples from the working batch, and both take the halting
decisions on the host in float64, so they halt at the same ponder steps and the losses agree.
The number of ponder steps grows as the halting units train (a few examples run to M = 100
early on), so the work per step drifts over the run; every column takes the same number of
steps, so they drift together.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import LEARNING_RATE, Context, Workload, tinyaug_step


@dataclass(frozen=True)
class ACTSizes:
    bits: int = 64
    hidden: int = 128
    batch: int = 128
    max_ponder: int = 100
    epsilon: float = 0.01
    halting_bias: float = 1.0
    tau: float = 1e-3


SIZES = ACTSizes()


def _tinyaug_model(sizes: ACTSizes, dtype, seed: int = 0):
    import tinyaug as ta
    from tinyaug.models.act import ACT
    from tinyaug.nn.rnn import RNNCell

    rng = np.random.default_rng(seed)
    cell = RNNCell(sizes.bits + 1, sizes.hidden, rng=rng, dtype=dtype)
    act = ACT(cell, max_ponder=sizes.max_ponder, epsilon=sizes.epsilon,
              halting_bias=sizes.halting_bias, rng=rng, dtype=dtype)
    return act, ta.nn.Linear(sizes.hidden, 1, rng=rng, dtype=dtype)


def make_problem(sizes: ACTSizes, dtype, seed: int = 0) -> dict:
    import tinyaug as ta
    from tinyaug.tasks.parity import Parity

    previous = ta.get_backend()
    ta.set_backend("numpy")
    try:
        act, readout = _tinyaug_model(sizes, np.float64, seed)
        weights = {**{f"act.{k}": v for k, v in act.state_dict().items()},
                   **{f"readout.{k}": v for k, v in readout.state_dict().items()}}
    finally:
        ta.set_backend(previous.name)
    inputs, targets, _ = Parity(sizes.bits).batch(sizes.batch, np.random.default_rng(seed + 1))
    return {"sizes": sizes, "weights": {k: v.astype(dtype) for k, v in weights.items()},
            "inputs": inputs.astype(dtype), "targets": targets.astype(dtype)}


def matmul_flops(s: ACTSizes, mean_ponder_steps: float = 2.0) -> float:
    """Products of one step at about 2 ponder steps per example (the count at initialisation,
    halting probability σ(≈1) ≈ 0.73): cell 2·B·(I + 1 + H)·H and halting unit 2·B·H per
    ponder step, read-out 2·B·H; ×3 for forward + backward."""
    B, I, H = s.batch, s.bits, s.hidden
    return 3 * (mean_ponder_steps * (2 * B * (I + 1 + H) * H + 2 * B * H) + 2 * B * H)


def tinyaug_act(problem: dict, context: Context):
    import tinyaug as ta

    ta.set_backend(context.backend)
    s = problem["sizes"]
    dtype = problem["inputs"].dtype
    act, readout = _tinyaug_model(s, dtype)
    w = problem["weights"]
    act.load_state_dict({k[4:]: v for k, v in w.items() if k.startswith("act.")})
    readout.load_state_dict({k[8:]: v for k, v in w.items() if k.startswith("readout.")})
    optimizer = ta.optim.Adam(act.parameters() + readout.parameters(), lr=LEARNING_RATE)
    inputs, targets = ta.tensor(problem["inputs"]), ta.tensor(problem["targets"])

    def compute_loss():
        result = act(inputs)
        logits = readout(result.outputs)
        task = ta.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum() / s.batch
        return task + s.tau * (result.ponder_cost.sum() / s.batch)               # eq. 16

    return tinyaug_step(compute_loss, optimizer)


def make_workload() -> Workload:
    from ..peers import torch_peer

    not_written = "not written for ACT (halting decisions need host values inside the traced function)"
    builders = {
        "tinyaug fused": tinyaug_act,
        "tinyaug composite": "no separate composite path (ACT is built from engine ops)",
        "numpy hand": "not written for ACT",
        "torch hand cell": torch_peer.act_parity,
        "torch.nn.LSTM": "not applicable",
        "HIPS autograd": not_written,
        "DeZero": not_written,
    }
    return Workload(key="W6", title=f"ACT parity: RNN {SIZES.hidden} tanh, {SIZES.bits} bits, batch "
                                    f"{SIZES.batch}, M {SIZES.max_ponder}, tau {SIZES.tau}",
                    make_problem=lambda dtype: make_problem(SIZES, dtype), builders=builders,
                    matmul_flops=matmul_flops(SIZES),
                    gemm_shape=(SIZES.batch, SIZES.bits + 1 + SIZES.hidden, SIZES.hidden),
                    steps_per_round=5,
                    notes=["the 'tinyaug fused' column is tinyaug's ACT (it has no fused variant); "
                           "floor assumes 2 ponder steps per example"])
