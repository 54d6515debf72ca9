"""Heatmaps of the Neural Programmer's selections per step (matplotlib imported lazily)."""
from __future__ import annotations

import textwrap

import numpy as np

from ..autograd import no_grad
from ..models.programmer.operations import OPERATIONS


def table_heatmap(experiment, questions, path: str) -> str:
    """For each question: operation and column selector probabilities (soft pass) per step,
    titled with the greedy program. Returns ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..tasks import tables as task
    from ..models.programmer import tables as model
    batch = task.encode(questions)
    with no_grad():
        soft = experiment.model(batch)
        hard = experiment.model(batch, greedy=True)
    figure, axes = plt.subplots(2, len(questions), figsize=(3.6 * len(questions), 5.4),
                                gridspec_kw={"height_ratios": [len(OPERATIONS), 10]}, squeeze=False)
    for i, q in enumerate(questions):
        operations = np.stack([w.numpy()[i] for w in soft["operation_weights"]], axis=1)
        columns = np.stack([w.numpy()[i, :len(q.columns)] for w in soft["column_weights"]], axis=1)
        steps = range(1, operations.shape[1] + 1)
        for row, (data, labels) in enumerate(((operations, OPERATIONS), (columns, q.columns))):
            axis = axes[row, i]
            axis.imshow(data, vmin=0, vmax=1, cmap="Blues", aspect="auto")
            axis.set_yticks(range(len(labels)), labels, fontsize=7)
            axis.set_xticks(range(len(steps)), [f"t={t}" for t in steps], fontsize=7)
        program = model.format_program(model.describe_program(hard, i), q.columns, q.numbers)
        title = textwrap.fill(q.text, 48) + "\n" + textwrap.fill(f"→ {program}", 48)
        axes[0, i].set_title(title, fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def arithmetic_heatmap(experiment, questions, path: str) -> str:
    """Operation probabilities and argument pointers per step for a few arithmetic questions."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..tasks import arithmetic as task
    from ..models.programmer import arithmetic as model
    batch = task.encode(questions)
    slots = batch.numbers.shape[1]
    with no_grad():
        soft = experiment.model(batch)
        hard = experiment.model(batch, greedy=True)
    figure, axes = plt.subplots(2, len(questions), figsize=(3.2 * len(questions), 4.2), squeeze=False)
    for i, q in enumerate(questions):
        operations = np.stack([w.numpy()[i] for w in soft["operation_weights"]], axis=1)
        axes[0, i].imshow(operations, vmin=0, vmax=1, cmap="Blues", aspect="auto")
        axes[0, i].set_yticks(range(len(model.ARITHMETIC_OPERATIONS)), model.ARITHMETIC_OPERATIONS, fontsize=7)
        pointer = np.zeros((slots + len(soft["first_pointer"]), 2 * len(soft["first_pointer"])))
        for t, (a, b) in enumerate(zip(soft["first_pointer"], soft["second_pointer"])):
            width = a.shape[1]
            pointer[:width, 2 * t] = a.numpy()[i]
            pointer[:width, 2 * t + 1] = b.numpy()[i]
        labels = [f"n{k}" for k in range(slots)] + [f"s{t}" for t in range(len(soft["first_pointer"]))]
        axes[1, i].imshow(pointer, vmin=0, vmax=1, cmap="Oranges", aspect="auto")
        axes[1, i].set_yticks(range(len(labels)), labels, fontsize=7)
        axes[1, i].set_xticks(range(pointer.shape[1]),
                              [f"t{t + 1}{ab}" for t in range(len(soft["first_pointer"])) for ab in "ab"], fontsize=7)
        axes[0, i].set_xticks(range(operations.shape[1]), [f"t={t + 1}" for t in range(operations.shape[1])], fontsize=7)
        program = model.format_program(model.describe_program(hard, i, q.numbers, slots), q.numbers)
        axes[0, i].set_title(f"{q.text}\n→ {program}", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
