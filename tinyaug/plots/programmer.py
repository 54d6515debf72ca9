"""Heatmaps of the Neural Programmer's selections per step, drawn from the soft pass's
probabilities (the experiment runs the model and names the induced programs)."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np

from .core import pyplot


@dataclass
class TableSteps:
    """One table question: ``operations`` (operations, steps) and ``columns`` (columns, steps)
    selector probabilities, their labels, the question and its greedy program as text."""
    operations: np.ndarray
    columns: np.ndarray
    operation_names: list[str]
    column_names: list[str]
    question: str
    program: str


@dataclass
class ArithmeticSteps:
    """One arithmetic question: ``operations`` (operations, steps) probabilities, ``pointers``
    (slots, 2 · steps) argument pointers (first and second argument of each step, over the
    question's numbers n0.. then earlier results s0..), and the question and program as text."""
    operations: np.ndarray
    pointers: np.ndarray
    operation_names: list[str]
    pointer_labels: list[str]
    question: str
    program: str


def _save(figure, path: str) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    pyplot().close(figure)
    return path


def table_heatmap(questions: list[TableSteps], path: str) -> str:
    """Per question: operation (top) and column (bottom) selector probabilities per step,
    titled with the question and the greedy program. Returns ``path``."""
    plt = pyplot()
    figure, axes = plt.subplots(2, len(questions), figsize=(3.6 * len(questions), 5.4),
                                gridspec_kw={"height_ratios": [len(questions[0].operation_names), 10]},
                                squeeze=False)
    for i, q in enumerate(questions):
        steps = range(1, q.operations.shape[1] + 1)
        for row, (data, labels) in enumerate(((q.operations, q.operation_names), (q.columns, q.column_names))):
            axis = axes[row, i]
            axis.imshow(data, vmin=0, vmax=1, cmap="Blues", aspect="auto")
            axis.set_yticks(range(len(labels)), labels, fontsize=7)
            axis.set_xticks(range(len(steps)), [f"t={t}" for t in steps], fontsize=7)
        title = textwrap.fill(q.question, 48) + "\n" + textwrap.fill(f"→ {q.program}", 48)
        axes[0, i].set_title(title, fontsize=7)
    return _save(figure, path)


def arithmetic_heatmap(questions: list[ArithmeticSteps], path: str) -> str:
    """Per question: operation probabilities (top) and argument pointers (bottom) per step,
    titled with the question and the greedy program. Returns ``path``."""
    plt = pyplot()
    figure, axes = plt.subplots(2, len(questions), figsize=(3.2 * len(questions), 4.2), squeeze=False)
    for i, q in enumerate(questions):
        axes[0, i].imshow(q.operations, vmin=0, vmax=1, cmap="Blues", aspect="auto")
        axes[0, i].set_yticks(range(len(q.operation_names)), q.operation_names, fontsize=7)
        axes[1, i].imshow(q.pointers, vmin=0, vmax=1, cmap="Oranges", aspect="auto")
        axes[1, i].set_yticks(range(len(q.pointer_labels)), q.pointer_labels, fontsize=7)
        steps = q.pointers.shape[1] // 2
        axes[1, i].set_xticks(range(q.pointers.shape[1]),
                              [f"t{t + 1}{ab}" for t in range(steps) for ab in "ab"], fontsize=7)
        axes[0, i].set_xticks(range(q.operations.shape[1]),
                              [f"t={t + 1}" for t in range(q.operations.shape[1])], fontsize=7)
        axes[0, i].set_title(f"{q.question}\n→ {q.program}", fontsize=7)
    return _save(figure, path)
