"""``tinyaug sweep``: a grid of trainings over seeds and settings, run as separate ``tinyaug
train`` processes, resumable, with one summary.

    tinyaug sweep --task copy --model lstm --seeds 0-4 --lr 1e-3,3e-3 --hidden-size 64 \\
                  [--jobs N] [--out DIR] [--metric NAME] [--threshold X] [--progress MODE] \\
                  [--executor local|dask] [--scheduler ADDRESS] [--summary-only]
    tinyaug sweep --resume DIR        # the same as typing the sweep's command again

Every ``--SETTING v1,v2,...`` is a setting of the experiment (as ``tinyaug train`` takes it);
one with several comma-separated values is swept, one with a single value is fixed for every
run. The grid is every combination of the swept values, times every seed.

The sweep knows no model or task: it asks ``tinyaug train --help-settings`` for the settings,
starts ``tinyaug train`` per run (with ``OMP_NUM_THREADS=1`` and the like set, so that N
trainings use N cores), and reads the runs' metrics.csv for its summary. Typed again, the same
command finds its folder (``sweeps/<task>-<model>-<hash>``) and resumes: finished runs are
kept, unfinished ones continue from their checkpoints (``tinyaug train --resume``). More seeds
or more values of the same swept settings reuse what is done.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Sequence

from . import grid, runner, summary
from .executors import LocalExecutor
from .errors import SweepError

SWEEP_FILE = "sweep.json"


def known_settings(task: str, model: str) -> dict[str, str]:
    """{setting: default as text} of (task, model), from ``tinyaug train --help-settings``
    run as a subprocess (the sweep imports no experiment)."""
    output = _train_output(task, model, ["--help-settings"],
                           f"cannot read the settings of {task}/{model}")
    settings = {}
    for line in output.splitlines():
        name, _, default = line.partition(" ")
        if name.startswith("--"):
            settings[name[2:].replace("-", "_")] = default
    return settings


def check_settings(task: str, model: str, settings: dict[str, list[str]],
                   known: dict[str, str]) -> None:
    if "seed" in settings:
        raise SweepError("sweep: give seeds with --seeds (e.g. --seeds 0-4), not --seed")
    unknown = [key for key in settings if key not in known and
               not (key == "heads" and "read_heads" in known)]
    if unknown:
        raise SweepError(f"sweep: unknown setting(s) {', '.join('--' + k.replace('_', '-') for k in unknown)} "
                         f"for {task}/{model}; its settings: "
                         f"{', '.join(sorted(k for k in known if k != 'seed'))}")


def resolved_config(task: str, model: str, settings: dict[str, str]) -> dict:
    """The config ``tinyaug train --task T --model M [settings] --dry-run`` would run with
    (a recipe expanded into its stages and steps), read from a subprocess."""
    output = _train_output(task, model, ["--dry-run", *runner.setting_args(settings)],
                           f"{task}/{model} with {settings}")
    return json.loads(output)["config"]


def _train_output(task: str, model: str, options: list[str], failing: str) -> str:
    """The standard output of ``tinyaug train --task T --model M OPTIONS`` run as a subprocess;
    a SweepError ``sweep: FAILING: <its last line of error>`` when it fails."""
    result = subprocess.run([*runner.train_prefix(), "--task", task, "--model", model, *options],
                            env=runner.child_env(), capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise SweepError(f"sweep: {failing}: "
                         f"{message[-1] if message else f'exit {result.returncode}'}")
    return result.stdout


def planned_steps(task: str, model: str, runs: list, known: dict[str, str]) -> dict:
    """{run: the steps it will train}, for the progress line: ``--steps`` where the sweep sets
    it, else the experiment's default; a recipe (``--recipe``, or one in the experiment's
    defaults) may set its own length, so a setting combination with a recipe (and no
    ``--steps``) asks ``--dry-run`` once."""
    resolved: dict[tuple, int] = {}
    steps = {}
    for run in runs:
        recipe = run.settings.get("recipe", known.get("recipe", ""))
        if "steps" in run.settings or not recipe:
            steps[run] = int(float(run.settings.get("steps", known.get("steps", "0"))))
            continue
        key = tuple(sorted(run.settings.items()))
        if key not in resolved:
            resolved[key] = int(resolved_config(task, model, run.settings)["steps"])
        steps[run] = resolved[key]
    return steps


def _read_sweep_file(out: str) -> dict | None:
    path = os.path.join(out, SWEEP_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as file:
        return json.load(file)


def _write_sweep_file(out: str, record: dict) -> None:
    os.makedirs(out, exist_ok=True)
    temporary = os.path.join(out, SWEEP_FILE + ".tmp")
    with open(temporary, "w") as file:
        json.dump(record, file, indent=2, sort_keys=True)
    os.replace(temporary, os.path.join(out, SWEEP_FILE))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinyaug sweep", allow_abbrev=False,
        description="Train a grid of settings x seeds as separate processes, resumably, and "
                    "summarise it.",
        epilog="Any setting of the experiment is --SETTING VALUE (fixed) or --SETTING v1,v2,... "
               "(swept); `tinyaug train --task T --model M --help-settings` lists them.")
    parser.add_argument("--task")
    parser.add_argument("--model")
    parser.add_argument("--seeds", default="0-2", help="seeds, e.g. 0-4 or 0,3,7 (default 0-2)")
    parser.add_argument("--jobs", type=int,
                        help="trainings at once (default: the number of CPU cores)")
    parser.add_argument("--out", help="sweep folder (default sweeps/<task>-<model>-<hash>)")
    parser.add_argument("--resume", metavar="DIR", help="continue the sweep saved in DIR")
    parser.add_argument("--set", action="append", metavar="KEY=V1,V2",
                        help="a setting, as --KEY V1,V2 (repeatable)")
    parser.add_argument("--metric", help="the evaluation metric the summary leads with and the "
                        "figure draws (default: the runs' first eval_ column)")
    parser.add_argument("--threshold", type=float,
                        help="report the steps at which the metric first / for good got <= this")
    parser.add_argument("--progress", choices=("auto", "line", "lines", "quiet"), default="auto")
    parser.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="local processes (default) or a Dask cluster (pip install "
                             "tinyaug[dask])")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --executor dask: a running scheduler (default: a local "
                             "cluster of --jobs workers)")
    parser.add_argument("--summary-only", action="store_true",
                        help="train nothing; rewrite the summary from the runs there are")
    return parser


def _executor(args, jobs: int):
    if args.executor == "dask":
        from .dask_executor import DaskExecutor
        return DaskExecutor(jobs, address=args.scheduler)
    if args.scheduler:
        raise SweepError("sweep: --scheduler needs --executor dask")
    return LocalExecutor(jobs)


def main(argv: Sequence[str] | None = None) -> int:
    """``tinyaug sweep ...``; returns 0 when every run finished, 130 when interrupted, 1 when a
    run failed, 2 on a bad command."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except SweepError as error:
        print(f"tinyaug: {error}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    settings = grid.settings_from_flags(
        [token for item in (args.set or []) for token in ("--" + item.partition("=")[0],
                                                          item.partition("=")[2])] + extra)
    if args.resume:
        record = _read_sweep_file(args.resume)
        if record is None:
            raise SweepError(f"sweep: {args.resume!r} holds no {SWEEP_FILE}")
        if args.task or args.model or settings or args.out:
            raise SweepError("sweep: --resume DIR takes the sweep from DIR/sweep.json; only "
                             "--jobs, --progress, --executor, --scheduler, --metric, "
                             "--threshold and --summary-only may be given with it")
        out = args.resume
        task, model = record["identity"]["task"], record["identity"]["model"]
        settings, seeds = record["settings"], record["seeds"]
        metric = args.metric or record.get("metric")
        threshold = args.threshold if args.threshold is not None else record.get("threshold")
    else:
        if not args.task or not args.model:
            raise SweepError("sweep: needs --task and --model (or --resume DIR); see "
                             "`tinyaug list`")
        task, model = args.task, args.model
        seeds = grid.parse_seeds(args.seeds)
        metric, threshold = args.metric, args.threshold
        out = args.out or grid.default_out(grid.identity(task, model, settings))
    identity = grid.identity(task, model, settings)
    saved = _read_sweep_file(out)
    if saved is not None and saved["identity"] != identity:
        raise SweepError(f"sweep: {out} holds another sweep ({json.dumps(saved['identity'])}); "
                         "use another --out, or --resume it")
    known = known_settings(task, model)
    check_settings(task, model, settings, known)
    runs = grid.expand(settings, seeds)
    total_steps = planned_steps(task, model, runs, known)
    title = f"{task}/{model}, seeds {','.join(map(str, seeds))}"
    record = {"identity": identity, "settings": settings, "seeds": seeds, "metric": metric,
              "threshold": threshold}
    if args.summary_only:
        if not os.path.isdir(out):
            raise SweepError(f"sweep: --summary-only: {out} does not exist")
        status = {run: runner.run_state(run.folder(out)) for run in runs}
        interrupted = failed = False
    else:
        executor = _executor(args, min(args.jobs or os.cpu_count() or 1, len(runs)))
        os.makedirs(out, exist_ok=True)
        try:
            with runner.SweepLock(out):
                _write_sweep_file(out, record)
                progress = runner.SweepProgress(f"{task}/{model}", sys.stderr, args.progress)
                outcome = runner.run_all(task, model, out, runs, total_steps, executor, progress)
        finally:
            executor.close()
        status, interrupted = outcome.status, outcome.interrupted
        failed = any(state == "failed" for state in status.values())
    summary.write(out, runs, status, title, metric, threshold)
    with open(os.path.join(out, "summary.md")) as file:
        print(file.read(), end="")
    print(f"summary: {os.path.join(out, 'summary.md')} (.csv, .json), figure "
          f"{os.path.join(out, 'curves.png')}", file=sys.stderr)
    if interrupted:
        print(f"sweep interrupted; continue with the same command or: tinyaug sweep --resume {out}",
              file=sys.stderr)
        return 130
    return 1 if failed else 0
