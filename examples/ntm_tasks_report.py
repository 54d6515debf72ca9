"""Score a trained repeat-copy, associative-recall or priority-sort run on fresh sequences and
draw its README figure (learning curves against sequences seen, and one test sequence's
targets beside the model's outputs).

    tinyaug train --task associative-recall --model ntm --out runs/recall-ntm
    tinyaug train --task associative-recall --model lstm --out runs/recall-lstm
    python examples/ntm_tasks_report.py runs/recall-ntm --compare runs/recall-lstm \
        --figure docs/figures/ntm_associative_recall.png

Prints bits and wrong bits per sequence (BCE in bits summed over a sequence's outputs; outputs
on the wrong side of 0.5) on ``--sequences`` fresh sequences drawn from the task's own
distribution with ``--seed`` (never the training or validation stream), for the run and for
every ``--compare`` run.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

from tinyaug.experiments import discover  # noqa: E402
from tinyaug.plots import ntm as ntm_plots  # noqa: E402
from tinyaug.training.metrics import read_metrics  # noqa: E402
from tinyaug.training.loop import restore_run  # noqa: E402
from tinyaug.experiments.sequence import bits_per_sequence, wrong_bits_per_sequence  # noqa: E402


def score(experiment, sequences: int, seed: int) -> dict[str, float]:
    """Bits and wrong bits per sequence over ``sequences`` fresh sequences, and how many of
    them have at least one wrong bit (``SequenceExperiment.score``, as in `tinyaug eval`)."""
    scores = experiment.score(sequences, np.random.default_rng(seed))
    return {"bits_per_sequence": float(scores["bits"].mean()),
            "wrong_bits_per_sequence": float(scores["wrong"].mean()),
            "sequences_with_a_wrong_bit": int((scores["wrong"] > 0).sum()), "sequences": int(sequences)}


def score_by(experiment, option: str, values, sequences: int, seed: int) -> dict[int, tuple[float, float]]:
    """Repeat copy: {value: (bits, wrong bits) per sequence} over ``sequences`` fresh sequences
    with ``option`` (``"repeats"`` or ``"length"``) fixed to each value, the rest drawn from
    the task's own law (one generator seeded ``seed`` for the whole table)."""
    rng = np.random.default_rng(seed)
    table = {}
    for value in values:
        batch = experiment.task_generator.batch(sequences, rng, **{option: int(value)})
        logits = experiment.predict(batch)
        table[int(value)] = (bits_per_sequence(logits, batch[1], batch[2]),
                             wrong_bits_per_sequence(logits, batch[1], batch[2]))
    return table


def trace_repeat_copy(experiment, length: int, repeats: int, sequences: int, seed: int) -> None:
    """Print, for ``sequences`` fresh repeat-copy sequences of one length and count, the mean
    bits (all output channels) and wrong bits at every answer step, and for the first
    sequence the row each head's weighting peaks on (and its weight) at every step."""
    batch = experiment.task_generator.batch(sequences, np.random.default_rng(seed), length=length,
                                            repeats=repeats)
    inputs, targets, mask = batch
    logits, trace = experiment.trace(batch)
    logits = logits.astype(np.float64)
    bits = (np.logaddexp(0.0, logits) - targets * logits) / np.log(2.0) * mask[:, :, None]
    wrong = ((logits > 0) != (targets > 0.5)) & (mask[:, :, None] > 0)
    answer = slice(length + 1, length + 2 + length * repeats)
    print(f"  L = {length}, R = {repeats}, {sequences} sequences (seed {seed}): "
          f"{bits.sum(axis=(0, 2)).mean():.3f} bits/sequence; answer steps {answer.start}-{answer.stop - 1}")
    print("    bits per answer step:      " + " ".join(f"{v:.2f}" for v in bits[answer].sum(axis=2).mean(axis=1)))
    print("    wrong bits per answer step: " + " ".join(f"{v:.2f}" for v in wrong[answer].sum(axis=2).mean(axis=1)))
    for name in ("read_weights", "write_weights"):
        weights = trace[name][:, 0, 0]  # (time, rows): first sequence, first head
        print(f"    {name} peak row (weight) per step: "
              + " ".join(f"{row}({weight:.2f})" for row, weight in zip(weights.argmax(-1), weights.max(-1))))


