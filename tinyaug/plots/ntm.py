"""Figures of a trained NTM (matplotlib with Agg, imported inside the functions only).

* ``generalisation_figure``: copy targets above outputs at lengths 10, 20, 30, 50, 120
  (Graves et al. 2014, Figs. 4–5);
* ``memory_use_figure``: add vectors, write and read weightings over time (Fig. 6);
* ``compare_learning_curves``: several runs' evaluation curves on one axis (Fig. 3).
"""
from __future__ import annotations

import numpy as np

GENERALISATION_LENGTHS = (10, 20, 30, 50, 120)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1)


def generalisation_figure(experiment, path: str, rng: np.random.Generator,
                          lengths=GENERALISATION_LENGTHS) -> str:
    """Targets (top row) and outputs (bottom row) of one copy sequence per length; each panel
    is titled with its wrong bits. Returns ``path``."""
    from ..experiments.sequence import wrong_bits_per_sequence
    plt = _pyplot()
    widths = [max(length, 8) for length in lengths]
    figure, axes = plt.subplots(2, len(lengths), figsize=(12, 3.2), dpi=100,
                                gridspec_kw={"width_ratios": widths}, squeeze=False)
    for column, length in enumerate(lengths):
        batch = experiment.task_generator.batch(1, rng, length=length)
        logits = experiment.predict(batch)
        rows = batch[2][:, 0] > 0
        targets = batch[1][rows, 0].T
        outputs = _sigmoid(logits[rows, 0]).T
        wrong = wrong_bits_per_sequence(logits, batch[1], batch[2])
        for row, (image, label) in enumerate(((targets, "targets"), (outputs, "outputs"))):
            axis = axes[row, column]
            axis.imshow(image, cmap="gray_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if column == 0:
                axis.set_ylabel(label)
        axes[0, column].set_title(f"L={length}: {wrong:.0f} wrong", fontsize=8)
    figure.suptitle(f"{experiment.task} / {experiment.model_name}: generalisation "
                    f"(trained on lengths {getattr(experiment.task_generator, 'min_length', '?')}–"
                    f"{getattr(experiment.task_generator, 'max_length', '?')})", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _used_rows(*weightings: np.ndarray, margin: int = 2) -> slice:
    used = np.nonzero(np.max([w.max(axis=0) for w in weightings], axis=0) > 0.05)[0]
    if used.size == 0:
        return slice(None)
    return slice(max(int(used.min()) - margin, 0), int(used.max()) + margin + 1)


def memory_use_figure(experiment, path: str, rng: np.random.Generator, length: int | None = None) -> str:
    """Add vectors, write weightings and read weightings of the first head of each kind over
    time for one sequence (rows cropped to those the heads visit). Returns ``path``."""
    plt = _pyplot()
    kwargs = {"length": length} if length is not None and experiment.task == "copy" else {}
    if experiment.task == "copy" and length is None:
        kwargs = {"length": min(20, getattr(experiment.task_generator, "max_length", 20))}
    batch = experiment.task_generator.batch(1, rng, **kwargs)
    logits, trace = experiment.trace(batch)
    read_weights = trace["read_weights"][:, 0, 0]                               # (time, N)
    panels = [("inputs", batch[0][:, 0].T, "gray_r"), ("outputs", _sigmoid(logits[:, 0]).T, "gray_r")]
    if "write_weights" in trace and trace["write_weights"].shape[2]:
        write_weights = trace["write_weights"][:, 0, 0]
        rows = _used_rows(read_weights, write_weights)
        panels += [("adds", trace["add"][:, 0, 0].T, "RdBu_r"),
                   ("write weights", write_weights[:, rows].T, "gray_r")]
    else:
        rows = _used_rows(read_weights)
    panels.append(("read weights", read_weights[:, rows].T, "gray_r"))
    figure, axes = plt.subplots(len(panels), 1, figsize=(6, 1.4 * len(panels) + 0.6), dpi=100,
                                sharex=True)
    for axis, (label, image, cmap) in zip(axes, panels):
        axis.imshow(image, cmap=cmap, aspect="auto", interpolation="nearest")
        axis.set_ylabel(label, fontsize=8)
        axis.set_yticks([])
    axes[-1].set_xlabel("time")
    start = rows.start or 0
    figure.suptitle(f"{experiment.task} / {experiment.model_name}: memory use (rows {start}–"
                    f"{start + panels[-1][1].shape[0] - 1})", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def compare_learning_curves(runs: dict[str, str], path: str, metric: str = "eval_bits_per_sequence",
                            title: str = "") -> str:
    """``runs``: {label: run folder}; plots each run's ``metric`` from metrics.csv against the
    number of sequences seen (steps × batch size) on one log-scale axis. Returns ``path``."""
    import json
    import os

    from ..training.metrics import read_metrics
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=100)
    for label, run_dir in runs.items():
        columns = read_metrics(run_dir)
        if metric not in columns:
            continue
        with open(os.path.join(run_dir, "config.json")) as file:
            config = json.load(file)
        config = config.get("config", config)
        batch = int(config.get("batch_size", 1))
        keep = np.isfinite(columns[metric])
        axes.plot(columns["step"][keep] * batch / 1000, columns[metric][keep], "o-", markersize=3,
                  linewidth=1, label=label)
    axes.set_xlabel("sequences seen (thousands)")
    axes.set_ylabel(metric.replace("eval_", "").replace("_", " "))
    axes.set_yscale("log")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    if title:
        axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
