"""One table of the DNI horizon with one step budget per (task, T): the longest length solved
by truncated BPTT and DNI on every seed, gathered from the folders of finished sweeps
(``examples/dni_curriculum_sweep.py --out DIR``), and the figure of it per task.

For each (task, model, T, seed) the first folder in ``--runs`` order holding that run
(``<task>-<model>-T<T>-s<seed>``) run to at least the budget is used, its score read at the
budget; the table notes each entry's λ (``synthetic_scale``) and M's hidden size when they
differ from the defaults. So a folder with a different DNI setting for one T can be listed
first and the main sweeps after it.

    python examples/dni_horizon_table.py --runs runs/dni/T3-lambda1 runs/dni/sweep100k runs/dni/sweep40k \\
        --budget 40000 --budget-at copy:3=100000 copy:8=100000 repeat-copy:8=100000 --figure-dir docs/figures/dni_final
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import tinyaug.experiments  # noqa: E402,F401  (registers the experiments whose defaults are read)
from tinyaug.plots.dni import LABELS, horizon_figure, longest_solved, read_metrics  # noqa: E402
from tinyaug.training.loop import default_config  # noqa: E402


def find_run(folders: list[str], name: str, budget: int) -> str | None:
    """The first folder's run ``name`` whose metrics reach ``budget`` steps, or None."""
    for folder in folders:
        metrics = os.path.join(folder, name, "metrics.csv")
        if os.path.exists(metrics) and read_metrics(metrics)["step"].max() >= budget:
            return os.path.join(folder, name)
    return None


def setting_note(run: str, task: str, model: str) -> str:
    """λ and M's hidden size where a run's differ from its experiment's defaults, e.g. ' (λ = 1)'."""
    with open(os.path.join(run, "config.json")) as file:
        config = json.load(file)["config"]
    defaults = default_config(task, model)
    notes = []
    if float(config["synthetic_scale"]) != float(defaults["synthetic_scale"]):
        notes.append(f"λ = {float(config['synthetic_scale']):g}")
    if int(config["synth_hidden"]) != int(defaults["synth_hidden"]):
        notes.append(f"M hidden {int(config['synth_hidden'])}")
    return f" ({', '.join(notes)})" if notes else ""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", nargs="+", required=True, help="sweep folders, searched in this order")
    parser.add_argument("--tasks", nargs="+", default=["copy", "repeat-copy"])
    parser.add_argument("--models", nargs="+", default=["lstm-tbptt", "lstm-dni"])
    parser.add_argument("--windows", nargs="+", type=int, default=[2, 3, 4, 5, 8])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=40000, help="steps, where --budget-at says nothing")
    parser.add_argument("--budget-at", nargs="*", default=[], metavar="TASK:T=STEPS")
    parser.add_argument("--figure-dir", default=None)
    args = parser.parse_args(argv)

    budgets = {}
    for item in args.budget_at:
        match = re.fullmatch(r"([\w-]+):(\d+)=(\d+)", item)
        if match is None:
            parser.error(f"--budget-at {item!r}: expected TASK:T=STEPS, e.g. copy:3=100000")
        budgets[(match[1], int(match[2]))] = int(match[3])
    print("| task | T | steps | " + " | ".join(LABELS.get(m, m) for m in args.models) + " |")
    print("|---|---|---|" + "---|" * len(args.models))
    for task in args.tasks:
        table: dict[str, dict[int, list[int]]] = {}
        for window in args.windows:
            budget = budgets.get((task, window), args.budget)
            cells = []
            for model in args.models:
                scores, notes = [], set()
                for seed in args.seeds:
                    run = find_run(args.runs, f"{task}-{model}-T{window}-s{seed}", budget)
                    if run is None:
                        scores.append("–")
                        continue
                    score = longest_solved(os.path.join(run, "metrics.csv"), budget)
                    scores.append(str(score))
                    notes.add(setting_note(run, task, model))
                    table.setdefault(model, {}).setdefault(window, []).append(score)
                cells.append(", ".join(scores) + "".join(sorted(notes)))
            print(f"| {task} | {window} | {budget:,} | " + " | ".join(cells) + " |")
        if args.figure_dir and table:
            os.makedirs(args.figure_dir, exist_ok=True)
            longer = [w for w in args.windows if budgets.get((task, w), args.budget) != args.budget]
            steps = f"{args.budget // 1000}k steps" + "".join(
                f"; {budgets[(task, w)] // 1000}k at T = {w}" for w in longer)
            print(horizon_figure(table, os.path.join(args.figure_dir, f"dni_{task}_horizon.png"),
                                 title=f"{task}: longest length solved ({steps})"))


if __name__ == "__main__":
    main()
