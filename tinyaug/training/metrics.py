"""Reading a run's metrics.csv (written by ``loop.MetricsWriter``) back as columns."""
from __future__ import annotations

import csv
import os

import numpy as np

METRICS_FILE = "metrics.csv"


def read_metrics(run_dir: str) -> dict[str, np.ndarray]:
    """metrics.csv as columns of floats (NaN where a row has no value); {} without a file."""
    path = os.path.join(run_dir, METRICS_FILE)
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows:
        return {}
    return {key: np.array([float(row[key]) if row.get(key) not in (None, "") else np.nan
                           for row in rows]) for key in rows[0]}
