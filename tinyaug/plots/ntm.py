"""Figures of a trained NTM, drawn from arrays and the model's memory trace.

* ``generalisation_figure``: copy targets above outputs at several lengths (Graves et al.
  2014, Figs. 4–5);
* ``memory_use_figure``: add vectors, write and read weightings over time (Fig. 6).

Several runs' learning curves (Fig. 3) are ``curves.compare_curves``.
"""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1)


def generalisation_figure(path: str, panels: list[tuple[int, np.ndarray, np.ndarray, float]],
                          title: str) -> str:
    """``panels``: one (length, targets (bits, time), outputs (bits, time) as probabilities,
    wrong bits) per column; targets above, outputs below, each column titled with its wrong
    bits. Returns ``path``."""
    plt = pyplot()
    widths = [max(length, 8) for length, _, _, _ in panels]
    figure, axes = plt.subplots(2, len(panels), figsize=(12, 3.2), dpi=100,
                                gridspec_kw={"width_ratios": widths}, squeeze=False)
    for column, (length, targets, outputs, wrong) in enumerate(panels):
        for row, (image, label) in enumerate(((targets, "targets"), (outputs, "outputs"))):
            axis = axes[row, column]
            axis.imshow(image, cmap="gray_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if column == 0:
                axis.set_ylabel(label)
        axes[0, column].set_title(f"L={length}: {wrong:.0f} wrong", fontsize=8)
    figure.suptitle(title, fontsize=10)
    return save_figure(figure, path)


def used_rows(*weightings: np.ndarray, margin: int = 2) -> slice:
    """The memory rows any of ``weightings`` (time, N) puts more than 0.05 on, plus a margin."""
    used = np.nonzero(np.max([w.max(axis=0) for w in weightings], axis=0) > 0.05)[0]
    if used.size == 0:
        return slice(None)
    return slice(max(int(used.min()) - margin, 0), int(used.max()) + margin + 1)


def memory_use_figure(path: str, inputs: np.ndarray, outputs: np.ndarray, trace: dict[str, np.ndarray],
                      title: str) -> str:
    """One sequence: ``inputs`` (time, in), ``outputs`` (time, out) probabilities, and from
    ``trace`` (one sequence's arrays over time) the first read head's ``read_weights``
    (time, N) and, when present, the first write head's ``write_weights`` (time, N) and
    ``add`` vectors (time, W). Rows are cropped to those the heads visit. Returns ``path``."""
    read_weights = trace["read_weights"]
    panels = [("inputs", inputs.T, "gray_r"), ("outputs", outputs.T, "gray_r")]
    if trace.get("write_weights") is not None:
        rows = used_rows(read_weights, trace["write_weights"])
        panels += [("adds", trace["add"].T, "RdBu_r"),
                   ("write weights", trace["write_weights"][:, rows].T, "gray_r")]
    else:
        rows = used_rows(read_weights)
    panels.append(("read weights", read_weights[:, rows].T, "gray_r"))
    plt = pyplot()
    figure, axes = plt.subplots(len(panels), 1, figsize=(6, 1.4 * len(panels) + 0.6), dpi=100,
                                sharex=True)
    for axis, (label, image, cmap) in zip(axes, panels):
        axis.imshow(image, cmap=cmap, aspect="auto", interpolation="nearest")
        axis.set_ylabel(label, fontsize=8)
        axis.set_yticks([])
    axes[-1].set_xlabel("time")
    start = rows.start or 0
    figure.suptitle(f"{title}: memory use (rows {start}–{start + panels[-1][1].shape[0] - 1})",
                    fontsize=10)
    return save_figure(figure, path)


def curves_and_sample_figure(path: str, curves: dict[str, tuple[np.ndarray, np.ndarray]],
                             sample: tuple[np.ndarray, np.ndarray, np.ndarray], sample_title: str,
                             legend_loc: str = "best") -> str:
    """Left: evaluation bits per sequence against sequences seen, one line per run
    (``curves``: label -> (sequences seen, bits)); log scale when they fall by more than 10×.
    Right: one test sequence, ``sample`` = (inputs (time, in), targets (time, out), outputs
    (time, out) probabilities, NaN outside the mask), titled ``sample_title``."""
    plt = pyplot()
    figure = plt.figure(figsize=(10, 3.4), dpi=80)
    grid = figure.add_gridspec(3, 2, width_ratios=[1, 1.4])
    curve = figure.add_subplot(grid[:, 0])
    for label, (seen, bits) in curves.items():
        curve.plot(seen, bits, "o-", markersize=2, linewidth=1, label=label)
    every = np.concatenate([bits for _, bits in curves.values()])
    if every.size and every.min() > 0 and every.max() / every.min() > 10:
        curve.set_yscale("log")  # a curve that falls by orders of magnitude
    curve.set_xlabel("sequences seen")
    curve.set_ylabel("bits per sequence (evaluation)")
    curve.grid(True, which="both", alpha=0.3)
    curve.legend(fontsize=8, loc=legend_loc)
    for row, (data, label) in enumerate(zip(sample, ("inputs", "targets", "outputs"))):
        axes = figure.add_subplot(grid[row, 1])
        axes.imshow(np.asarray(data, dtype=float).T, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                    interpolation="nearest")
        axes.set_ylabel(label, fontsize=8)
        axes.set_yticks([])
        if row < 2:
            axes.set_xticks([])
        else:
            axes.set_xlabel("time step")
        if row == 0:
            axes.set_title(sample_title, fontsize=9)
    return save_figure(figure, path)
