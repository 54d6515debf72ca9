"""Shared by the sweep tests: a tiny sweep command (two learning rates, 400 steps of a copy LSTM
of 8 units) and ways to compare sweeps."""
import json
import os
import subprocess
import sys

import numpy as np

from tinyaug.sweeps import runner
from tinyaug.training.metrics import read_metrics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEPS = 400
TINY = ["--task", "copy", "--model", "lstm", "--lr", "0.01,0.03", "--steps", str(STEPS),
        "--hidden-size", "8", "--max-length", "2", "--bits", "4", "--batch-size", "4",
        "--eval-every", "50", "--log-every", "10", "--checkpoint-every", "20",
        "--eval-batch-size", "16", "--jobs", "2", "--threshold", "3", "--progress", "lines"]


def sweep_command(out, *extra):
    return [sys.executable, "-m", "tinyaug.cli", "sweep", *TINY, "--out", str(out), *extra]


def env():
    return {**runner.child_env(), "PYTHONPATH": ROOT}


def run_sweep(out, *extra):
    result = subprocess.run(sweep_command(out, *extra), env=env(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result


def comparable(out):
    """summary.json without wall-clock minutes (the only thing an interruption may change)."""
    with open(os.path.join(out, "summary.json")) as file:
        summary = json.load(file)
    for group in summary["groups"]:
        for entry in group["runs"]:
            entry.pop("wall_minutes", None)
    return summary


def run_folders(out):
    return sorted(root for root, _, files in os.walk(os.path.join(out, "runs"))
                  if "config.json" in files)


def evaluation_columns(folder):
    columns = read_metrics(folder)
    rows = np.isfinite(columns["eval_bits_per_sequence"])
    return {key: columns[key][rows] for key in ("step", "eval_bits_per_sequence",
                                                "eval_wrong_bits_per_sequence")}
