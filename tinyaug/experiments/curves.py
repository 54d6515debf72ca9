"""Learning curves of run folders: read each run's metrics.csv and draw it with
``tinyaug.plots.curves`` (which draws columns and knows nothing of run folders)."""
from __future__ import annotations

import json
import os

from ..plots import curves
from ..training.metrics import read_metrics


def learning_curve(run_dir: str, metric: str, title: str = "", path: str | None = None) -> str | None:
    """``metric`` and ``eval_<metric>`` of the run against the step, written to ``path``
    (default ``run_dir/learning_curve.png``); None when the run has neither column."""
    return curves.learning_curve(read_metrics(run_dir), metric,
                                 path or os.path.join(run_dir, "learning_curve.png"), title)


def compare_learning_curves(runs: dict[str, str], path: str, metric: str = "eval_bits_per_sequence",
                            title: str = "", target: float | None = None) -> str:
    """``runs``: {label: run folder}; each run's ``metric`` against the number of sequences
    seen (steps × its batch size, in thousands) on one log-scale axis (NTM paper, Fig. 3).
    Runs without the column are left out; ``target`` draws a dashed line. Returns ``path``."""
    lines = {}
    for label, run_dir in runs.items():
        columns = read_metrics(run_dir)
        if metric not in columns:
            continue
        with open(os.path.join(run_dir, "config.json")) as file:
            config = json.load(file)
        batch = int(config.get("config", config).get("batch_size", 1))
        lines[label] = (columns["step"] * batch / 1000, columns[metric])
    return curves.compare_curves(lines, path, "sequences seen (thousands)",
                                 metric.replace("eval_", "").replace("_", " "), title=title, log_y=True,
                                 target=target)
