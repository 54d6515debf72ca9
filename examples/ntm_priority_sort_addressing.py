"""Does a trained priority-sort NTM do what Graves et al. (2014, §4.5, Fig. 17) hypothesised:
write each vector at a location given by its priority, then read the locations in order?

    python examples/ntm_priority_sort_addressing.py runs/ps-ntm-b runs/ps-lstm-c --sequences 500

On ``--sequences`` fresh sequences (seed ``--seed``) it prints, for every run, the wrong bits
at each output step (any model), and for an NTM run it traces the model and prints:

* the Spearman rank correlation between an input's priority and where its write weighting
  points (the weighting's circular mean row; one number per sequence, their mean and range);
* the distance in rows between the write locations of inputs adjacent in priority;
* for output step k (k = 1..16), how often some read head's location is nearer to the k-th
  highest-priority input's write location than to any other input's, and the mean circular
  distance (in rows) from the nearest read head to that location.

The circular mean is used because the memory is a ring (shifts wrap around).
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

from tinyaug.experiments import discover  # noqa: E402
from tinyaug.experiments.addressing import priority_sort_report  # noqa: E402
from tinyaug.training.loop import restore_run  # noqa: E402



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dirs", nargs="+")
    parser.add_argument("--sequences", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    discover()
    for run_dir in args.run_dirs:
        experiment, config, step, _ = restore_run(run_dir)
        print(f"{run_dir} ({experiment.task}/{experiment.model_name}): step {step}, "
              f"{args.sequences} fresh sequences (seed {args.seed})")
        print(priority_sort_report(experiment, args.sequences, args.seed))


if __name__ == "__main__":
    main()
