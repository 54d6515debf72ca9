"""The DNI horizon sweep (Jaderberg et al. 2017, Table 1's copy / repeat-copy columns): an LSTM
under the length curriculum for every window T, with and without synthetic gradients; each
run is one ``tinyaug train`` command (printed before it starts), at most ``--jobs`` at once.
Runs that already finished (a metrics.csv reaching the step budget) are skipped, so the
command can be repeated to add seeds. Then the figure of longest length solved against T.

    python examples/dni_curriculum_sweep.py --tasks copy repeat-copy --seeds 0 --steps 20000
    python examples/dni_curriculum_sweep.py --figure-only      # redraw from the finished runs
    # a DNI setting other than the default, e.g. λ = 1, for every run of the sweep
    python examples/dni_curriculum_sweep.py --tasks copy --windows 3 --set synthetic_scale=1 --out runs/dni/lambda1
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tinyaug.plots.dni import horizon_figure, longest_solved  # noqa: E402


def run_dir(out: str, task: str, model: str, window: int, seed: int) -> str:
    return os.path.join(out, f"{task}-{model}-T{window}-s{seed}")


def finished(path: str, steps: int) -> bool:
    metrics = os.path.join(path, "metrics.csv")
    if not os.path.exists(metrics):
        return False
    with open(metrics) as file:
        last = file.read().strip().splitlines()[-1]
    return last.split(",")[0] == str(steps)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["copy", "repeat-copy"])
    parser.add_argument("--models", nargs="+", default=["lstm-tbptt", "lstm-dni"])
    parser.add_argument("--windows", nargs="+", type=int, default=[2, 3, 4, 5, 8])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="runs/dni")
    parser.add_argument("--figure-dir", default="docs/figures")
    parser.add_argument("--figure-only", action="store_true")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="extra settings passed to every run (tinyaug train --set KEY=VALUE)")
    args = parser.parse_args(argv)

    queue = [(task, model, window, seed) for seed in args.seeds for task in args.tasks
             for window in args.windows for model in args.models]
    running: list = []
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    while queue and not args.figure_only:
        running = [p for p in running if p.poll() is None]
        if len(running) >= args.jobs:
            time.sleep(2)
            continue
        task, model, window, seed = queue.pop(0)
        path = run_dir(args.out, task, model, window, seed)
        if finished(path, args.steps):
            continue
        command = [sys.executable, "-m", "tinyaug.cli", "train", "--task", task, "--model", model,
                   "--steps", str(args.steps), "--seed", str(seed), "--set", f"window={window}",
                   *[a for kv in args.set for a in ("--set", kv)],
                   "--out", path, "--progress", "quiet"]
        print(" ".join(command[1:]), flush=True)
        os.makedirs(path, exist_ok=True)
        running.append(subprocess.Popen(command, env=env, stdout=open(os.path.join(path, "log.txt"), "w"),
                                        stderr=subprocess.STDOUT))
    for process in running:
        process.wait()

    os.makedirs(args.figure_dir, exist_ok=True)
    for task in args.tasks:
        table = {}
        for model in args.models:
            for window in args.windows:
                for seed in args.seeds:
                    path = run_dir(args.out, task, model, window, seed)
                    if finished(path, args.steps):  # unfinished runs are left out
                        table.setdefault(model, {}).setdefault(window, []).append(
                            longest_solved(os.path.join(path, "metrics.csv"), args.steps))
        for model, by_window in sorted(table.items()):
            print(task, model, {w: v for w, v in sorted(by_window.items())})
        if table:
            print(horizon_figure(table, os.path.join(args.figure_dir, f"dni_{task}_horizon.png"),
                                 title=f"{task}: longest length solved in {args.steps} steps"))


if __name__ == "__main__":
    main()
