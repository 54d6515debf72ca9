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


def seed_curves_figure(runs: Mapping[str, Mapping[int, tuple[np.ndarray, np.ndarray]]], path: str,
                       ylabel: str, title: str = "", xlabel: str = "step",
                       baseline: str | None = None) -> str:
    """``runs[label][seed] = (steps, values)``: every seed as a thin line, the mean over seeds
    (at the steps all seeds share) as a thick one. With ``baseline`` (a label), a second panel
    shows each other label's paired difference from it, seed by seed (label − baseline)."""
    plt = pyplot()
    panels = 2 if baseline is not None and len(runs) > 1 else 1
    figure, axes = plt.subplots(1, panels, figsize=(4.8 * panels, 3.4), squeeze=False)
    axis = axes[0][0]
    colors = {}
    for label, by_seed in runs.items():
        shared = None
        for seed, (x, y) in sorted(by_seed.items()):
            keep = np.isfinite(y)
            line, = axis.plot(np.asarray(x)[keep], np.asarray(y)[keep], linewidth=0.8, alpha=0.45,
                              color=colors.get(label))
            colors.setdefault(label, line.get_color())
            steps = set(np.asarray(x)[keep].tolist())
            shared = steps if shared is None else shared & steps
        steps = np.array(sorted(shared or ()))
        if steps.size:
            mean = np.mean([_at(by_seed[s], steps) for s in by_seed], axis=0)
            axis.plot(steps, mean, linewidth=2.0, color=colors[label],
                      label=f"{label} (mean of {len(by_seed)})")
    later = [v for by_seed in runs.values() for _, y in by_seed.values()
             for v in np.asarray(y)[np.isfinite(y)][1:]]   # the first evaluation is off scale
    if later:
        low, high = min(later), max(later)
        axis.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    if panels == 2:
        right = axes[0][1]
        for label, by_seed in runs.items():
            if label == baseline:
                continue
            for seed, (x, y) in sorted(by_seed.items()):
                if seed not in runs[baseline]:
                    continue
                bx, by = runs[baseline][seed]
                keep = np.isfinite(y)
                steps = np.array(sorted(set(np.asarray(x)[keep].tolist())
                                        & set(np.asarray(bx)[np.isfinite(by)].tolist())))
                if steps.size:
                    right.plot(steps, _at((x, y), steps) - _at((bx, by), steps), marker=".",
                               color=colors[label], alpha=0.8, label=f"{label}, seed {seed}")
        right.axhline(0.0, color="black", linewidth=0.8)
        right.set_xlabel(xlabel)
        right.set_ylabel(f"minus {baseline}")
        right.set_title("paired difference, same seed (below 0: lower)", fontsize=9)
        right.legend(fontsize=7)
        right.grid(alpha=0.3)
    return save_figure(figure, path)


def _at(curve: tuple[np.ndarray, np.ndarray], steps: np.ndarray) -> np.ndarray:
    """The curve's values at the given steps (each step must occur in it)."""
    x, y = (np.asarray(a, dtype=np.float64) for a in curve)
    keep = np.isfinite(y)
    lookup = dict(zip(x[keep].tolist(), y[keep].tolist()))
    return np.array([lookup[s] for s in steps.tolist()])


__all__ = ["curves_figure", "horizon_figure", "longest_solved", "memory_figure", "read_metrics",
           "seed_curves_figure"]
