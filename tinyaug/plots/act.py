"""Figures of Adaptive Computation Time runs (Graves 2016), drawn from arrays: ponder steps
over a sequence, error and ponder time against τ or against input difficulty, and the
halting histogram."""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def ponder_sequence_figure(path: str, steps: np.ndarray, title: str, labels=None,
                           xlabel: str = "input step t") -> str:
    """Bar chart of N(t) over the input steps of one sequence; ``labels`` name the steps."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(5, 2.6), dpi=100)
    axes.bar(np.arange(1, len(steps) + 1), steps, color="tab:blue")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("ponder steps N(t)")
    if labels is not None:
        axes.set_xticks(np.arange(1, len(steps) + 1), labels, fontsize=7)
    axes.set_title(title)
    return save_figure(figure, path)


def tau_sweep_figure(path: str, taus, errors, ponders, title: str = "") -> str:
    """Error rate and mean ponder time ρ against the time penalty τ (Graves 2016, Figs. 4
    and 8): one point per τ."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3), dpi=100)
    left.plot(taus, errors, "o-")
    left.set_ylabel("error rate")
    right.plot(taus, ponders, "o-", color="tab:orange")
    right.set_ylabel("mean ponder ρ = N + R")
    for axes in (left, right):
        axes.set_xscale("log")
        axes.minorticks_off()          # a narrow τ range otherwise gets overlapping minor labels
        axes.set_xticks(taus, [f"{tau:g}" for tau in taus])
        axes.set_xlabel("time penalty τ")
        axes.grid(True, alpha=0.3)
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def steps_and_error_figure(path: str, values, steps, errors, xlabel: str, ylabel: str,
                           error_label: str, title: str, error_ylim: bool = True) -> str:
    """Mean ponder steps (left axis, circles) and error (right axis, red squares) against a
    property of the inputs (digits per number, gates per vector, ±1 entries)."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(5, 3), dpi=100)
    axes.plot(values, steps, "o-", label="mean ponder steps N")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    twin = axes.twinx()
    twin.plot(values, errors, "s--", color="tab:red", markersize=3, label="error")
    twin.set_ylabel(error_label, color="tab:red")
    if error_ylim:
        twin.set_ylim(0, max(0.05, float(np.max(errors)) * 1.1))
    axes.grid(True, alpha=0.3)
    axes.set_title(title)
    return save_figure(figure, path)


def halting_histogram_figure(path: str, rows: list[dict[str, float]], title: str) -> str:
    """Bars: share of input steps that halt after N ponder steps; dots: the error among them.
    ``rows``: {"steps", "fraction", "error"} per N."""
    plt = pyplot()
    steps = np.array([row["steps"] for row in rows])
    figure, axes = plt.subplots(figsize=(5, 3), dpi=100)
    axes.bar(steps, [row["fraction"] for row in rows], color="tab:blue", alpha=0.7)
    axes.set_xlabel("ponder steps N")
    axes.set_ylabel("share of examples", color="tab:blue")
    axes.set_xticks(steps)
    twin = axes.twinx()
    twin.plot(steps, [row["error"] for row in rows], "s", color="tab:red")
    twin.set_ylabel("error among them", color="tab:red")
    twin.set_ylim(0, max(0.05, max(row["error"] for row in rows) * 1.15))
    axes.set_title(title)
    return save_figure(figure, path)
