"""A sweep of 6 short trainings with ``--jobs 2`` against the same 6 run one after another.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/sweep_speedup.py [--steps 3000] [--rounds 1]

The 6 runs: ``copy/lstm`` (32 units, lengths 1-5), learning rates 1e-3 and 3e-3, seeds 0-2,
``--steps`` steps each. One after another: 6 ``tinyaug train`` processes in turn, with the
environment the sweep gives its runs (one BLAS thread). Sweep: ``tinyaug sweep --jobs 2`` on
the same grid. Each round times both, in alternating order (round 1: one after another first;
round 2: the sweep first; ...), so that a change of the machine's load biases neither. Prints
wall-clock seconds, the CPU seconds of the trainings (children's user + system time) and what
they make per wall second (the cores the trainings got on average), the load average before
and after each measurement, and the speed-up (one after another / sweep).

The target is >= 1.8 on 2 cores. The speed-up is bounded by the cores the trainings actually
get: on a machine shared with other jobs, read it together with the load averages printed.
Each training (one after another too) runs in a session of its own, as the sweep's do: where
the kernel shares the CPU between sessions (autogroup), two sessions of ours get about twice
one session's share of a busy machine, so there the speed-up measures the sweep's parallelism
and not a scheduling artefact.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tinyaug.sweeps.runner import child_env, train_prefix  # noqa: E402

LRS, SEEDS = ("1e-3", "3e-3"), (0, 1, 2)


def settings(steps: int) -> list[str]:
    return ["--steps", str(steps), "--hidden-size", "32", "--max-length", "5",
            "--eval-every", str(max(steps // 4, 1)), "--checkpoint-every", str(max(steps // 4, 1)),
            "--log-every", "100"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(label: str, commands: list[list[str]]) -> tuple[float, float]:
    """Run ``commands`` one after another; (wall seconds, children's CPU seconds)."""
    load_before = os.getloadavg()[0]
    cpu, start = children_cpu(), time.perf_counter()
    for command in commands:
        # A session of its own, as the sweep gives each training: with the kernel's autogroup
        # scheduling (sched_autogroup_enabled) a session is the unit of CPU sharing, so this
        # keeps both sides on the same footing on a shared machine.
        subprocess.run(command, env=child_env(), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, start_new_session=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    print(f"  {label:22s} {wall:7.1f} s wall, {cpu:7.1f} s CPU of the trainings = "
          f"{cpu / wall:.2f} cores busy on average (load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after)", flush=True)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(f"{len(LRS) * len(SEEDS)} runs of copy/lstm, {args.steps} steps each; sweep --jobs "
          f"{args.jobs}; {os.cpu_count()} CPU cores; load average now "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    ratios = []
    for round_index in range(args.rounds):
        folder = tempfile.mkdtemp(prefix="sweep-bench-")
        try:
            one_by_one = [[*train_prefix(), "--task", "copy", "--model", "lstm", "--lr", lr,
                           "--seed", str(seed), *settings(args.steps), "--progress", "quiet",
                           "--out", os.path.join(folder, "sequential", f"{lr}-{seed}")]
                          for lr in LRS for seed in SEEDS]
            sweep = [[sys.executable, "-m", "tinyaug.cli", "sweep", "--task", "copy", "--model",
                      "lstm", "--lr", ",".join(LRS), "--seeds", ",".join(map(str, SEEDS)),
                      *settings(args.steps), "--jobs", str(args.jobs), "--progress", "quiet",
                      "--out", os.path.join(folder, "sweep")]]
            print(f"round {round_index + 1}:", flush=True)
            order = [("one after another", one_by_one), (f"sweep --jobs {args.jobs}", sweep)]
            if round_index % 2:
                order.reverse()
            timings = {label: measure(label, commands) for label, commands in order}
            ratio = timings["one after another"][0] / timings[f"sweep --jobs {args.jobs}"][0]
            ratios.append(ratio)
            print(f"  speed-up {ratio:.2f}", flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"speed-up over {len(ratios)} round(s): {', '.join(f'{r:.2f}' for r in ratios)} "
          f"(target >= 1.8)")


if __name__ == "__main__":
    main()
