"""Evaluate a trained copy/ntm run and make the README figures.

    tinyaug train --task copy --model ntm --out runs/copy-ntm
    tinyaug train --task copy --model ntm --set controller=lstm --out runs/copy-ntm-lstm
    tinyaug train --task copy --model lstm --out runs/copy-lstm
    python examples/ntm_copy_report.py runs/copy-ntm --compare runs/copy-ntm-lstm runs/copy-lstm

Prints bits and wrong bits per sequence on 1,000 fresh sequences of lengths 1–20, and wrong
bits per sequence at fixed lengths 10–120 (100 sequences each); writes
docs/figures/ntm_generalisation.png, ntm_memory_use.png and (with --compare)
ntm_learning_curves.png (paper Figs. 3–6).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

from tinyaug.experiments import discover  # noqa: E402
from tinyaug.experiments.ntm import evaluate_copy_lengths  # noqa: E402
from tinyaug.plots import curves  # noqa: E402
from tinyaug.training.loop import restore_run  # noqa: E402
from tinyaug.training.metrics import read_metrics  # noqa: E402
from tinyaug.experiments.sequence import bits_per_sequence, wrong_bits_per_sequence  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--compare", nargs="*", default=[], help="more run folders for the learning-curve figure")
    parser.add_argument("--figures", default="docs/figures")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    discover()
    experiment, config, step, wall_time = restore_run(args.run_dir)
    print(f"{args.run_dir}: step {step}, {wall_time / 60:.1f} min of training")
    rng = np.random.default_rng(args.seed)
    bits, wrong, zero_first = [], [], []
    for _ in range(10):  # 1,000 fresh sequences of lengths 1–20
        batch = experiment.task_generator.batch(100, rng)
        logits = experiment.predict(batch)
        for index in range(100):  # per sequence, to single out the all-zero-first-vector case
            one = (logits[:, index:index + 1], batch[1][:, index:index + 1], batch[2][:, index:index + 1])
            bits.append(bits_per_sequence(*one))
            wrong.append(wrong_bits_per_sequence(*one))
            zero_first.append(not batch[0][0, index, :-1].any())
    bits, wrong, zero_first = np.array(bits), np.array(wrong), np.array(zero_first)
    print(f"lengths 1–20, 1,000 sequences: {bits.mean():.4f} bits/sequence, "
          f"{wrong.mean():.4f} wrong bits/sequence")
    if zero_first.any():
        print(f"  {zero_first.sum()} sequences start with an all-zero vector: "
              f"{bits[zero_first].mean():.1f} bits, {wrong[zero_first].mean():.1f} wrong bits each")
    print(f"  the other {(~zero_first).sum()}: {bits[~zero_first].mean():.4f} bits/sequence, "
          f"{wrong[~zero_first].mean():.4f} wrong bits/sequence, "
          f"{(wrong[~zero_first] > 0).sum()} sequences with a wrong bit")
    for length, (b, w) in evaluate_copy_lengths(experiment, [10, 20, 30, 40, 50, 80, 120], 100, rng).items():
        print(f"length {length:4d}: {b:9.3f} bits/sequence, {w:8.3f} wrong bits/sequence ({8 * length} bits)")
    os.makedirs(args.figures, exist_ok=True)
    print(experiment.generalisation_figure(os.path.join(args.figures, "ntm_generalisation.png"), rng))
    print(experiment.memory_use_figure(os.path.join(args.figures, "ntm_memory_use.png"), rng))
    if args.compare:
        runs = {}
        for run_dir in [args.run_dir] + args.compare:
            _, other, _, _ = restore_run(run_dir)
            label = f"{'NTM' if 'controller' in other else 'LSTM'}"
            if "controller" in other:
                label += f" ({other['controller']} controller)"
            else:
                label += f" baseline ({other.get('num_layers', 1)}×{other.get('hidden_size', '?')})"
            columns = read_metrics(run_dir)
            runs[label] = (columns["step"] * int(other.get("batch_size", 1)) / 1000,
                           columns["eval_bits_per_sequence"])
        print(curves.compare_curves(runs, os.path.join(args.figures, "ntm_learning_curves.png"),
                                    "sequences seen (thousands)", "bits per sequence",
                                    title="copy: evaluation cost during training", log_y=True))


if __name__ == "__main__":
    main()
