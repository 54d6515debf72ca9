"""Curves from metrics: one run's learning curve, and several runs' curves on one axis.

Both take columns as ``tinyaug.training.metrics.read_metrics`` returns them ({name: array}),
so they draw any run of any experiment."""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def learning_curve(columns: dict[str, np.ndarray], metric: str, path: str,
                   title: str = "") -> str | None:
    """Plot ``metric`` (training, and evaluation as ``eval_<metric>``) against the step, on a
    log scale when every value is positive; returns ``path``, or None when there is nothing
    to plot."""
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
    return save_figure(figure, path)


def compare_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: str, xlabel: str,
                   ylabel: str, title: str = "", log_y: bool = False, target: float | None = None,
                   ylim: tuple[float, float] | None = None, figsize: tuple[float, float] = (6, 3.6),
                   markersize: float = 3, linewidth: float = 1,
                   legend_size: float | None = None) -> str:
    """Several runs on one axis: ``curves`` maps a label to (x, y) arrays (NaNs are skipped);
    ``target`` draws a dashed horizontal line there (e.g. the error a task counts as solved).
    Returns ``path``."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=figsize, dpi=100)
    for label, (x, y) in curves.items():
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        keep = np.isfinite(y)
        axes.plot(x[keep], y[keep], "o-", markersize=markersize, linewidth=linewidth, label=label)
    if target is not None:
        axes.axhline(target, color="black", linestyle="--", linewidth=0.8)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if log_y:
        axes.set_yscale("log")
    if ylim is not None:
        axes.set_ylim(*ylim)
    axes.grid(True, which="both" if log_y else "major", alpha=0.3)
    axes.legend(fontsize=legend_size)
    if title:
        axes.set_title(title)
    return save_figure(figure, path)
