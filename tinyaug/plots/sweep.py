"""A sweep's learning curves: every run thin, each setting combination's mean over seeds thick,
one colour per combination."""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def mean_curve(traces: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The mean over runs of ``(steps, values)`` traces, at the steps every run has (the
    evaluation steps, when the runs share their settings); where they share none, on the union
    of their steps within the range they all cover, by linear interpolation."""
    traces = [(np.asarray(s, float), np.asarray(v, float)) for s, v in traces if len(s)]
    if not traces:
        return np.zeros(0), np.zeros(0)
    common = traces[0][0]
    for steps, _ in traces[1:]:
        common = np.intersect1d(common, steps)
    if common.size < 2:
        low = max(steps.min() for steps, _ in traces)
        high = min(steps.max() for steps, _ in traces)
        union = np.unique(np.concatenate([steps for steps, _ in traces]))
        common = union[(union >= low) & (union <= high)]
    values = [np.interp(common, steps, vals) for steps, vals in traces]
    return common, np.mean(values, axis=0)


def sweep_curves_figure(curves: dict[str, list[tuple[np.ndarray, np.ndarray]]], metric: str,
                        path: str, threshold: float | None = None, title: str = "") -> str:
    """``curves``: {combination label: [(steps (n,), values (n,)) per seed]}. Draws each run
    thin and the combination's mean thick, a dotted line at ``threshold``; log scale when
    every value is positive. Returns ``path``."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=100)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    every_value = []
    for index, (label, traces) in enumerate(curves.items()):
        colour = colours[index % len(colours)]
        for steps, values in traces:
            axes.plot(steps, values, color=colour, alpha=0.3, linewidth=0.8)
            every_value.append(np.asarray(values, float))
        steps, mean = mean_curve(traces)
        if steps.size:
            axes.plot(steps, mean, color=colour, linewidth=2.2,
                      label=f"{label} (mean of {len(traces)})")
    if threshold is not None:
        axes.axhline(threshold, color="black", linestyle=":", linewidth=1, label=f"{threshold:g}")
    finite = np.concatenate(every_value) if every_value else np.zeros(0)
    finite = finite[np.isfinite(finite)]
    if finite.size and finite.min() > 0:
        axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel(metric.replace("_", " "))
    axes.grid(True, which="both", alpha=0.3)
    if curves:
        axes.legend(fontsize=8)
    if title:
        axes.set_title(title, fontsize=10)
    return save_figure(figure, path)
