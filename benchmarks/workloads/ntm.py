"""W4: one Neural Turing Machine training step on the copy task.

NTM (Graves, Wayne & Danihelka 2014) with an LSTM controller of 100 units, memory 128 × 20,
one read and one write head, shift width 3; copy task with sequences of length 20 (8 bits +
delimiter channel, 41 time steps), batch 16; loss: BCE summed over the masked output bits and
divided by their count; Adam (lr 1e-3).

The weights come from a seeded ``tinyaug.models.ntm.NTM`` (its ``state_dict`` names), so every
peer starts from the same point. The peers (``peers/torch_peer.ntm_hand``, ``peers/hips.ntm``)
implement the same equations by hand; see ``NTM_EQUATIONS`` for the exact order of operations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import LEARNING_RATE, Context, Workload, tinyaug_step

NTM_EQUATIONS = """\
state: memory 1e-6 (B, N, W); reads = initial_reads (R, W) broadcast; weights = softmax(initial_weight_logits) (heads, N)
per step: h, c = LSTMCell([x_t; reads_{t-1}], (h, c))                  (gates i, f, g, o)
          p = h W_p + b_p; per head [k | β̂ | ĝ | γ̂ | ŝ]; write head: e = σ(ê), a
          β = softplus(β̂), g = σ(ĝ), γ = 1 + softplus(γ̂), s = softmax(ŝ)
          K = k·M(i) / (‖k‖‖M(i)‖ + 1e-8); w_c = softmax(β K)              (eqs. 5-6)
          w_g = g w_c + (1 − g) w_{t−1}                                    (eq. 7)
          w̃(i) = Σ_j w_g(j) s(i − j), shifts −1, 0, +1                     (eq. 8)
          w = softmax(γ log(w̃ + 1e-12))                                    (eq. 9)
          r = w_readᵀ M_{t−1}                                              (eq. 2; tinyaug's default,
          M ← M ∘ (1 − w_write eᵀ) + w_write aᵀ  (eqs. 3-4)                 read before write)
