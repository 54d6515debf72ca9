"""A sweep's summary, from its runs' metrics.csv files: per setting combination the mean,
spread and per-seed values of every final evaluation metric, steps to a threshold
(``training.milestones``), and one figure with every learning curve and each combination's
mean.

Only evaluation columns (``eval_*``) enter the summary: they are computed on their own seeded
data at fixed steps, so a run interrupted and resumed gives exactly the numbers of an
uninterrupted one. Training columns are averages since the previous logged row, which an
interruption splits. Wall-clock minutes are reported per run but are not results.

Files written into the sweep folder: ``summary.md`` (a table for humans), ``summary.csv`` (a
row per run), ``summary.json`` (everything, per combination) and ``curves.png``.
"""
from __future__ import annotations

import csv
import json
import math
import os
from typing import Any

import numpy as np

from ..plots.sweep import sweep_curves_figure
from ..training.metrics import read_metrics
from ..training.milestones import steps_to_reach
from .errors import SweepError
from .grid import Run

SUMMARY_FILES = ("summary.md", "summary.csv", "summary.json", "curves.png")


def _final_evaluation(columns: dict[str, np.ndarray]) -> tuple[int | None, dict[str, float]]:
    """(step, {eval metric: value}) of the last row that carries evaluation values."""
    keys = [key for key in columns if key.startswith("eval_")]
    if not keys or "step" not in columns:
        return None, {}
    evaluated = np.flatnonzero(np.any([np.isfinite(columns[key]) for key in keys], axis=0))
    if evaluated.size == 0:
        return None, {}
    row = int(evaluated[-1])
    return int(columns["step"][row]), {key: float(columns[key][row]) for key in keys
                                       if math.isfinite(float(columns[key][row]))}


def choose_metric(columns: dict[str, np.ndarray], metric: str | None) -> str | None:
    """The evaluation column the table leads with and the figure draws: ``metric`` (with or
    without its ``eval_`` prefix), else the run's first evaluation column (the experiment's
    first evaluation metric: its headline one for the sequence tasks)."""
    evaluation = [key for key in columns if key.startswith("eval_")]
    if metric:
        for key in (f"eval_{metric}", metric):  # the evaluation column first
            if key in columns:
                return key
        raise SweepError(f"sweep: --metric: no column {metric!r} in metrics.csv; evaluation columns: "
                       f"{', '.join(evaluation) or 'none'}")
    return evaluation[0] if evaluation else None


def _stats(values: list[float]) -> dict[str, float | int]:
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return {"n": 0}
    return {"n": int(array.size), "mean": float(array.mean()),
            "std": float(array.std(ddof=1)) if array.size > 1 else 0.0,
            "min": float(array.min()), "max": float(array.max())}


def collect(out: str, runs: list[Run], status: dict[Run, str], metric: str | None = None,
            threshold: float | None = None) -> dict[str, Any]:
    """The summary as a dict: ``{"metric", "threshold", "groups": [...]}``; each group is one
    setting combination with its runs (seed, status, final step and metrics, steps to the
    threshold, wall minutes) and ``stats`` over its finished runs."""
    chosen = metric
    groups: dict[str, dict[str, Any]] = {}
    for run in runs:
        folder = run.folder(out)
        columns = read_metrics(folder)
        entry: dict[str, Any] = {"seed": run.seed, "status": status.get(run, "new"),
                                 "folder": os.path.relpath(folder, out)}
        if columns:
            if chosen is None or chosen not in columns:
                chosen = choose_metric(columns, metric)
            step, final = _final_evaluation(columns)
            entry.update({"step": step, "final": final})
            finite_wall = columns.get("wall_time", np.zeros(0))
            finite_wall = finite_wall[np.isfinite(finite_wall)]
            entry["wall_minutes"] = float(finite_wall[-1]) / 60 if finite_wall.size else None
            if threshold is not None and chosen in columns:
                entry["reached"] = steps_to_reach(folder, threshold, chosen)
        group = groups.setdefault(run.label, {"label": run.label, "settings": dict(run.swept),
                                              "runs": []})
        group["runs"].append(entry)
    for group in groups.values():
        finished = [entry for entry in group["runs"] if entry["status"] == "done"]
        keys = sorted({key for entry in finished for key in entry.get("final", {})})
        group["stats"] = {key: _stats([entry["final"][key] for entry in finished
                                       if key in entry.get("final", {})]) for key in keys}
        if threshold is not None:
            for which in ("first", "settled"):
                reached = [entry["reached"][which] for entry in finished
                           if entry.get("reached", {}).get(which) is not None]
                group["stats"][f"steps_to_threshold_{which}"] = {
                    **_stats(reached), "reached": len(reached), "of": len(finished)}
    return {"metric": chosen, "threshold": threshold, "groups": list(groups.values())}


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.4g}"


