"""The ``tinyaug`` command.

    tinyaug list
    tinyaug train --task copy --model lstm [--steps N] [--batch-size B] [--lr LR] [--seed S]
                  [--out DIR] [--set key=value ...] [--progress auto|bar|lines|quiet]
                  [--<setting> VALUE ...]
    tinyaug train --resume DIR [--steps N]
    tinyaug train --task T --model M --init-from DIR [--setting VALUE ...]   (fine-tune)
    tinyaug eval DIR [--batches K]
    tinyaug plot DIR
    tinyaug sweep --task T --model M --seeds 0-4 [--SETTING v1,v2 ...] [--jobs N]  (tinyaug.sweeps)

Experiments come from every module of ``tinyaug.experiments`` (discovered on start).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Sequence

import numpy as np

from .training.experiment import EXPERIMENTS


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
        raise SystemExit(f"tinyaug: --set {key}={text}: expected a {type(default).__name__}") from None
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
            raise SystemExit(f"tinyaug: train: unexpected argument {token!r}")
        name, has_value, value = token[2:].partition("=")
        if not has_value:
            if index + 1 >= len(tokens) or tokens[index + 1].startswith("--"):
                raise SystemExit(f"tinyaug: train: {token} needs a value")
            index += 1
            value = tokens[index]
        key = name.replace("-", "_")
        if key == "heads" and "heads" not in defaults and "read_heads" in defaults:
            read, _, write = value.partition(",")
            items += [f"read_heads={read}", f"write_heads={write or read}"]
        elif key in defaults:
            items.append(f"{key}={value}")
        else:
            raise SystemExit(f"tinyaug: train: unknown option --{name} for this experiment; its "
                             f"settings (each usable as --<setting> VALUE or --set key=value): "
                             f"{', '.join(sorted(defaults))}")
        index += 1
    return items


def _overrides(args, defaults: dict[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in list(args.set or []) + _setting_flags(args.extra, defaults):
        if "=" not in item:
            raise SystemExit(f"tinyaug: --set expects key=value, got {item!r}")
        key, text = item.split("=", 1)
        if key not in defaults:
            raise SystemExit(f"tinyaug: unknown setting {key!r} for this experiment; known: "
                             f"{', '.join(sorted(defaults))}")
        overrides[key] = _parse_value(key, text, defaults[key])
    for flag, key in (("steps", "steps"), ("batch_size", "batch_size"), ("lr", "lr"), ("seed", "seed")):
        value = getattr(args, flag, None)
        if value is not None:
            if key not in defaults:
                raise SystemExit(f"tinyaug: --{flag.replace('_', '-')} is not a setting of this experiment")
            overrides[key] = value
    return overrides


def _discover(stream) -> None:
    from .experiments import discover
    for module, error in discover().items():
        print(f"tinyaug: warning: experiments module {module!r} failed to import: {error}",
              file=stream)


def _cmd_list(args) -> int:
    if not EXPERIMENTS:
        print("no experiments registered")
    for task, model in sorted(EXPERIMENTS):
        cls = EXPERIMENTS[(task, model)]
        summary = (cls.__doc__ or "").strip().splitlines()
        print(f"{task:20s} {model:18s} {summary[0] if summary else ''}".rstrip())
    return 0


def _cmd_train(args) -> int:
    from .training import loop
    if args.resume:
        if args.task or args.model or args.set or args.out or args.extra or args.init_from:
            raise SystemExit("tinyaug: --resume DIR takes its settings from DIR/config.json; "
                             "only --steps and --progress may be given with it")
        experiment, config, step, wall_time = loop.restore_run(args.resume, steps=args.steps)
        run_dir = args.resume
        print(f"resuming {experiment.task}/{experiment.model_name} in {run_dir} at step {step}",
              file=sys.stderr)
    else:
        if not args.task or not args.model:
            raise SystemExit("tinyaug: train needs --task and --model (or --resume DIR); "
                             "see `tinyaug list`")
        try:
            defaults = loop.default_config(args.task, args.model)
        except KeyError as error:
            raise SystemExit(f"tinyaug: {error.args[0]}") from None
        if args.help_settings:
            for key in sorted(defaults):
                value = defaults[key]
                shown = value if isinstance(value, str) else json.dumps(value)
                print(f"--{key.replace('_', '-')} {shown}")
            return 0
        experiment, config = loop.build_experiment(args.task, args.model, _overrides(args, defaults))
        run_dir = args.out or os.path.join(
            "runs", f"{args.task}-{args.model}-{time.strftime('%Y%m%d-%H%M%S')}")
        if os.path.exists(os.path.join(run_dir, loop.CHECKPOINT_FILE)):
            raise SystemExit(f"tinyaug: {run_dir} already holds a run; use --resume {run_dir} "
                             "or another --out")
        step, wall_time = 0, 0.0
        print(f"training {args.task}/{args.model} into {run_dir} "
              f"({experiment.model.num_parameters()} parameters)", file=sys.stderr)
        if args.init_from:
            try:
                source_step = loop.init_from_run(experiment, args.init_from)
            except (FileNotFoundError, ValueError) as error:
                raise SystemExit(f"tinyaug: {error}") from None
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
    from .training import loop
    experiment, config, step, _ = loop.restore_run(args.run_dir)
    totals: dict[str, list[float]] = {}
    for index in range(args.batches):
        metrics = experiment.evaluate(np.random.default_rng([int(config.get("seed", 0)), 3, index]))
        for key, value in metrics.items():
            totals.setdefault(key, []).append(float(value))
    result = {"step": step, **{k: float(np.mean(v)) for k, v in totals.items()}}
    print(json.dumps(result, indent=2))
    return 0


def _cmd_plot(args) -> int:
    from .training import loop
    experiment, config, step, _ = loop.restore_run(args.run_dir)
    for path in experiment.plot(args.run_dir, loop.evaluation_rng(config, step)):
        print(path)
    return 0


def _cmd_explain(args) -> int:
    from .experiments.programmer import explain_command
    columns = args.columns.split(",") if args.columns else None
    print(explain_command(args.run_dir, args.question, columns))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyaug", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="print the registered (task, model) pairs")
    train = commands.add_parser(
        "train", help="train an experiment (or resume one)", allow_abbrev=False,
        epilog="Any setting of the experiment can also be given as --<setting> VALUE, e.g. "
               "--tau 0.001, --controller lstm, --memory 128x20, --heads 1 (read and write; "
               "or R,W). `tinyaug train --task T --model M --help-settings` lists them.")
    train.add_argument("--task")
    train.add_argument("--model")
    train.add_argument("--steps", type=int)
    train.add_argument("--batch-size", dest="batch_size", type=int)
    train.add_argument("--lr", type=float)
    train.add_argument("--seed", type=int)
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
    evaluate = commands.add_parser("eval", help="evaluate a saved run's checkpoint")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--batches", type=int, default=4)
    plot = commands.add_parser("plot", help="redraw a saved run's figures")
    plot.add_argument("run_dir")
    explain = commands.add_parser(
        "explain", help="print the program a trained Neural Programmer induces for a question")
    explain.add_argument("run_dir")
    explain.add_argument("question")
    explain.add_argument("--columns", help="comma-separated column names of the table (tables task)")
    commands.add_parser("sweep", add_help=False,
                        help="train a grid of settings x seeds, resumably, and summarise it "
                             "(tinyaug sweep --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sweep"]:  # its own parser: --SETTING v1,v2 for any setting
        from .sweeps import main as sweep_main
        return sweep_main(argv[1:])
    parser = build_parser()
    # Unknown ``--<setting> VALUE`` pairs are kept for ``train`` (checked against the chosen
    # experiment's settings there); for every other command they are an error as usual.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "train":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    _discover(sys.stderr)
    handlers = {"list": _cmd_list, "train": _cmd_train, "eval": _cmd_eval, "plot": _cmd_plot,
                "explain": _cmd_explain}
    try:
        return handlers[args.command](args)
    except FileNotFoundError as error:
        print(f"tinyaug: {error}", file=sys.stderr)
        return 2
    except KeyError as error:
        print(f"tinyaug: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
