"""The ``tinyaug`` command.

    tinyaug list
    tinyaug train --task copy --model lstm [--steps N] [--batch-size B] [--lr LR] [--seed S]
                  [--out DIR] [--set key=value ...] [--progress auto|bar|lines|quiet]
                  [--<setting> VALUE ...]
    tinyaug train --resume DIR [--steps N]
    tinyaug train --task T --model M --init-from DIR [--setting VALUE ...]   (fine-tune)
    tinyaug train --task T --model M ... --dry-run     (check a command: print the settings)
    tinyaug eval DIR [--batches K] [--no-report]
    tinyaug plot DIR
    tinyaug explain DIR "question"
    tinyaug sweep --task T --model M --seeds 0-4 [--SETTING v1,v2 ...] [--jobs N]  (tinyaug.sweeps)

``python -m tinyaug ...`` is the same command. Experiments come from every module of
``tinyaug.experiments`` (importing that package registers them all).

Errors a user can make (a bad or out-of-range setting, an unknown task or model, a missing run
folder, a damaged checkpoint or config.json) print one line ``tinyaug: ...`` naming the flag or
file and what is expected, and exit with status 2. ``--traceback`` (anywhere on the line) or
``TINYAUG_DEBUG=1`` shows the full traceback instead.

A command is a ``_cmd_<name>(args) -> int`` function and an ``add_parser`` block in
``build_parser`` that sets ``handler=_cmd_<name>``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Sequence

import numpy as np

from .checkpoint import CheckpointError
from .errors import TinyaugError
from .tasks import TASKS
from .training import loop
from .training.experiment import EXPERIMENTS


class UsageError(Exception):
    """A mistake on the command line: printed as one line ``tinyaug: ...``, exit status 2."""


def _checked(convert, is_valid, expected: str):
    """An argparse type: ``convert`` the text, and reject it unless ``is_valid`` says so,
    with one line naming what is ``expected``."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not is_valid(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    parse.__name__ = expected
    return parse


_positive_int = _checked(int, lambda value: value >= 1, "a positive integer")
_non_negative_int = _checked(int, lambda value: value >= 0, "an integer >= 0")
_positive_float = _checked(float, lambda value: 0 < value < float("inf"), "a positive number")


#: Loop and batch settings every experiment shares, and what each must be.
_POSITIVE_INT_SETTINGS = ("steps", "batch_size", "eval_batch_size", "eval_every",
                          "checkpoint_every", "log_every")


def _parse_value(key: str, text: str, default: Any) -> Any:
    """``text`` converted to the type of ``default`` (bool, int, float, str), else JSON."""
    try:
        if isinstance(default, bool):
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, str):
            return text
    except ValueError:
        raise UsageError(f"--set {key}={text}: expected a {type(default).__name__}") from None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _setting_flags(tokens: Sequence[str], defaults: dict[str, Any]) -> list[str]:
    """``--tau 0.001 --controller=lstm`` → ``["tau=0.001", "controller=lstm"]``.

    Any setting of the experiment may be given as its own flag (dashes or underscores);
    ``--heads R[,W]`` sets ``read_heads`` and ``write_heads`` together (one number: both).
    Anything else is an error that lists the experiment's settings."""
    items: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.startswith("--") or token == "--":
            raise UsageError(f"train: unexpected argument {token!r}")
        name, has_value, value = token[2:].partition("=")
        if not has_value:
            if index + 1 >= len(tokens) or tokens[index + 1].startswith("--"):
                raise UsageError(f"train: {token} needs a value")
            index += 1
            value = tokens[index]
        key = name.replace("-", "_")
        if key == "heads" and "heads" not in defaults and "read_heads" in defaults:
            read, _, write = value.partition(",")
            items += [f"read_heads={read}", f"write_heads={write or read}"]
        elif key in defaults:
            items.append(f"{key}={value}")
        else:
            raise UsageError(f"train: unknown option --{name} for this experiment; its "
                             f"settings (each usable as --<setting> VALUE or --set key=value): "
                             f"{', '.join(sorted(defaults))}")
        index += 1
    return items