def _steps(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.0f}"


def markdown(summary: dict[str, Any], title: str) -> str:
    """One row per setting combination: the metric's mean ± spread (sample standard
    deviation), range and per-seed values, steps to the threshold, the other final metrics'
    means."""
    metric, threshold = summary["metric"] or "final metric", summary["threshold"]
    others = sorted({key for group in summary["groups"] for key in group["stats"]
                     if key.startswith("eval_") and key != metric})
    header = ["setting", "seeds done", f"{metric} mean ± sd", "min – max", "per seed"]
    if threshold is not None:
        header += [f"first step ≤ {threshold:g} (mean; reached)", "settled step (mean; reached)"]
    header += [f"{key} mean" for key in others]
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    for group in summary["groups"]:
        stats = group["stats"].get(metric, {"n": 0})
        done = [entry for entry in group["runs"] if entry["status"] == "done"]
        per_seed = ", ".join(f"{entry['seed']}: {_number(entry['final'].get(metric))}"
                             for entry in done if "final" in entry)
        cells = [group["label"], f"{len(done)} of {len(group['runs'])}",
                 f"{_number(stats.get('mean'))} ± {_number(stats.get('std'))}" if stats["n"] else "–",
                 f"{_number(stats.get('min'))} – {_number(stats.get('max'))}" if stats["n"] else "–",
                 per_seed or "–"]
        if threshold is not None:
            for which in ("first", "settled"):
                reach = group["stats"][f"steps_to_threshold_{which}"]
                cells.append(f"{_steps(reach.get('mean'))}; {reach['reached']} of {reach['of']}")
        cells += [_number(group["stats"].get(key, {}).get("mean")) for key in others]
        lines.append("| " + " | ".join(cells) + " |")
    pending = [f"{group['label']}/seed-{entry['seed']} ({entry['status']})"
               for group in summary["groups"] for entry in group["runs"] if entry["status"] != "done"]
    lines.append("")
    if pending:
        lines.append(f"Not finished (left out of the statistics): {', '.join(pending)}. Run the "
                     "same command again to finish them.")
    else:
        lines.append("Every run finished. Values are each run's last evaluation; ± is the sample "
                     "standard deviation over seeds.")
    return "\n".join(lines) + "\n"


def write(out: str, runs: list[Run], status: dict[Run, str], title: str,
          metric: str | None = None, threshold: float | None = None) -> dict[str, Any]:
    """Write summary.md, summary.csv, summary.json and curves.png into ``out``; return the
    summary dict."""
    summary = collect(out, runs, status, metric, threshold)
    with open(os.path.join(out, "summary.json"), "w") as file:
        json.dump(summary, file, indent=2, sort_keys=True)
    with open(os.path.join(out, "summary.md"), "w") as file:
        file.write(markdown(summary, title))
    swept = sorted({key for group in summary["groups"] for key in group["settings"]})
    final_keys = sorted({key for group in summary["groups"] for entry in group["runs"]
                         for key in entry.get("final", {})})
    with open(os.path.join(out, "summary.csv"), "w", newline="") as file:
        writer = csv.writer(file)
        reach = ["first_step_under_threshold", "settled_step"] if threshold is not None else []
        writer.writerow(["label", *swept, "seed", "status", "step", *final_keys, *reach,
                         "wall_minutes"])
        for group in summary["groups"]:
            for entry in group["runs"]:
                final = entry.get("final", {})
                reached = entry.get("reached", {})
                writer.writerow([group["label"], *(group["settings"].get(k, "") for k in swept),
                                 entry["seed"], entry["status"], entry.get("step", ""),
                                 *(repr(final[k]) if k in final else "" for k in final_keys),
                                 *(reached.get(w) if reached.get(w) is not None else ""
                                   for w in ("first", "settled") if reach),
                                 "" if entry.get("wall_minutes") is None
                                 else f"{entry['wall_minutes']:.3f}"])
    curves = {}
    for group in summary["groups"]:
        traces = []
        for entry in group["runs"]:
            columns = read_metrics(os.path.join(out, entry["folder"]))
            metric_key = summary["metric"]
            if metric_key in columns:
                keep = np.isfinite(columns[metric_key])
                traces.append((columns["step"][keep], columns[metric_key][keep]))
        curves[group["label"]] = traces
    if summary["metric"]:
        sweep_curves_figure(curves, summary["metric"], os.path.join(out, "curves.png"),
                            threshold=threshold, title=title)
    return summary
