"""Figures for runs: the learning curve from metrics.csv, and a sequence's inputs, targets and
outputs side by side. matplotlib (Agg) is imported inside the functions only."""
from __future__ import annotations

import csv
import os

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def read_metrics(run_dir: str) -> dict[str, np.ndarray]:
    """metrics.csv as columns of floats (NaN where a row has no value)."""
    path = os.path.join(run_dir, "metrics.csv")
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows:
        return {}
    return {key: np.array([float(row[key]) if row.get(key) not in (None, "") else np.nan
                           for row in rows]) for key in rows[0]}


def learning_curve(run_dir: str, metric: str, title: str = "", path: str | None = None) -> str | None:
    """Plot ``metric`` (training, and evaluation as ``eval_<metric>``) against the step on a
    log scale; returns the PNG's path, or None when there is nothing to plot."""
    columns = read_metrics(run_dir)
    if "step" not in columns or (metric not in columns and f"eval_{metric}" not in columns):
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=100)
    steps = columns["step"]
    for key, label, style in ((metric, "training batches", "-"), (f"eval_{metric}", "evaluation", "o-")):
        if key in columns:
            values = columns[key]
            keep = np.isfinite(values)
            if keep.any():
                axes.plot(steps[keep], values[keep], style, label=label, markersize=3, linewidth=1)
    axes.set_xlabel("step")
    axes.set_ylabel(metric.replace("_", " "))
    finite = np.concatenate([columns[k][np.isfinite(columns[k])] for k in (metric, f"eval_{metric}")
                             if k in columns])
    if finite.size and finite.min() > 0:
        axes.set_yscale("log")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    if title:
        axes.set_title(title)
    figure.tight_layout()
    path = path or os.path.join(run_dir, "learning_curve.png")
    figure.savefig(path)
    plt.close(figure)
    return path


def sequence_figure(path: str, inputs: np.ndarray, targets: np.ndarray, outputs: np.ndarray,
                    mask: np.ndarray | None = None, title: str = "") -> str:
    """One sequence: inputs (time, in), targets (time, out) and outputs (time, out)
    (probabilities) as three heat maps, time running left to right. Outputs outside ``mask``
    (time,) are greyed out."""
    plt = _pyplot()
    figure, axes = plt.subplots(3, 1, figsize=(max(4.0, 0.12 * len(inputs) + 1.5), 4.8), dpi=100,
                                sharex=True)
    shown = np.array(outputs, dtype=float)
    if mask is not None:
        shown = np.where(np.asarray(mask)[:, None] > 0, shown, np.nan)
    for ax, data, label in zip(axes, (inputs, targets, shown), ("inputs", "targets", "outputs")):
        ax.imshow(np.asarray(data, dtype=float).T, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_ylabel(label)
        ax.set_yticks([])
    axes[-1].set_xlabel("time step")
    if title:
        axes[0].set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
