"""Figures of the synthetic-gradient (DNI) experiments: the horizon of truncated BPTT against
the window T with and without DNI, learning curves (bits per character, or per vector),
the synthesizer's agreement with the true gradient over training, and peak memory against
sequence length. They read metrics.csv files and plain arrays, nothing else."""
from __future__ import annotations

import csv
import math
from typing import Mapping, Sequence

import numpy as np

from .core import pyplot, save_figure

LABELS = {"lstm-tbptt": "truncated BPTT", "lstm-dni": "DNI", "lstm-dni-aux": "DNI + Aux"}


def read_metrics(path: str) -> dict[str, np.ndarray]:
    """A metrics.csv as {column: float array} (empty cells -> nan)."""
    with open(path) as file:
        rows = list(csv.DictReader(file))
    columns = rows[0].keys() if rows else []
    return {c: np.array([float(r[c]) if r[c] not in ("", None) else math.nan for r in rows])
            for c in columns}


def longest_solved(path: str, steps: int | None = None) -> int:
    """The longest curriculum length solved (the ``solved`` column's maximum) within ``steps``."""
    metrics = read_metrics(path)
    keep = metrics["step"] <= (steps if steps is not None else np.inf)
    solved = metrics["solved"][keep]
    solved = solved[np.isfinite(solved)]
    return int(solved.max()) if solved.size else 0


def horizon_figure(table: Mapping[str, Mapping[int, Sequence[float]]], path: str,
                   title: str = "") -> str:
    """``table[model][T]``: longest lengths solved (one per seed). Mean against T, each seed
    as a dot."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(4.8, 3.4))
    for index, (model, by_window) in enumerate(sorted(table.items())):
        windows = sorted(by_window)
        means = [float(np.mean(by_window[w])) for w in windows]
        line, = axis.plot(windows, means, marker="o", label=LABELS.get(model, model))
        for w in windows:
            values = by_window[w]
            axis.scatter([w + 0.06 * (index - 0.5)] * len(values), values, s=10,
                         color=line.get_color(), alpha=0.5)
    axis.set_xlabel("window T (steps of truncated BPTT)")
    axis.set_ylabel("longest length solved")
    axis.set_xticks(sorted({w for by in table.values() for w in by}))
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    return save_figure(figure, path)


def curves_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], path: str,
                  ylabel: str, title: str = "", xlabel: str = "step") -> str:
    """``curves[label] = (steps, values)``: one line each (nan values skipped)."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(4.8, 3.4))
    for label, (x, y) in curves.items():
        keep = np.isfinite(y)
        axis.plot(np.asarray(x)[keep], np.asarray(y)[keep], label=label)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    return save_figure(figure, path)


def memory_figure(lengths: Sequence[int], peaks: Mapping[str, Sequence[float]], path: str,
                  title: str = "") -> str:
    """Peak traced memory (MiB) against sequence length, one line per method."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(4.8, 3.4))
    for label, values in peaks.items():
        axis.plot(lengths, values, marker="o", label=label)
    axis.set_xlabel("sequence length (steps)")
    axis.set_ylabel("peak memory, forward + backward (MiB)")
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    return save_figure(figure, path)


__all__ = ["curves_figure", "horizon_figure", "longest_solved", "memory_figure", "read_metrics"]
