"""Where a trained NTM writes and reads on priority sort: does it do what Graves et al. (2014,
§4.5, Fig. 17) hypothesised, write each vector at a location given by its priority and read
the locations in order? (``PrioritySortNTM.report`` prints ``priority_sort_report``.)

On fresh sequences: the Spearman rank correlation between an input's priority and where its
write weighting points (the weighting's circular mean row; the memory is a ring, shifts wrap
around), the distance in rows between the write locations of inputs adjacent in priority,
and for output step k how often some read head is nearer to the k-th highest-priority
input's write location than to any other input's.
"""
from __future__ import annotations

import numpy as np


def circular_mean_row(weights: np.ndarray) -> np.ndarray:
    """weights (..., N) over a ring of N rows -> (...,) the circular mean position in [0, N)."""
    rows = weights.shape[-1]
    angles = 2 * np.pi * np.arange(rows) / rows
    x, y = weights @ np.cos(angles), weights @ np.sin(angles)
    return (np.arctan2(y, x) % (2 * np.pi)) * rows / (2 * np.pi)


def ring_distance(a: np.ndarray, b: np.ndarray, rows: int) -> np.ndarray:
    """Distance in rows between positions a and b on a ring of ``rows`` rows."""
    gap = np.abs(a - b) % rows
    return np.minimum(gap, rows - gap)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation of two 1-D arrays (no ties expected)."""
    rank_x, rank_y = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rank_x, rank_y)[0, 1])


def analyse(experiment, sequences: int, seed: int) -> dict[str, np.ndarray]:
    """Trace ``sequences`` fresh sequences; return per-sequence write/priority correlations
    (sequences,) and per-output-step read distances (sequences, num_outputs)."""
    task = experiment.task_generator
    inputs, targets, mask = task.batch(sequences, np.random.default_rng(seed))
    _, trace = experiment.trace((inputs, targets, mask))
    write = trace["write_weights"][:, :, 0]          # (time, batch, N): the first write head
    read = trace["read_weights"]                     # (time, batch, read_heads, N)
    rows = write.shape[-1]
    n_in, n_out = task.num_inputs, task.num_outputs
    priorities = inputs[:n_in, :, task.bits]         # (n_in, batch)
    write_rows = circular_mean_row(write[:n_in])     # (n_in, batch)
    correlations = np.array([spearman(priorities[:, b], write_rows[:, b]) for b in range(sequences)])
    order = np.argsort(-priorities, axis=0)[:n_out]  # (n_out, batch): k-th highest input
    wanted = np.take_along_axis(write_rows, order, axis=0)                  # (n_out, batch)
    read_rows = circular_mean_row(read[n_in + 1:n_in + 1 + n_out])          # (n_out, batch, heads)
    distances = ring_distance(read_rows, wanted[:, :, None], rows).min(axis=2)  # closest head
    # The input whose write row is nearest to each read head's row: is it the k-th highest?
    to_inputs = ring_distance(read_rows[:, :, :, None], write_rows.T[None, :, None, :], rows)
    nearest_input = to_inputs.argmin(axis=3)                                # (n_out, batch, heads)
    addressed = (nearest_input == order[:, :, None]).any(axis=2)           # (n_out, batch)
    # How far apart the write rows of inputs adjacent in priority are (what "within 1 row" means).
    ranked = np.take_along_axis(write_rows, np.argsort(-priorities, axis=0), axis=0)
    gaps = ring_distance(ranked[1:], ranked[:-1], rows)
    return {"correlations": correlations, "distances": distances.T, "addressed": addressed.T, "rows": rows, "gaps": gaps}


def wrong_bits_by_output_step(experiment, sequences: int, seed: int) -> np.ndarray:
    """(num_outputs,) mean wrong bits (of ``bits``) at each output step, highest priority first."""
    task = experiment.task_generator
    inputs, targets, mask = task.batch(sequences, np.random.default_rng(seed))
    logits = experiment.predict((inputs, targets, mask))
    answer = slice(task.num_inputs + 1, task.num_inputs + 1 + task.num_outputs)
    return ((logits[answer] > 0) != (targets[answer] > 0.5)).sum(axis=2).mean(axis=1)


def priority_sort_report(experiment, sequences: int = 500, seed: int = 2025) -> str:
    """The addressing analysis of a priority-sort run as text (wrong bits per output step for
    any model; the write and read locations for a model with a ``trace``)."""
    lines = []
    wrong = wrong_bits_by_output_step(experiment, sequences, seed)
    lines.append("  wrong bits per output step: " + " ".join(f"{w:.2f}" for w in wrong))
    if not hasattr(experiment, "trace"):
        return "\n".join(lines)
    result = analyse(experiment, sequences, seed)
    correlations, distances = result["correlations"], result["distances"]
    lines.append(f"  memory {result['rows']} rows; Spearman(priority, write row): mean "
                 f"{correlations.mean():+.3f}, 5%-95% {np.percentile(correlations, 5):+.3f} .. "
                 f"{np.percentile(correlations, 95):+.3f}")
    lines.append(f"  rows between the write rows of inputs adjacent in priority: median "
                 f"{np.median(result['gaps']):.2f}, mean {result['gaps'].mean():.2f}")
    lines.append("  output step k: fraction of sequences where some read head is nearer to the k-th "
                 "highest input's write row than to any other input's; mean distance in rows from "
                 "the nearest read head to that row")
    for k in range(distances.shape[1]):
        lines.append(f"    k={k + 1:2d}: {result['addressed'][:, k].mean():.3f}  {distances[:, k].mean():.2f}")
    return "\n".join(lines)
