"""The SAM documentation figures from the benchmark's JSON and from run folders (drawn by
``tinyaug.plots.sam``, which knows no run folder):

    python examples/sam_figures.py scaling benchmarks/results/sam_scaling.json docs/figures/sam_scaling.png
    python examples/sam_figures.py curves docs/figures/sam_copy_curves.png LABEL=RUN_DIR [LABEL=RUN_DIR ...]
    python examples/sam_figures.py lengths RESULTS.json docs/figures/sam_lengths.png
(``RESULTS.json``: the rows ``examples/sam_long_copy.py --json`` wrote.)
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

from tinyaug.plots.sam import curves_figure, lengths_figure, scaling_figure  # noqa: E402
from tinyaug.training.metrics import read_metrics  # noqa: E402


def run_curves(runs: dict[str, str], path: str, metric: str = "eval_validation_bits_per_sequence",
               target: float = 0.1, title: str = "") -> str:
    """``runs``: {label: run folder}. Each run's ``metric`` (falling back to
    ``eval_bits_per_sequence``) against sequences seen (step × the run's batch size)."""
    lines = {}
    for label, folder in runs.items():
        columns = read_metrics(folder)
        with open(f"{folder}/config.json") as handle:
            batch = int(json.load(handle)["config"]["batch_size"])
        name = metric if metric in columns and np.isfinite(columns[metric]).any() else "eval_bits_per_sequence"
        lines[label] = (columns["step"] * batch, columns[name], name, batch)
    return curves_figure(lines, path, target=target, title=title)


def length_lines(rows: list[dict]) -> dict[str, tuple]:
    """Group ``sam_long_copy.py`` rows by (model, N, index) into ``lengths_figure``'s lines
    (sorted by length; a length measured twice keeps its last row)."""
    grouped: dict[str, dict[int, dict]] = {}
    for row in rows:
        label = f"{row['model']}, N = {row['rows']:,}" + ("" if row["index"] in ("dense", "exact") else f", {row['index']}")
        grouped.setdefault(label, {})[int(row["length"])] = row
    lines = {}
    for label, by_length in grouped.items():
        ordered = [by_length[length] for length in sorted(by_length)]
        lines[label] = ([r["length"] for r in ordered], [r["wrong"] for r in ordered],
                        [r["bits"] for r in ordered], ordered[0]["bits_per_vector"],
                        (ordered[0].get("trained_lengths") or [None, None])[1])
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SAM documentation figures")
    parser.add_argument("figure", choices=("scaling", "curves", "lengths"))
    parser.add_argument("source_or_output",
                        help="scaling: the benchmark JSON; curves: the PNG to write; lengths: the rows' JSON")
    parser.add_argument("rest", nargs="+",
                        help="scaling, lengths: the PNG to write; curves: LABEL=RUN_DIR ...")
    args = parser.parse_args(argv)
    if args.figure == "scaling":
        with open(args.source_or_output) as handle:
            print(scaling_figure(json.load(handle), args.rest[0]))
    elif args.figure == "lengths":
        with open(args.source_or_output) as handle:
            lines = length_lines(json.load(handle)["rows"])
        print(lengths_figure(lines, args.rest[0],
                             title="copy: wrong bits against length (fresh sequences, seed 2024)"))
    else:
        runs = dict(item.split("=", 1) for item in args.rest)
        print(run_curves(runs, args.source_or_output))


if __name__ == "__main__":
    main()
