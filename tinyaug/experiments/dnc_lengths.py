"""``python examples/dnc_lengths.py RUN_DIR [--rows 32,128] [--lengths 20,40,120]`` (``main``):
a trained DNC copy run scored at fixed sequence lengths with other memory sizes.

The DNC has no parameter tied to the number of memory rows N (Methods: every weighting is a
softmax or a product over rows, the interface vector's size is set by W, R and H), so the
weights of a run trained with N = 32 run unchanged with N = 128 or 256. Each (rows, length)
pair is scored on ``--sequences`` fresh sequences of exactly that length (seed ``--seed``,
never the training or validation stream): bits and wrong bits per sequence, and how many
sequences have a wrong bit. A copy of L vectors writes L rows (the write weighting goes to a
fresh row each step), so rows < L shows what happens when the memory is too small.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from ..training.experiment import Experiment
from ..training.loop import build_experiment, default_config, load_checkpoint, read_config
from .ntm import parse_memory


def restore_with_rows(run_dir: str, rows: int) -> tuple[Experiment, int]:
    """The run in ``run_dir`` rebuilt with ``rows`` memory rows (same width) and its
    checkpoint's parameters loaded: (experiment, step). Only DNC runs: other memory models
    (the NTM's location shifts) do depend on N."""
    task, model, config = read_config(run_dir)
    if model != "dnc":
        raise ValueError(f"dnc_lengths: {run_dir} is a {task}/{model} run, not a DNC run")
    if not isinstance(rows, (int, np.integer)) or isinstance(rows, bool) or rows < 1:
        raise ValueError(f"dnc_lengths: rows must be a positive integer, got {rows!r}")
    _, width = parse_memory(config["memory"])
    known = default_config(task, model)
    settings = {key: value for key, value in config.items() if key in known}
    experiment, _ = build_experiment(task, model, {**settings, "memory": f"{int(rows)}x{width}"})
    step, _ = load_checkpoint(run_dir, experiment)
    return experiment, step


def length_rows(run_dir: str, rows: list[int], lengths: list[int], sequences: int = 1024,
                seed: int = 2024) -> list[dict[str, Any]]:
    """One dict per (rows, length): ``rows``, ``length``, ``bits`` and ``wrong_bits`` per
    sequence (means over ``sequences`` fresh sequences of that length) and ``wrong_sequences``
    (how many have a wrong bit). Every memory size sees the same sequences (seed ``seed``)."""
    table = []
    for count in rows:
        experiment, step = restore_with_rows(run_dir, count)
        for length in lengths:
            scores = experiment.score(sequences, np.random.default_rng([seed, int(length)]), length=int(length))
            table.append({"rows": int(count), "length": int(length), "step": step,
                          "bits": float(scores["bits"].mean()), "wrong_bits": float(scores["wrong"].mean()),
                          "wrong_sequences": int((scores["wrong"] > 0).sum()), "sequences": int(sequences)})
    return table


def _integers(text: str) -> list[int]:
    try:
        values = [int(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python examples/dnc_lengths.py",
                                     description="Score a trained DNC copy run at fixed lengths "
                                     "with other memory sizes (rows).")
    parser.add_argument("run_dir", help="a DNC run folder (e.g. tinyaug train --task copy --model dnc)")
    parser.add_argument("--rows", type=_integers, default=[32, 128], help="memory rows, comma-separated")
    parser.add_argument("--lengths", type=_integers, default=[20, 40, 120], help="sequence lengths, comma-separated")
    parser.add_argument("--sequences", type=int, default=1024, help="fresh sequences per (rows, length)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    print("| rows | length | bits / sequence | wrong bits / sequence | sequences with a wrong bit |")
    print("|---|---|---|---|---|", flush=True)
    for count in args.rows:
        for length in args.lengths:   # one row at a time, printed as soon as it is scored
            (row,) = length_rows(args.run_dir, [count], [length], args.sequences, args.seed)
            print(f"| {row['rows']} | {row['length']} | {row['bits']:.4f} | {row['wrong_bits']:.4f} | "
                  f"{row['wrong_sequences']} of {row['sequences']} |", flush=True)
    return 0

