"""Diagnostics of trained SAM runs (docs/sections/sam.md says what they showed):

    python examples/sam_diagnostics.py trace RUN [--length 30 | --items 6]     # one sequence, step by step
    python examples/sam_diagnostics.py positions RUN --length 100             # copy: where the output goes wrong
    python examples/sam_diagnostics.py index RUN                              # exact against HNSW reads, forward only

``trace``: for each time step the rows read (and their weights) and the rows written [the
previous read rows | the least-recently-used word] with their weights. ``positions``: copy
sequences of one length on N = 4,096 words (exact index, nothing overwritten), per block of
10 output positions: wrong bits, the largest read weight and how often the most-weighted word
read is the word that position's input was written to. ``index``: the same model and 100
fresh sequences (seed 2024) with each index: bits per sequence, distinct words read, LRU
writes onto already written words. All use the run's best-validated parameters.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sam_long_copy import build, use_best  # noqa: E402
from tinyaug.experiments import discover  # noqa: E402
from tinyaug.experiments.ntm import parse_memory  # noqa: E402
from tinyaug.experiments.sequence import bits_per_sequence  # noqa: E402
from tinyaug.training.loop import restore_run  # noqa: E402

THRESHOLD = 0.005   # δ, a weight that counts as an access


def trace(experiment, rows: int, length: int | None, items: int | None) -> None:
    options = {"length": length} if experiment.task != "associative-recall" else {"items": items}
    options = {k: v for k, v in options.items() if v is not None}
    x, y, m = experiment.task_generator.batch(1, np.random.default_rng(7), **options)
    model = build(experiment, rows, "exact")
    logits, steps = model.run_traced(x.astype(np.float32))
    for t in range(x.shape[0]):
        wrong = int(((logits[t, 0] > 0) != (y[t, 0] > 0.5)).sum()) if m[t, 0] else ""
        print(t, "input", x[t, 0].astype(int), "read", steps["read_rows"][t, 0, 0],
              np.round(steps["read_weights"][t, 0, 0], 2), "write", steps["write_rows"][t, 0],
              np.round(steps["write_weights"][t, 0, 0], 2), "wrong bits", wrong)


def positions(experiment, length: int, sequences: int = 20) -> None:
    model = build(experiment, 4096, "exact")
    x, y, m = experiment.task_generator.batch(sequences, np.random.default_rng([2024, length]), length=length)
    logits, steps = model.run_traced(x.astype(np.float32))
    written = steps["write_rows"][:length, :, -1]                 # (L, B): each input's LRU word
    out = slice(length + 1, 2 * length + 1)
    read_rows, weights = steps["read_rows"][out, :, 0, :], steps["read_weights"][out, :, 0, :]
    strongest = np.take_along_axis(read_rows, weights.argmax(-1)[..., None], axis=-1)[..., 0]
    own = strongest == written
    wrong = ((logits[out] > 0) != (y[out] > 0.5)).sum(-1)
    for start in range(0, length, 10):
        block = slice(start, min(length, start + 10))
        print(f"positions {start + 1:4d}-{block.stop:4d}: wrong bits per position {wrong[block].mean():5.2f}, "
              f"largest read weight {weights[block].max(-1).mean():.2f}, "
              f"reads its own word {own[block].mean():.2f}")


def index(experiment, rows: int) -> None:
    x, y, m = experiment.task_generator.batch(100, np.random.default_rng(2024))
    for name in ("exact", "hnsw"):
        logits, steps = build(experiment, rows, name).run_traced(x.astype(np.float32))
        lru, gate = steps["write_rows"][:, :, -1], steps["write_weights"][:, :, 0, -1]
        batch = lru.shape[1]
        distinct = np.mean([len(np.unique(steps["read_rows"][:, b])) for b in range(batch)])
        reused = 0
        for b in range(batch):
            seen: set[int] = set()
            for t in range(lru.shape[0]):
                reused += int(lru[t, b] in seen)
                if gate[t, b] > THRESHOLD:
                    seen.add(int(lru[t, b]))
        print(f"{name}: {bits_per_sequence(logits.astype(np.float64), y, m):.4f} bits per sequence, "
              f"{distinct:.1f} distinct words read per sequence, "
              f"{reused / batch:.2f} LRU writes per sequence onto an already written word")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("trace", "positions", "index"))
    parser.add_argument("run_dir")
    parser.add_argument("--length", type=int, default=None, help="copy: sequence length")
    parser.add_argument("--items", type=int, default=None, help="associative recall: number of items")
    args = parser.parse_args()
    discover()
    experiment, config, step, _ = restore_run(args.run_dir)
    print(f"{args.run_dir}: {use_best(experiment, step)}")
    rows, _ = parse_memory(config["memory"])
    if args.what == "trace":
        trace(experiment, rows, args.length, args.items)
    elif args.what == "positions":
        positions(experiment, args.length or 100)
    else:
        index(experiment, rows)


if __name__ == "__main__":
    main()
