"""The character LM over several seeds: held-out bits per character against updates for
truncated BPTT and DNI at one window T (each seed a thin line, the mean a thick one, and the
paired difference DNI − truncated BPTT seed by seed), and the numbers behind it: every run's
last evaluation, the mean of its last ``--last`` evaluations, and the paired differences.
Reads run folders named chars-<model>-T<window>-s<seed> (``tinyaug train --task chars ...
--out FOLDER``).

    python examples/dni_lm_seeds.py --runs runs/dni/lm --window 8 --figure docs/figures/dni_chars_T8_seeds.png
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tinyaug.plots.dni import LABELS, read_metrics, seed_curves_figure  # noqa: E402

NAME = re.compile(r"chars-(?P<model>[a-z-]+)-T(?P<window>\d+)-s(?P<seed>\d+)$")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs/dni/lm")
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None, help="only evaluations up to this update")
    parser.add_argument("--last", type=int, default=3, help="evaluations averaged at the end")
    parser.add_argument("--baseline", default="lstm-tbptt")
    parser.add_argument("--figure", default=None)
    args = parser.parse_args(argv)

    runs: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
    for path in sorted(glob.glob(os.path.join(args.runs, "chars-*", "metrics.csv"))):
        match = NAME.match(os.path.basename(os.path.dirname(path)))
        if match is None or int(match["window"]) != args.window:
            continue
        metrics = read_metrics(path)
        keep = np.isfinite(metrics["eval_bits_per_char"])
        if args.steps is not None:
            keep &= metrics["step"] <= args.steps
        steps, values = metrics["step"][keep], metrics["eval_bits_per_char"][keep]
        if steps.size == 0:
            continue
        timed = np.isfinite(metrics["wall_time"]) & (metrics["step"] <= steps[-1])
        minutes = float(metrics["wall_time"][timed][-1]) / 60      # wall minutes to the last eval kept
        runs.setdefault(match["model"], {})[int(match["seed"])] = (steps, values)
        print(f"{match['model']:13s} T={args.window} seed {match['seed']}: {int(steps[-1])} updates, "
              f"{minutes:.1f} min; held-out bits/char last {values[-1]:.3f}, "
              f"mean of last {args.last} evals {values[-args.last:].mean():.3f}")
    base = runs.get(args.baseline, {})
    for model, by_seed in sorted(runs.items()):
        if model == args.baseline:
            continue
        last, tail = [], []
        for seed, (steps, values) in sorted(by_seed.items()):
            if seed not in base or int(base[seed][0][-1]) != int(steps[-1]):
                continue            # compare runs at the same number of updates only
            last.append(values[-1] - base[seed][1][-1])
            tail.append(values[-args.last:].mean() - base[seed][1][-args.last:].mean())
        if last:
            print(f"{model} minus {args.baseline}, paired by seed: last eval "
                  f"{np.round(last, 3).tolist()} (mean {np.mean(last):+.3f}); mean of last {args.last} "
                  f"{np.round(tail, 3).tolist()} (mean {np.mean(tail):+.3f})")
    if args.figure and runs:
        labelled = {LABELS.get(m, m): r for m, r in sorted(runs.items(), key=lambda kv: kv[0] != args.baseline)}
        print(seed_curves_figure(labelled, args.figure, "held-out bits per character",
                                 title=f"character LM (fortunes), LSTM 128, T = {args.window}",
                                 xlabel="updates (windows)", baseline=LABELS.get(args.baseline)))


if __name__ == "__main__":
    main()
