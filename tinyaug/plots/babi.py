"""bAbI-style QA figures: learning curves, a memory model's attention over one story, and
per-task error bars beside the published means. Drawn from arrays, traces and metrics only."""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def attention_figure(path: str, qa, example, attention: np.ndarray, predicted: str,
                     title: str = "") -> str:
    """One question's facts (rows) against hops (columns): the attention weights (``attention``
    (hops, M)), supporting facts marked with '*'. ``qa``: the ``BabiTask`` (its vocabulary),
    ``example``: a one-question ``QAData``."""
    plt = pyplot()
    words = qa.vocabulary
    slots = np.flatnonzero(example.fact_mask[0])
    labels = [("* " if example.support[0, s] else "  ") +
              " ".join(words[w] for w in example.facts[0, s] if w) for s in slots]
    weights = attention[:, slots].T                                  # (facts, hops)
    question = " ".join(words[w] for w in example.question[0] if w)
    answer = qa.answers[int(example.answer[0])]
    height = 1.2 + 0.22 * len(slots)
    figure, axes = plt.subplots(figsize=(7.5, height), dpi=100)
    image = axes.imshow(weights, aspect="auto", cmap="Blues", vmin=0, vmax=max(weights.max(), 1e-6))
    axes.set_yticks(range(len(slots)))
    axes.set_yticklabels(labels, fontsize=7, family="monospace")
    axes.set_xticks(range(weights.shape[1]))
    axes.set_xticklabels([f"hop {k + 1}" for k in range(weights.shape[1])], fontsize=8)
    axes.set_title(f"{title}\nQ: {question}?  A: {answer}  predicted: {predicted}  (* supporting)",
                   fontsize=8)
    figure.colorbar(image, ax=axes, fraction=0.04)
    return save_figure(figure, path)


def error_bars_figure(path: str, task_ids: list[int], errors: dict[str, list[float]],
                      published_means: dict[str, float], title: str = "") -> str:
    """Per-task test error (%) of each model (``errors[model]`` aligned with ``task_ids``; NaN
    where not run), with each model's mean over the tasks in the legend, and the published
    means on the real bAbI set (all 20 tasks) drawn as dashed lines."""
    plt = pyplot()
    models = list(errors)
    figure, axes = plt.subplots(figsize=(9, 3.8), dpi=100)
    width = 0.8 / max(len(models), 1)
    positions = np.arange(len(task_ids))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, model in enumerate(models):
        values = np.asarray(errors[model], dtype=float)
        mean = np.nanmean(values) if np.isfinite(values).any() else float("nan")
        count = int(np.isfinite(values).sum())
        axes.bar(positions + (index - (len(models) - 1) / 2) * width, values, width,
                 color=colors[index % len(colors)],
                 label=f"{model}, ours (generated data): mean {mean:.1f}% over {count} types")
    for index, (label, value) in enumerate(published_means.items()):
        axes.axhline(value, linestyle="--", linewidth=1, color=colors[(index + len(models)) % len(colors)],
                     label=f"{label}: {value}% (published mean, real bAbI, 20 tasks)")
    axes.set_xticks(positions)
    axes.set_xticklabels([str(t) for t in task_ids])
    axes.set_xlabel("bAbI task type")
    axes.set_ylabel("test error (%)")
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=7, loc="upper left")
    return save_figure(figure, path)


def memory_over_story_figure(path: str, step_labels: list[str], write_weights: np.ndarray,
                             read_weights: np.ndarray, read_modes: np.ndarray | None,
                             title: str = "") -> str:
    """A memory model reading one story word by word: write weighting (time, N), each read
    head's weighting (time, R, N) and read modes (time, R, 3: backward, content, forward; None
    for a model without them, the NTM), one row of panels per quantity, time on the x axis
    labelled with the input words."""
    plt = pyplot()
    heads = read_weights.shape[1]
    rows = 1 + heads + (read_modes is not None)
    figure, axes = plt.subplots(rows, 1, figsize=(max(8, 0.12 * len(step_labels)), 2.0 * rows),
                                dpi=100, sharex=True)
    axes[0].imshow(write_weights.T, aspect="auto", cmap="Reds", interpolation="nearest")
    axes[0].set_ylabel("write\nlocation", fontsize=8)
    for head in range(heads):
        axes[1 + head].imshow(read_weights[:, head].T, aspect="auto", cmap="Blues",
                              interpolation="nearest")
        axes[1 + head].set_ylabel(f"read head {head + 1}\nlocation", fontsize=8)
    if read_modes is not None:
        names = ("backward", "content", "forward")
        for head in range(heads):
            for mode in range(read_modes.shape[2]):
                axes[-1].plot(read_modes[:, head, mode], linewidth=1,
                              label=f"head {head + 1} {names[mode] if mode < 3 else mode}")
        axes[-1].set_ylabel("read mode", fontsize=8)
        axes[-1].set_ylim(-0.05, 1.05)
        axes[-1].legend(fontsize=6, ncol=heads, loc="upper left")
    axes[-1].set_xticks(range(len(step_labels)))
    axes[-1].set_xticklabels(step_labels, rotation=90, fontsize=6)
    axes[0].set_title(title, fontsize=9)
    return save_figure(figure, path)
