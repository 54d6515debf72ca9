"""Evaluate a trained copy/ntm run and make the README figures.

    tinyaug train --task copy --model ntm --out runs/copy-ntm
    tinyaug train --task copy --model ntm --set controller=lstm --out runs/copy-ntm-lstm
    tinyaug train --task copy --model lstm --out runs/copy-lstm
    python examples/ntm_copy_report.py runs/copy-ntm --compare runs/copy-ntm-lstm runs/copy-lstm

Prints what ``tinyaug eval RUN`` reports (bits and wrong bits per sequence on 1,000 fresh
sequences of lengths 1–20, and at fixed lengths 10–120, 100 sequences each); writes
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
from tinyaug.experiments.curves import compare_learning_curves  # noqa: E402
from tinyaug.training.loop import restore_run  # noqa: E402


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
    rng = np.random.default_rng(args.seed)   # the numbers (what `tinyaug eval` prints), then the figures
    print(experiment.copy_report(rng, source=f"seed {args.seed}"))
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
            runs[label] = run_dir
        print(compare_learning_curves(runs, os.path.join(args.figures, "ntm_learning_curves.png"),
                                      title="copy: evaluation cost during training"))


if __name__ == "__main__":
    main()
