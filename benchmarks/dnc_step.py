"""The DNC against a hand-written PyTorch DNC (``benchmarks/peers/torch_dnc.py``).

1. Gradient check: the same weights and inputs in float64, every parameter gradient of
   Σ logits ∘ G (G fixed random) must agree to 1e-6 (relative to the largest entry) between
   tinyaug (fused ops) and PyTorch; the script stops otherwise.
2. Speed: one training step (forward, masked BCE, backward, Adam) in float32, median over
   alternated rounds, for tinyaug fused, tinyaug composite and PyTorch eager, at
   * deepmind/dnc's repeat-copy sizes: LSTM 64, memory 16 × 16, 4 read heads, 1 write head,
     batch 16, 4 bits, length 2, repeats 2 (8 time steps);
   * N = 128, W = 20, batch 16: copy of length 20 (41 time steps), 8 bits, LSTM 64, 4 read heads;
   and the share of the fused link update in tinyaug's fused step (cProfile).
3. With ``--pypi-dnc DIR`` (a folder holding the ``dnc`` PyPI package, e.g. made by
   ``pip install --no-deps --target DIR dnc``; or ``--pypi-dnc installed`` when it is
   importable here): the same step of that package's DNC at the same sizes, each setting in its
   own process (``benchmarks/peers/pypi_dnc.py``). Its maths differ from the paper's in places
   (no gradient check is possible), so its ratio compares implementations of similar work.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/dnc_step.py [--rounds 5] [--pypi-dnc DIR]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

import tinyaug as ta  # noqa: E402
from benchmarks.peers.torch_dnc import dnc_logits  # noqa: E402
from tinyaug.autograd.ops import sum as ta_sum  # noqa: E402
from tinyaug.models.dnc import DNC  # noqa: E402
from tinyaug.tasks import make_task  # noqa: E402
from tinyaug.experiments.sequence import masked_bce_per_sequence  # noqa: E402

SETTINGS = {
    "deepmind repeat copy (16x16, R=4, T=8)": dict(task="repeat-copy", params=dict(bits=4, max_length=2, max_repeats=2),
                                                   overrides=dict(length=2, repeats=2), rows=16, width=16),
    "copy 20, N=128, W=20 (R=4, T=41)": dict(task="copy", params=dict(bits=8), overrides=dict(length=20),
                                            rows=128, width=20),
}
CONTROLLER, READS, WRITES, CLIP, BATCH = 64, 4, 1, 20.0, 16


def check_gradients(torch) -> float:
    rng = np.random.default_rng(0)
    sizes = dict(rows=6, width=5, read_heads=3, write_heads=1, controller=7, clip=20.0)
    model = DNC(4, 3, controller_size=7, memory_rows=6, memory_width=5, read_heads=3, write_heads=1,
                rng=np.random.default_rng(1)).astype(np.float64)
    inputs, upstream = rng.standard_normal((6, 2, 4)), rng.standard_normal((6, 2, 3))
    logits = model(ta.tensor(inputs))
    (logits * ta.tensor(upstream)).sum().backward()
    params = {k: torch.tensor(v, requires_grad=True) for k, v in model.state_dict().items()}
    peer = dnc_logits(torch, params, torch.tensor(inputs), **sizes)
    (peer * torch.tensor(upstream)).sum().backward()
    worst = float(np.abs(peer.detach().numpy() - ta.to_numpy(logits)).max())
    for name, p in model.named_parameters():
        ours, theirs = ta.to_numpy(p.grad), params[name].grad.numpy()
        worst = max(worst, float(np.abs(ours - theirs).max() / max(np.abs(theirs).max(), 1e-12)))
    return worst


def tinyaug_step(batch, rows, width, fused):
    model = DNC(batch[0].shape[2], batch[1].shape[2], controller_size=CONTROLLER, memory_rows=rows,
                memory_width=width, read_heads=READS, write_heads=WRITES, clip=CLIP, fused=fused,
                rng=np.random.default_rng(1))
    optimizer = ta.optim.Adam(model.parameters(), lr=1e-4)
    inputs, targets, mask = (ta.tensor(a) for a in batch)

    def step() -> float:
        loss = ta_sum(masked_bce_per_sequence(model(inputs), targets, mask)) / BATCH
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, model


def torch_step(torch, state, batch, rows, width):
    F = torch.nn.functional
    params = {k: torch.tensor(v, requires_grad=True) for k, v in state.items()}
    optimizer = torch.optim.Adam(list(params.values()), lr=1e-4)
    inputs, targets, mask = (torch.tensor(a) for a in batch)

    def step() -> float:
        logits = dnc_logits(torch, params, inputs, rows, width, READS, WRITES, CONTROLLER, CLIP)
        loss = (F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
                * mask[:, :, None]).sum() / BATCH
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def pypi_dnc_step(where: str, batch, rows: int, width: int, rounds: int) -> float:
    """Median seconds per training step of the ``dnc`` PyPI package's DNC, in its own process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if where != "installed":
        env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(where), env.get("PYTHONPATH", "")])
    steps, size, inputs = batch[0].shape
    command = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "pypi_dnc.py"),
               "--rows", str(rows), "--width", str(width), "--reads", str(READS), "--controller", str(CONTROLLER),
               "--time", str(steps), "--batch", str(size), "--inputs", str(inputs),
               "--outputs", str(batch[1].shape[2]), "--rounds", str(rounds), "--clip", str(CLIP)]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the dnc PyPI package's step failed:\n{done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["median_s"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pypi-dnc", metavar="DIR", default=None,
                        help="folder holding the dnc PyPI package (or 'installed'): time it too")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    worst = check_gradients(torch)
    print(f"float64 logits and gradients, tinyaug vs PyTorch: worst relative difference {worst:.2e}")
    if worst > 1e-6:
        raise SystemExit("gradients differ: no timing")
    torch.set_default_dtype(torch.float32)
    for label, setting in SETTINGS.items():
        task = make_task(setting["task"], **setting["params"])
        batch = tuple(a.astype(np.float32) for a in task.batch(BATCH, np.random.default_rng(0), **setting["overrides"]))
        fused, model = tinyaug_step(batch, setting["rows"], setting["width"], True)
        composite, _ = tinyaug_step(batch, setting["rows"], setting["width"], False)
        peer = torch_step(torch, model.state_dict(), batch, setting["rows"], setting["width"])
        steps = {"tinyaug fused": fused, "tinyaug composite": composite, "pytorch eager": peer}
        first = {name: fn() for name, fn in steps.items()}
        times = {name: [] for name in steps}
        for _ in range(args.rounds):
            for name, fn in steps.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        profile = cProfile.Profile()
        profile.runcall(fused)
        stats = pstats.Stats(profile)
        total = stats.total_tt
        link = sum(v[2] for k, v in stats.stats.items() if k[0].endswith("linkage.py") and k[2] in ("forward", "backward"))
        print(f"\n{label}, batch {BATCH}, T = {batch[0].shape[0]}; first-step losses "
              + ", ".join(f"{name} {value:.6f}" for name, value in first.items()))
        reference = statistics.median(times["tinyaug fused"])
        medians = {name: statistics.median(values) for name, values in times.items()}
        if args.pypi_dnc:
            medians["dnc (PyPI), own process"] = pypi_dnc_step(args.pypi_dnc, batch, setting["rows"],
                                                               setting["width"], args.rounds)
        for name, median in medians.items():
            print(f"  {name:26s} {1000 * median:8.1f} ms/step   ratio {median / reference:5.2f}")
        print(f"  fused link update: {100 * link / total:.1f}% of the fused step's profiled time")


if __name__ == "__main__":
    main()
