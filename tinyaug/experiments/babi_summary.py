"""The bAbI-style results table and figure from run folders.

    python -m tinyaug.experiments.babi_summary RUNS_DIR [--figure PATH] [--runs memn2n=babi-{id}-memn2n ...]
                                                [--select NAME=COLUMN_A,COLUMN_B,... ...]

Each ``--runs MODEL=PATTERN`` names the run folder of each task type (``{id}`` is replaced by
the task id; default ``memn2n=babi-{id}-memn2n`` and ``lstm=babi-{id}-lstm``). The test error
is the last evaluation's ``eval_error`` in the run's metrics.csv (the whole test set, 1,000
questions). Prints a Markdown table (with steps and minutes) and draws the per-task error bars
beside the published means (real bAbI; ours are generated data). ``--select NAME=A,B,...``
adds a column taking, for each task, the run of those columns with the lowest training error
(Sukhbaatar et al. picked the best of 10 runs by training error; the test error plays no part).
``--select-valid NAME=A,B,...`` takes instead the run with the lowest error on 1,000 held-out
generated questions (``BabiTask.validation``: stories in neither split), loading each run's
checkpoint; it prints each candidate's validation error.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

from ..tasks.babi import TASK_IDS
from ..training.metrics import read_metrics

#: Mean test error (%) on the real bAbI tasks (10k training), from the seed slides' table
#: (PAPERS.md): MemN2N single-task, and the DNC/NTM/LSTM joint-training best runs.
PUBLISHED_MEANS = {"MemN2N single-task": 4.2, "DNC (best)": 3.8, "LSTM": 25.2}


def final_result(run_dir: str) -> tuple[float, int, float, float] | None:
    """(test error %, steps, minutes, training error %) of a run's last evaluation, or None
    (the training error is measured on 1,000 training questions)."""
    columns = read_metrics(run_dir)
    if "eval_error" not in columns:
        return None
    rows = np.flatnonzero(np.isfinite(columns["eval_error"]))
    if not len(rows):
        return None
    last = rows[-1]
    train = columns.get("eval_train_error", np.full(len(rows) + 1, np.nan))[last]
    return (100.0 * float(columns["eval_error"][last]), int(columns["step"][last]),
            float(columns["wall_time"][last]) / 60.0, 100.0 * float(train))


def _lowest_training_error(runs):
    found = [run for run in runs if run is not None]
    return min(found, key=lambda run: run[3]) if found else None


def validation_error(run_dir: str, questions: int = 1000) -> float:
    """Error % of a saved bAbI run on ``questions`` held-out generated questions."""
    from ..training.loop import restore_run
    experiment, _, _, _ = restore_run(run_dir)
    data = experiment.qa.validation(questions)
    return 100.0 * float(np.mean(experiment.predict(data).argmax(1) != data.answer))


def collect(runs_dir: str, patterns: dict[str, str]) -> dict[str, list]:
    return {model: [final_result(os.path.join(runs_dir, pattern.format(id=task_id)))
                    for task_id in TASK_IDS] for model, pattern in patterns.items()}


def markdown(results: dict[str, list]) -> str:
    models = list(results)
    lines = ["| task | " + " | ".join(f"{m}: test error % (train %; steps, min)" for m in models) + " |",
             "|---|" + "---|" * len(models)]
    for index, task_id in enumerate(TASK_IDS):
        cells = []
        for model in models:
            found = results[model][index]
            cells.append("not run" if found is None else
                         f"{found[0]:.1f} ({found[3]:.1f}; {found[1]}, {found[2]:.0f})")
        lines.append(f"| {task_id} | " + " | ".join(cells) + " |")
    means = []
    for model in models:
        values = [r[0] for r in results[model] if r is not None]
        means.append(f"{np.mean(values):.1f} over {len(values)} types" if values else "-")
    lines.append("| mean | " + " | ".join(means) + " |")
    return "\n".join(lines)


def _named(parser: argparse.ArgumentParser, option: str, item: str) -> tuple[str, str]:
    """``NAME=VALUE`` -> (NAME, VALUE); a usage error naming the option otherwise."""
    name, equals, value = item.partition("=")
    if not equals or not name or not value:
        parser.error(f"{option} {item!r}: expected NAME=VALUE")
    return name, value


def _selection(parser: argparse.ArgumentParser, option: str, item: str,
               results: dict[str, list]) -> tuple[str, list[str]]:
    """``NAME=A,B,...`` -> (NAME, [A, B, ...]), each an existing column."""
    name, sources = _named(parser, option, item)
    columns = sources.split(",")
    unknown = [column for column in columns if column not in results]
    if unknown:
        parser.error(f"{option} {item!r}: unknown column(s) {', '.join(unknown)}; "
                     f"columns: {', '.join(results)}")
    return name, columns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinyaug.experiments.babi_summary",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("runs_dir")
    parser.add_argument("--figure", default="")
    parser.add_argument("--runs", nargs="*", default=["memn2n=babi-{id}-memn2n", "lstm=babi-{id}-lstm"])
    parser.add_argument("--select", nargs="*", default=[])
    parser.add_argument("--select-valid", nargs="*", default=[])
    parser.add_argument("--plot-columns", default="", help="comma-separated columns to draw (default all)")
    args = parser.parse_args(argv)
    patterns = dict(_named(parser, "--runs", item) for item in args.runs)
    results = collect(args.runs_dir, patterns)
    for item in args.select:
        name, columns = _selection(parser, "--select", item, results)
        results[name] = [_lowest_training_error(runs) for runs in zip(*(results[c] for c in columns))]
    for item in args.select_valid:
        name, columns = _selection(parser, "--select-valid", item, results)
        chosen = []
        for index, task_id in enumerate(TASK_IDS):
            candidates = [column for column in columns if results[column][index]]
            if len(candidates) <= 1:            # nothing to choose between: not evaluated
                chosen.append(results[candidates[0]][index] if candidates else None)
                continue
            errors = {}
            for column in candidates:
                errors[column] = validation_error(
                    os.path.join(args.runs_dir, patterns[column].format(id=task_id)))
                print(f"validation: task {task_id} {column}: {errors[column]:.1f}%")
            chosen.append(results[min(candidates, key=errors.__getitem__)][index])
        results[name] = chosen
    print(markdown(results))
    if args.figure:
        from ..plots.babi import error_bars_figure
        shown = args.plot_columns.split(",") if args.plot_columns else list(results)
        errors = {model: [np.nan if r is None else r[0] for r in results[model]] for model in shown}
        print(error_bars_figure(args.figure, list(TASK_IDS), errors, PUBLISHED_MEANS,
                                title="bAbI-style tasks (our generated data, 10k training questions "
                                      "each, single-task) vs published means on the real bAbI set"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
