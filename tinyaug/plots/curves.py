"""Learning curves from a run's metrics.csv."""
from __future__ import annotations

import os

import numpy as np

from ..training.metrics import read_metrics
from .core import pyplot, save_figure


def learning_curve(run_dir: str, metric: str, title: str = "", path: str | None = None) -> str | None:
    """Plot ``metric`` (training, and evaluation as ``eval_<metric>``) against the step on a
    log scale; returns the PNG's path, or None when there is nothing to plot."""
    columns = read_metrics(run_dir)
    if "step" not in columns or (metric not in columns and f"eval_{metric}" not in columns):
        return None
    plt = pyplot()
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
    return save_figure(figure, path or os.path.join(run_dir, "learning_curve.png"))