def sequences_seen(run_dir: str, config: dict) -> tuple[np.ndarray, np.ndarray]:
    """(sequences seen, evaluation bits/sequence) from a run's metrics.csv."""
    columns = read_metrics(run_dir)
    values = columns.get("eval_bits_per_sequence", np.zeros(0))
    keep = np.isfinite(values)
    return columns["step"][keep] * int(config["batch_size"]), values[keep]


def figure(path: str, runs: list[tuple[str, object, dict]], seed: int, legend_loc: str = "best") -> None:
    """Left: evaluation bits/sequence against sequences seen for every run. Right: one fresh
    test sequence of the first run, targets above outputs (outputs greyed outside the mask)."""
    first_dir, experiment, config = runs[0]
    inputs, targets, mask = experiment.task_generator.batch(1, np.random.default_rng([seed, 1]))
    logits = experiment.predict((inputs, targets, mask))
    outputs = np.where(mask[:, :, None] > 0, 1 / (1 + np.exp(-logits)), np.nan)[:, 0]
    window = slice(0, np.flatnonzero(mask[:, 0] > 0).max() + 1)
    curves = {}
    for run_dir, run_experiment, run_config in runs:
        label = f"{run_config['task']}/{run_config['model']}"
        if run_config.get("model") == "ntm":
            label += f" ({run_config['controller']} controller)"
        elif run_config.get("model") == "lstm":  # tells several LSTM baselines apart
            label += (f" ({run_config['num_layers']}×{run_config['hidden_size']}, "
                      f"batch {run_config['batch_size']})")
        curves[label] = sequences_seen(run_dir, run_config)
    title = (f"a test sequence: {bits_per_sequence(logits, targets, mask):.3f} bits, "
             f"{wrong_bits_per_sequence(logits, targets, mask):.0f} wrong bits")
    ntm_plots.curves_and_sample_figure(path, curves, (inputs[window, 0], targets[window, 0],
                                                      outputs[window]), title, legend_loc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--compare", nargs="*", default=[], help="more runs to score and plot")
    parser.add_argument("--figure", help="where to write the PNG (none if omitted)")
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--legend-loc", default="best",
                        help="matplotlib legend location of the learning curves, e.g. 'upper right'")
    parser.add_argument("--by-count", type=int, default=0, metavar="N",
                        help="repeat copy: also score N fresh sequences at each repeat count R "
                             "and at each length L (seed 11)")
    parser.add_argument("--trace", type=int, nargs=2, action="append", metavar=("L", "R"),
                        help="repeat copy: bits and wrong bits per answer step at length L and "
                             "count R (100 sequences, seed 7) and the heads' peak rows (repeatable)")
    args = parser.parse_args()
    discover()
    runs = []
    for run_dir in [args.run_dir, *args.compare]:
        experiment, config, step, wall_time = restore_run(run_dir)
        config = {**config, "task": experiment.task, "model": experiment.model_name}
        result = score(experiment, args.sequences, args.seed)
        print(f"{run_dir} ({experiment.task}/{experiment.model_name}): step {step}, "
              f"{step * int(config['batch_size']):,} sequences seen, {wall_time / 60:.1f} min of training; "
              f"{result['sequences']} fresh sequences (seed {args.seed}): "
              f"{result['bits_per_sequence']:.4f} bits/sequence, "
              f"{result['wrong_bits_per_sequence']:.4f} wrong bits/sequence, "
              f"{result['sequences_with_a_wrong_bit']} sequences with a wrong bit")
        if args.by_count and experiment.task == "repeat-copy":
            task = experiment.task_generator
            for option, low, high in (("repeats", task.min_repeats, task.max_repeats),
                                      ("length", task.min_length, task.max_length)):
                table = score_by(experiment, option, range(low, high + 1), args.by_count, seed=11)
                print(f"  by {option} ({args.by_count} sequences each, seed 11), bits / wrong bits per sequence: "
                      + "; ".join(f"{value}: {bits:.3f} / {wrong:.3f}" for value, (bits, wrong) in table.items()))
        for length, repeats in args.trace or []:
            trace_repeat_copy(experiment, length, repeats, sequences=100, seed=7)
        runs.append((run_dir, experiment, config))
    if args.figure:
        figure(args.figure, runs, args.seed, args.legend_loc)
        print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()
