"""SAM figures (Rae, Hunt et al. 2016): the scaling figure (time and memory of one training step
against the number of memory words, log–log, like the paper's Fig. 1 / the slides' "Sparse DNC
efficiency") and learning curves of several runs on one axis (bits per sequence against
sequences seen).

Drawn from arrays only; ``python examples/sam_figures.py`` reads the benchmark's
JSON and run folders and calls these.
"""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure

STYLE = {"sam-exact": ("SAM, exact top-K", "tab:blue", "o"),
         "sam-hnsw": ("SAM, approximate (HNSW)", "tab:green", "s"),
         "ntm-dense": ("NTM (dense)", "tab:red", "^")}


def scaling_figure(results: dict, path: str) -> str:
    """``results``: the JSON of ``benchmarks/sam_scaling.py`` ({"setting", "results": [{model,
    rows, seconds, rss_peak_mib, tracemalloc_peak_mib, measured}]}). Two panels: seconds per
    step, and peak memory (resident set, solid; tracemalloc, dotted) against N; extrapolated
    points hollow on dashed lines."""
    plt = pyplot()
    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for model, (label, colour, marker) in STYLE.items():
        rows = [r for r in results["results"] if r["model"] == model and r.get("seconds") is not None]
        if not rows:
            continue
        for measured, line in ((True, "-"), (False, "--")):
            chosen = [r for r in rows if bool(r.get("measured")) == measured]
            if not chosen:
                continue
            if not measured:  # draw the dashed line from the last measured point
                chosen = [r for r in rows if r.get("measured")][-1:] + chosen
            n = [r["rows"] for r in chosen]
            face = colour if measured else "none"
            suffix = "" if measured else " (extrapolated)"
            time_axis.plot(n, [r["seconds"] for r in chosen], line, color=colour, marker=marker,
                           markerfacecolor=face, label=label + suffix)
            memory_axis.plot(n, [r["rss_peak_mib"] for r in chosen], line, color=colour, marker=marker,
                             markerfacecolor=face, label=label + " RSS" + suffix)
            memory_axis.plot(n, [r["tracemalloc_peak_mib"] for r in chosen], ":", color=colour,
                             marker=marker, markerfacecolor="none", alpha=0.6,
                             label=(label + " tracemalloc") if measured else None)
    setting = results.get("setting", {})
    for axis, ylabel in ((time_axis, "seconds per training step"), (memory_axis, "peak memory (MiB)")):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("memory words N")
        axis.set_ylabel(ylabel)
        axis.grid(True, which="both", alpha=0.3)
    time_axis.legend(fontsize=7)
    memory_axis.legend(fontsize=6)
    figure.suptitle(f"one step, batch {setting.get('batch', '?')}, T = {setting.get('time_steps', '?')}, "
                    f"{setting.get('read_heads', '?')} read heads, K = {setting.get('sparsity', '?')}, "
                    f"W = {setting.get('width', '?')} (1 thread, shared machine)", fontsize=9)
    return save_figure(figure, path)


def curves_figure(lines: dict[str, tuple], path: str, target: float = 0.1, title: str = "") -> str:
    """``lines``: {label: (sequences seen, bits per sequence, metric name, batch size)}, one
    curve each on log–log axes, with the target as a dotted line."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6.5, 4))
    for label, (sequences, values, name, batch) in lines.items():
        keep = np.isfinite(values) & (sequences > 0)      # log x: the step-0 point is left out
        shown = name.replace('eval_', '').replace('_', ' ')
        axis.plot(sequences[keep], values[keep], label=f"{label} ({shown}, batch {batch})")
    axis.axhline(target, color="grey", linestyle=":", label=f"{target} bits")
    axis.set_yscale("log")
    axis.set_xscale("log")
    axis.set_xlabel("sequences seen")
    axis.set_ylabel("bits per sequence")
    axis.set_title(title, fontsize=9)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    return save_figure(figure, path)


def lengths_figure(lines: dict[str, tuple], path: str, title: str = "") -> str:
    """``lines``: {label: (lengths, wrong bits per sequence, bits per sequence, bits per vector,
    longest training length or None)}, the first three arrays with one entry per length. Two
    panels against the sequence length (log x): the fraction of output bits on the wrong side
    of 0.5 (0 = perfect, 0.5 = chance), and the bits per sequence (log y). Each model's longest
    training length is a dashed vertical line in its colour."""
    plt = pyplot()
    figure, (wrong_axis, bits_axis) = plt.subplots(1, 2, figsize=(10, 4))
    markers = "osd^v<>"
    for number, (label, (lengths, wrong, bits, width, longest)) in enumerate(lines.items()):
        lengths, wrong, bits = (np.asarray(a, dtype=float) for a in (lengths, wrong, bits))
        marker = markers[number % len(markers)]
        line, = wrong_axis.plot(lengths, wrong / (lengths * width), marker=marker, label=label)
        bits_axis.plot(lengths, np.maximum(bits, 1e-4), marker=marker, label=label, color=line.get_color())
        if longest:
            for axis in (wrong_axis, bits_axis):
                axis.axvline(longest, color=line.get_color(), linestyle="--", alpha=0.6)
    for axis in (wrong_axis, bits_axis):
        axis.set_xscale("log")
        axis.set_xlabel("vectors to copy (dashed: longest training length)")
        axis.grid(True, which="both", alpha=0.3)
    wrong_axis.axhline(0.5, color="grey", linestyle=":", label="chance")
    wrong_axis.set_ylabel("fraction of output bits wrong")
    wrong_axis.set_ylim(-0.02, 0.6)
    bits_axis.set_yscale("log")
    bits_axis.set_ylabel("bits per sequence (BCE)")
    wrong_axis.legend(fontsize=7)
    figure.suptitle(title, fontsize=9)
    return save_figure(figure, path)
