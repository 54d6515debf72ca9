"""Time one NTM training step in tinyaug (fused and composite addressing) and, if PyTorch is
importable, in a hand-written PyTorch NTM with the same weights and data.

One step: NTM with an LSTM controller of 100 units, memory 128 × 20, one read and one write
head, shifts −1/0/+1, on a copy batch of 16 sequences of length 20 (41 time steps, input 9,
output 8); masked BCE, backward, global-norm clipping at 10, Adam (lr 1e-3); float32.
The script prints each implementation's first-step loss (they must agree: same computation)
and the per-step median over alternated rounds, with ratios to tinyaug fused.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/ntm_step.py
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

import tinyaug as ta  # noqa: E402
from tinyaug.autograd.ops import sum as ta_sum  # noqa: E402
from tinyaug.models.ntm import NTM  # noqa: E402
from tinyaug.tasks import make_task  # noqa: E402
from tinyaug.experiments.sequence import masked_bce_per_sequence  # noqa: E402

BATCH, LENGTH, CONTROLLER, ROWS, WIDTH, LEARNING_RATE, CLIP = 16, 20, 100, 128, 20, 1e-3, 10.0


def make_batch(seed: int = 0):
    task = make_task("copy")
    inputs, targets, mask = task.batch(BATCH, np.random.default_rng(seed), length=LENGTH)
    return inputs.astype(np.float32), targets.astype(np.float32), mask.astype(np.float32)


def tinyaug_step_fn(fused: bool, batch):
    model = NTM(9, 8, controller_size=CONTROLLER, memory_rows=ROWS, memory_width=WIDTH,
                fused=fused, rng=np.random.default_rng(1))
    optimizer = ta.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    inputs, targets, mask = (ta.tensor(a) for a in batch)

    def step() -> float:
        logits = model(inputs)
        loss = ta_sum(masked_bce_per_sequence(logits, targets, mask)) / BATCH
        optimizer.zero_grad()
        loss.backward()
        ta.optim.clip_grad_norm(model.parameters(), CLIP)
        optimizer.step()
        return loss.item()
    return step, model


def torch_step_fn(state: dict, batch):
    """The same NTM written by hand in PyTorch (eager, CPU), from the tinyaug weights."""
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in state.items()}
    inputs, targets, mask = (torch.tensor(a) for a in batch)
    optimizer = torch.optim.Adam(params.values(), lr=LEARNING_RATE)
    p = params

    def address(memory, head, previous):
        key, beta, gate, gamma, shift = (head[..., :WIDTH], F.softplus(head[..., WIDTH:WIDTH + 1]),
                                         torch.sigmoid(head[..., WIDTH + 1:WIDTH + 2]),
                                         1 + F.softplus(head[..., WIDTH + 2:WIDTH + 3]),
                                         torch.softmax(head[..., WIDTH + 3:], dim=-1))
        dot = key @ memory.transpose(1, 2)
        norms = key.norm(dim=-1, keepdim=True) * memory.norm(dim=-1)[:, None, :]
        content = torch.softmax(beta * dot / (norms + 1e-8), dim=-1)
        gated = gate * content + (1 - gate) * previous
        shifted = (shift[..., 0:1] * torch.roll(gated, -1, -1) + shift[..., 1:2] * gated
                   + shift[..., 2:3] * torch.roll(gated, 1, -1))
        return torch.softmax(gamma * torch.log(shifted + 1e-12), dim=-1)

    def step() -> float:
        memory = torch.full((BATCH, ROWS, WIDTH), 1e-6)
        weights = torch.softmax(p["cell.initial_weight_logits"], -1).expand(BATCH, -1, -1)
        reads = p["cell.initial_reads"].expand(BATCH, -1, -1)
        h = c = torch.zeros(BATCH, CONTROLLER)
        features = []
        for t in range(inputs.shape[0]):
            x = torch.cat([inputs[t], reads.reshape(BATCH, -1)], 1)
            gates = x @ p["cell.controller.weight_input"] + h @ p["cell.controller.weight_hidden"] + p["cell.controller.bias"]
            i, f, g, o = gates.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            projected = h @ p["cell.heads.projection.weight"] + p["cell.heads.projection.bias"]
            heads = projected[:, :2 * (WIDTH + 6)].reshape(BATCH, 2, WIDTH + 6)
            erase = torch.sigmoid(projected[:, 2 * (WIDTH + 6):2 * (WIDTH + 6) + WIDTH])
            add = projected[:, 2 * (WIDTH + 6) + WIDTH:]
            weights = address(memory, heads, weights)
            reads = weights[:, :1] @ memory                 # read M_{t-1}, then write
            write_w = weights[:, 1]
            memory = memory * (1 - write_w[:, :, None] * erase[:, None, :]) + write_w[:, :, None] * add[:, None, :]
            features.append(torch.cat([h, reads.reshape(BATCH, -1)], 1))
        logits = torch.stack(features) @ p["cell.output_layer.weight"] + p["cell.output_layer.bias"]
        loss = (F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
                * mask[:, :, None]).sum() / BATCH
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params.values(), CLIP)
        optimizer.step()
        return loss.item()
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    batch = make_batch()
    fused_step, model = tinyaug_step_fn(True, batch)
    state = model.state_dict()
    composite_step, _ = tinyaug_step_fn(False, batch)
    implementations = {"tinyaug fused": fused_step, "tinyaug composite": composite_step}
    try:
        implementations["torch by hand"] = torch_step_fn(state, batch)
    except ImportError:
        print("torch is not importable: timing tinyaug only")
    times: dict[str, list[float]] = {name: [] for name in implementations}
    for name, step in implementations.items():
        print(f"{name:18s} first-step loss {step():.6f}")
    for _ in range(args.rounds):
        for name, step in implementations.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["tinyaug fused"])
    print(f"\none step: copy length {LENGTH} ({2 * LENGTH + 1} time steps), batch {BATCH}, "
          f"LSTM {CONTROLLER}, memory {ROWS}x{WIDTH}, 1 read + 1 write head, Adam; median of {args.rounds}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:18s} {1000 * median:8.1f} ms/step   ratio to tinyaug fused {median / base:5.2f}")


if __name__ == "__main__":
    main()
