"""One sequence's inputs, targets and outputs side by side, as heat maps."""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def sequence_figure(path: str, inputs: np.ndarray, targets: np.ndarray, outputs: np.ndarray,
                    mask: np.ndarray | None = None, title: str = "") -> str:
    """One sequence: inputs (time, in), targets (time, out) and outputs (time, out)
    (probabilities) as three heat maps, time running left to right. Outputs outside ``mask``
    (time,) are greyed out. Returns ``path``."""
    plt = pyplot()
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
    return save_figure(figure, path)
