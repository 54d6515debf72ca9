"""When a run reached a target: the first evaluation at or under a threshold, and the step from
which every later evaluation stayed there. Read from the run's metrics.csv, so it works on any
finished or interrupted run of any experiment ("steps to solve" in the README's tables)."""
from __future__ import annotations

import numpy as np

from .metrics import read_metrics


def steps_to_reach(run_dir: str, threshold: float, metric: str = "eval_error") -> dict[str, int | None]:
    """``{"first": step, "settled": step}`` for ``metric`` ≤ ``threshold`` in ``run_dir``.

    ``first`` is the step of the first evaluation at or under the threshold; ``settled`` the
    step of the first evaluation after which no later one is above it (None where the run never
    got there, or its last evaluation is above it). Evaluations are the rows of metrics.csv
    that carry ``metric``."""
    columns = read_metrics(run_dir)
    if metric not in columns:
        raise KeyError(f"steps_to_reach: {run_dir}/metrics.csv has no column {metric!r} "
                       f"(columns: {sorted(columns)})")
    values = columns[metric]
    keep = np.isfinite(values)
    steps, values = columns["step"][keep].astype(int), values[keep]
    under = values <= threshold
    if not under.any():
        return {"first": None, "settled": None}
    first = int(steps[np.argmax(under)])
    if not under[-1]:
        return {"first": first, "settled": None}
    above = np.flatnonzero(~under)
    settled = int(steps[above[-1] + 1]) if above.size else int(steps[0])
    return {"first": first, "settled": settled}