output: y_t = W_o [h_t; r_t] + b_o (logits)"""


@dataclass(frozen=True)
class NTMSizes:
    bits: int = 8
    length: int = 20
    batch: int = 16
    controller: int = 100
    rows: int = 128
    width: int = 20
    shift_width: int = 3
    read_heads: int = 1
    write_heads: int = 1
    read_after_write: bool = False   # read heads read M_{t-1} (tinyaug's default since ef9f289)

    @property
    def input(self) -> int:
        return self.bits + 1

    @property
    def time(self) -> int:
        return 2 * self.length + 1


SIZES = NTMSizes()


def _tinyaug_model(sizes: NTMSizes, fused: bool, dtype, seed: int = 0):
    from tinyaug.models.ntm import NTM

    return NTM(sizes.input, sizes.bits, controller="lstm", controller_size=sizes.controller,
               memory_rows=sizes.rows, memory_width=sizes.width, read_heads=sizes.read_heads,
               write_heads=sizes.write_heads, shift_width=sizes.shift_width, fused=fused,
               read_after_write=sizes.read_after_write,
               rng=np.random.default_rng(seed), dtype=dtype)


def make_problem(sizes: NTMSizes, dtype, seed: int = 0) -> dict:
    """Weights (tinyaug NTM ``state_dict`` names) and one fixed-length copy batch."""
    import tinyaug as ta

    previous = ta.get_backend()
    ta.set_backend("numpy")
    try:
        weights = {k: v.astype(dtype) for k, v in _tinyaug_model(sizes, True, np.float64, seed).state_dict().items()}
    finally:
        ta.set_backend(previous.name)
    rng = np.random.default_rng(seed + 1)
    T, B, L = sizes.time, sizes.batch, sizes.length
    sequence = rng.integers(0, 2, (L, B, sizes.bits))
    inputs = np.zeros((T, B, sizes.input))
    inputs[:L, :, :sizes.bits] = sequence
    inputs[L, :, sizes.bits] = 1.0                                   # delimiter
    targets = np.zeros((T, B, sizes.bits))
    targets[L + 1:] = sequence
    mask = np.zeros((T, B))
    mask[L + 1:] = 1.0
    return {"sizes": sizes, "weights": weights, "inputs": inputs.astype(dtype),
            "targets": targets.astype(dtype), "mask": mask.astype(dtype)}


def matmul_flops(s: NTMSizes) -> float:
    """FLOPs of the products of one step, ×3 for forward + backward (each product's backward
    takes two products of the same size). Per time step: controller 2·B·(I + RW + C)·4C, head
    projection 2·B·C·P, content dot products 2·B·heads·N·W, read 2·B·R·N·W, write (erase and
    add outer products) 4·B·N·W; read-out 2·B·(C + RW)·O."""
    B, C, N, W = s.batch, s.controller, s.rows, s.width
    heads = s.read_heads + s.write_heads
    projection_size = heads * (W + 3 + s.shift_width) + 2 * W * s.write_heads
    per_step = (2 * B * (s.input + s.read_heads * W + C) * 4 * C + 2 * B * C * projection_size
                + 2 * B * heads * N * W + 2 * B * s.read_heads * N * W + 4 * B * N * W
                + 2 * B * (C + s.read_heads * W) * s.bits)
    return 3 * per_step * s.time


def masked_loss_scale(problem: dict) -> float:
    return 1.0 / max(float(problem["mask"].sum()) * problem["sizes"].bits, 1.0)


def tinyaug_builder(fused: bool):
    def build(problem: dict, context: Context):
        import tinyaug as ta

        ta.set_backend(context.backend)
        sizes = problem["sizes"]
        dtype = problem["inputs"].dtype
        model = _tinyaug_model(sizes, fused, dtype)
        model.load_state_dict(problem["weights"])
        optimizer = ta.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        inputs, targets = ta.tensor(problem["inputs"]), ta.tensor(problem["targets"])
        mask = ta.tensor(problem["mask"][:, :, None])
        scale = masked_loss_scale(problem)

        def compute_loss():
            logits = model(inputs)
            elementwise = ta.binary_cross_entropy_with_logits(logits, targets, reduction="none")
            return (elementwise * mask).sum() * scale

        return tinyaug_step(compute_loss, optimizer, dict(model.named_parameters()))
    return build


def make_workload() -> Workload:
    from ..peers import hips, torch_peer

    builders = {
        "tinyaug fused": tinyaug_builder(fused=True),
        "tinyaug composite": tinyaug_builder(fused=False),
        "numpy hand": "not written for the NTM (tinyaug's fused addressing and write ops are "
                      "themselves hand-derived NumPy)",
        "torch hand cell": torch_peer.ntm_hand,
        "torch.nn.LSTM": "not applicable (the NTM is not an nn.LSTM)",
        "HIPS autograd": hips.ntm,
        "DeZero": "not written: DeZero 0.0.13 has no batched matmul, softplus or logaddexp",
    }
    return Workload(key="W4", title=f"NTM copy: LSTM controller {SIZES.controller}, memory "
                                    f"{SIZES.rows}x{SIZES.width}, 1 read + 1 write head, length "
                                    f"{SIZES.length} ({SIZES.time} steps), batch {SIZES.batch}",
                    make_problem=lambda dtype: make_problem(SIZES, dtype), builders=builders,
                    matmul_flops=matmul_flops(SIZES),
                    gemm_shape=(SIZES.batch, SIZES.input + SIZES.width + SIZES.controller, 4 * SIZES.controller),
                    rounds_scale=0.5, steps_per_round=1,
                    notes=["tinyaug composite = NTM(fused=False): addressing and write from engine "
                           "ops; its LSTM controller is the fused cell in both columns"])