def _overrides(args, defaults: dict[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in list(args.set or []) + _setting_flags(args.extra, defaults):
        if "=" not in item:
            raise UsageError(f"--set expects key=value, got {item!r}")
        key, text = item.split("=", 1)
        if key not in defaults:
            raise UsageError(f"unknown setting {key!r} for this experiment; known: "
                             f"{', '.join(sorted(defaults))}")
        overrides[key] = _parse_value(key, text, defaults[key])
    for flag, key in (("steps", "steps"), ("batch_size", "batch_size"), ("lr", "lr"), ("seed", "seed")):
        value = getattr(args, flag, None)
        if value is not None:
            if key not in defaults:
                raise UsageError(f"--{flag.replace('_', '-')} is not a setting of this experiment")
            overrides[key] = value
    _check_shared_settings({**defaults, **overrides}, overrides)
    return overrides


def _check_shared_settings(config: dict[str, Any], given: dict[str, Any]) -> None:
    """The loop's and batches' settings must be positive integers, the learning rate positive."""
    for key in _POSITIVE_INT_SETTINGS:
        value = config.get(key)
        if key in config and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise UsageError(f"{_flag(key, given)}: expected a positive integer, got {value!r}")
    lr = config.get("lr")
    if "lr" in config and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0):
        raise UsageError(f"{_flag('lr', given)}: expected a positive number, got {lr!r}")


def _flag(key: str, given: dict[str, Any]) -> str:
    return f"--{key.replace('_', '-')}" if key in given else f"setting {key}"


def _discover(stream) -> None:
    """Import every experiment module; say which failed (the others still work)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from .experiments import discover
    for module, error in discover().items():
        print(f"tinyaug: warning: experiments module {module!r} failed to import: {error}",
              file=stream)


def _cmd_list(args) -> int:
    """The registered (task, model) pairs, then every task with its parameters."""
    if not EXPERIMENTS:
        print("no experiments registered")
    for task, model in sorted(EXPERIMENTS):
        cls = EXPERIMENTS[(task, model)]
        summary = (cls.__doc__ or "").strip().splitlines()
        print(f"{task:20s} {model:18s} {summary[0] if summary else ''}".rstrip())
    print("\ntasks (tinyaug.tasks.make_task(name, **parameters)):")
    for name in sorted(TASKS):
        parameters = ", ".join(f"{k}={v!r}" for k, v in TASKS[name].defaults.items())
        print(f"  {name:20s} {parameters}".rstrip())
    return 0


def _cmd_train(args) -> int:
    if args.resume:
        if args.task or args.model or args.set or args.out or args.extra or args.init_from:
            raise UsageError("--resume DIR takes its settings from DIR/config.json; "
                             "only --steps and --progress may be given with it")
        experiment, config, step, wall_time = loop.restore_run(args.resume, steps=args.steps)
        run_dir = args.resume
        print(f"resuming {experiment.task}/{experiment.model_name} in {run_dir} at step {step}",
              file=sys.stderr)
    else:
        if not args.task or not args.model:
            raise UsageError("train needs --task and --model (or --resume DIR); "
                             "see `tinyaug list`")
        try:
            defaults = loop.default_config(args.task, args.model)
        except KeyError as error:
            raise UsageError(f"{error.args[0]}") from None
        if args.help_settings:
            for key in sorted(defaults):
                value = defaults[key]
                shown = value if isinstance(value, str) else json.dumps(value)
                print(f"--{key.replace('_', '-')} {shown}")
            return 0
        try:
            experiment, config = loop.build_experiment(args.task, args.model, _overrides(args, defaults))
        except (ValueError, TypeError, KeyError, TinyaugError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            raise UsageError(f"train --task {args.task} --model {args.model}: {message}") from error
        if args.dry_run:
            print(json.dumps({"task": args.task, "model": args.model, "config": config,
                              "parameters": experiment.model.num_parameters()}, indent=2, sort_keys=True))
            return 0
        run_dir = args.out or os.path.join(
            "runs", f"{args.task}-{args.model}-{time.strftime('%Y%m%d-%H%M%S')}")
        if os.path.exists(os.path.join(run_dir, loop.CHECKPOINT_FILE)):
            raise UsageError(f"{run_dir} already holds a run; use --resume {run_dir} "
                             "or another --out")
        step, wall_time = 0, 0.0
        if args.init_from:
            try:
                source_step = loop.init_from_run(experiment, args.init_from)
            except (FileNotFoundError, ValueError) as error:
                raise UsageError(f"--init-from {args.init_from}: {error}") from error
        print(f"training {args.task}/{args.model} into {run_dir} "
              f"({experiment.model.num_parameters()} parameters)", file=sys.stderr)
        if args.init_from:
            loop.write_config(run_dir, args.task, args.model, config,
                              init_from={"run": args.init_from, "step": source_step})
            print(f"parameters from {args.init_from} (its step {source_step}); optimizer, data "
                  f"stream and step count start fresh", file=sys.stderr)
    summary = loop.train(experiment, config, run_dir, start_step=step, wall_time=wall_time,
                         progress=args.progress)
    final = ", ".join(f"{k} {v:.4g}" for k, v in summary["last_eval"].items())
    print(f"step {summary['step']}: {final}" if final else f"step {summary['step']}", file=sys.stderr)
    return 130 if summary["interrupted"] else 0


def _cmd_eval(args) -> int:
    """The mean of ``evaluate`` over fresh batches, then the experiment's ``report``."""
    experiment, config, step, _ = loop.restore_run(args.run_dir)
    totals: dict[str, list[float]] = {}
    for index in range(args.batches):
        metrics = experiment.evaluate(np.random.default_rng([int(config.get("seed", 0)), 3, index]))
        for key, value in metrics.items():
            totals.setdefault(key, []).append(float(value))
    result: dict[str, Any] = {"step": step, **{k: float(np.mean(v)) for k, v in totals.items()}}
    print(json.dumps(result, indent=2))
    report = experiment.report(args.run_dir) if args.report else ""
    if report:
        print(f"\n{report}")
    return 0


def _cmd_plot(args) -> int:
    experiment, config, step, _ = loop.restore_run(args.run_dir)
    for path in experiment.plot(args.run_dir, loop.evaluation_rng(config, step)):
        print(path)
    return 0


def _cmd_compare(args) -> int:
    from .experiments.curves import compare_learning_curves
    from .training.metrics import read_metrics
    runs = {}
    for item in args.runs:
        label, separator, run_dir = item.rpartition("=")
        if not separator or not label or not run_dir:
            raise UsageError(f"compare: expected LABEL=RUN_DIR, got {item!r}")
        if not os.path.isfile(os.path.join(run_dir, "metrics.csv")):
            raise UsageError(f"compare: {run_dir} is not a run folder (no metrics.csv)")
        columns = read_metrics(run_dir)
        if args.metric not in columns:
            raise UsageError(f"compare: {run_dir} has no column {args.metric!r} "
                             f"(it has {', '.join(sorted(columns))})")
        runs[label] = run_dir
    print(compare_learning_curves(runs, args.figure, args.metric, args.title, args.target))
    return 0


def _cmd_explain(args) -> int:
    experiment, _, _, _ = loop.restore_run(args.run_dir)
    if not hasattr(experiment, "explain"):
        raise UsageError(f"explain: {args.run_dir} is a {experiment.task}/{experiment.model_name} "
                         "run; only Neural Programmer runs explain questions")
    columns = args.columns.split(",") if args.columns else None
    try:
        print(experiment.explain(args.question, columns))
    except ValueError as error:
        raise UsageError(f"explain: {error}") from error
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is a ``UsageError`` (one line, status 2), not usage + exit."""

    def error(self, message: str):
        raise UsageError(f"{self.prog.replace('tinyaug ', '', 1)}: {message}"
                         if self.prog != "tinyaug" else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tinyaug", description=__doc__.split("\n\n")[0])
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback of an error (also TINYAUG_DEBUG=1)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("list", help="print the registered (task, model) pairs and the tasks"
                        ).set_defaults(handler=_cmd_list)

    train = commands.add_parser(
        "train", help="train an experiment (or resume one)", allow_abbrev=False,
        epilog="Any setting of the experiment can also be given as --<setting> VALUE, e.g. "
               "--tau 0.001, --controller lstm, --memory 128x20, --heads 1 (read and write; "
               "or R,W). `tinyaug train --task T --model M --help-settings` lists them.")
    train.set_defaults(handler=_cmd_train)
    train.add_argument("--task")
    train.add_argument("--model")
    train.add_argument("--steps", type=_positive_int)
    train.add_argument("--batch-size", dest="batch_size", type=_positive_int)
    train.add_argument("--lr", type=_positive_float)
    train.add_argument("--seed", type=_non_negative_int)
    train.add_argument("--out", help="run folder (default runs/<task>-<model>-<timestamp>)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override any setting of the experiment (repeatable)")
    train.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    train.add_argument("--init-from", dest="init_from", metavar="DIR",
                       help="start a new run from the model parameters saved in DIR (same task "
                            "and model; fresh optimizer, data stream and step count)")
    train.add_argument("--progress", choices=("auto", "bar", "lines", "quiet"), default="auto")
    train.add_argument("--help-settings", action="store_true",
                       help="print the chosen experiment's settings and their defaults, then exit")
    train.add_argument("--dry-run", dest="dry_run", action="store_true",
                       help="build the experiment and print its settings, without training")

    evaluate = commands.add_parser("eval", help="evaluate a saved run's checkpoint and print its report")
    evaluate.set_defaults(handler=_cmd_eval)
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--batches", type=_positive_int, default=4,
                          help="fresh evaluation batches averaged (default 4)")
    evaluate.add_argument("--no-report", dest="report", action="store_false",
                          help="print only the evaluation (JSON), not the experiment's report")

    plot = commands.add_parser("plot", help="redraw a saved run's figures")
    plot.set_defaults(handler=_cmd_plot)
    plot.add_argument("run_dir")

    compare = commands.add_parser(
        "compare", help="draw several runs' learning curves on one axis, against sequences seen")
    compare.set_defaults(handler=_cmd_compare)
    compare.add_argument("figure", help="the PNG to write")
    compare.add_argument("runs", nargs="+", metavar="LABEL=RUN_DIR")
    compare.add_argument("--metric", default="eval_bits_per_sequence",
                         help="a metrics.csv column (default eval_bits_per_sequence)")
    compare.add_argument("--title", default="")
    compare.add_argument("--target", type=float, default=None,
                         help="draw a dashed line at this value (e.g. 0.1)")

    explain = commands.add_parser(
        "explain", help="print the program a trained Neural Programmer induces for a question")
    explain.set_defaults(handler=_cmd_explain)
    explain.add_argument("run_dir")
    explain.add_argument("question")
    explain.add_argument("--columns", help="comma-separated column names of the table (tables task)")
    commands.add_parser("sweep", add_help=False,
                        help="train a grid of settings x seeds, resumably, and summarise it "
                             "(tinyaug sweep --help)")
    return parser


#: Errors that are the user's: one line, status 2. Anything else is a bug and keeps its traceback.
USER_ERRORS = (UsageError, FileNotFoundError, loop.RunFolderError, CheckpointError)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--traceback" in argv or os.environ.get("TINYAUG_DEBUG", "") not in ("", "0")
    argv = [token for token in argv if token != "--traceback"]
    try:
        if argv[:1] == ["sweep"]:  # its own parser: --SETTING v1,v2 for any setting
            from .sweeps import main as sweep_main
            return sweep_main(argv[1:])
        parser = build_parser()
        # Unknown ``--<setting> VALUE`` pairs are kept for ``train`` (checked against the chosen
        # experiment's settings there); for every other command they are an error as usual.
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "train":
            raise UsageError(f"{args.command}: unrecognized arguments: {' '.join(extra)}")
        args.extra = extra
        _discover(sys.stderr)
        return args.handler(args)
    except USER_ERRORS as error:
        if debug:
            raise
        print(f"tinyaug: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
