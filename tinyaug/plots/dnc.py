"""Figures of the Differentiable Neural Computer, drawn from the trace ``DNC.run_traced``
returns (host arrays over time); no model or task is imported. (Learning curves of several
runs on one axis: ``tinyaug compare``, ``plots/curves.py``.)

* ``memory_use_figure``: one sequence — inputs, targets and outputs, the write weighting and
  each read head's weighting over memory rows and time, the read modes (backward, content,
  forward) of each head, the usage of every row, and the free, allocation and write gates
  (the paper's Fig. 1 style and the slides' "memory allocation test").
"""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure

MODE_COLOURS = {"backward": "tab:blue", "content": "tab:green", "forward": "tab:red"}


def _heat(axes, data: np.ndarray, label: str, vmax: float | None = 1.0) -> None:
    axes.imshow(np.asarray(data, dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=vmax,
                interpolation="nearest", origin="lower")
    axes.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    axes.set_yticks([])


def memory_use_figure(path: str, inputs: np.ndarray, targets: np.ndarray, outputs: np.ndarray,
                      mask: np.ndarray, trace: dict, title: str = "", sample: int = 0) -> str:
    """One sequence of a batch: ``inputs`` (time, in), ``targets`` and ``outputs``
    (probabilities) (time, out), ``mask`` (time,), and ``trace`` (arrays with axes (time,
    batch, ...)) for batch element ``sample``. Rows: memory rows bottom to top; time left to
    right."""
    write = trace["write_weights"][:, sample]          # (T, H, N)
    read = trace["read_weights"][:, sample]            # (T, R, N)
    modes = trace["read_modes"][:, sample]             # (T, R, 1 + 2H)
    usage = trace["usage"][:, sample]                  # (T, N)
    free = trace["free_gates"][:, sample]              # (T, R)
    allocation_gate = trace["allocation_gates"][:, sample]
    write_gate = trace["write_gates"][:, sample]
    heads, reads = write.shape[1], read.shape[1]
    plt = pyplot()
    panels = 3 + heads + reads + 1 + 1 + 1
    ratios = [1, 1, 1] + [1.4] * (heads + reads) + [1.4, 1.0, 1.0]
    figure, axes = plt.subplots(panels, 1, figsize=(max(6.0, 0.16 * len(inputs) + 2.0), 1.0 * panels + 0.8),
                                dpi=100, sharex=True, gridspec_kw={"height_ratios": ratios})
    shown = np.where(np.asarray(mask)[:, None] > 0, outputs, np.nan)
    _heat(axes[0], inputs.T, "inputs")
    _heat(axes[1], targets.T, "targets")
    _heat(axes[2], shown.T, "outputs")
    row = 3
    for head in range(heads):
        _heat(axes[row], write[:, head].T, f"write\nweighting {head + 1}" if heads > 1 else "write\nweighting")
        row += 1
    for head in range(reads):
        _heat(axes[row], read[:, head].T, f"read {head + 1}")
        row += 1
    time = np.arange(len(inputs))
    # read modes: for each head, the weight of backward / content / forward (summed over write heads)
    mode_axes = axes[row]
    backward = modes[:, :, :heads].sum(-1)
    forward = modes[:, :, heads + 1:].sum(-1)
    content = modes[:, :, heads]
    for head in range(reads):
        style = ["-", "--", ":", "-."][head % 4]
        for name, values in (("backward", backward), ("content", content), ("forward", forward)):
            mode_axes.plot(time, values[:, head], style, color=MODE_COLOURS[name], linewidth=1,
                           label=name if head == 0 else None)
    mode_axes.set_ylim(-0.05, 1.05)
    mode_axes.set_ylabel("read modes\n(line: head)", rotation=0, ha="right", va="center", fontsize=8)
    mode_axes.legend(fontsize=6, loc="upper right", ncol=3)
    row += 1
    _heat(axes[row], usage.T, "usage")
    row += 1
    gate_axes = axes[row]
    for head in range(reads):
        gate_axes.plot(time, free[:, head], color="tab:purple", linewidth=1, alpha=0.8,
                       label="free gates" if head == 0 else None)
    gate_axes.plot(time, allocation_gate.mean(-1), color="tab:orange", linewidth=1.5, label="allocation gate")
    gate_axes.plot(time, write_gate.mean(-1), color="black", linewidth=1, linestyle="--", label="write gate")
    gate_axes.set_ylim(-0.05, 1.05)
    gate_axes.set_ylabel("gates", rotation=0, ha="right", va="center", fontsize=8)
    gate_axes.legend(fontsize=6, loc="upper right", ncol=3)
    axes[-1].set_xlabel("time step")
    if title:
        axes[0].set_title(title)
    return save_figure(figure, path)
