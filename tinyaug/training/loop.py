"""The training loop behind ``tinyaug train``: progress, metrics.csv, checkpoints, resume, Ctrl-C.

A run lives in one folder::

    config.json      {"task", "model", "config"}: everything needed to rebuild the experiment
    metrics.csv      step, wall_time, training metrics (averaged since the previous row),
                     eval_<metric> columns (filled at evaluation steps, empty otherwise)
    checkpoint.npz   model, optimizer, the data generator's state, step, wall time (atomic)

Determinism: the data stream is ``experiment.rng`` (seeded from ``config["seed"]``, saved in
every checkpoint); evaluation at step s draws from its own generator seeded with
``[seed, 2, s]``, so evaluating never perturbs training. A run resumed from a checkpoint
therefore continues bit-for-bit as the uninterrupted run would have.

Ctrl-C: the first SIGINT sets a flag; the loop finishes the current step, writes a row and a
checkpoint, and returns ``interrupted=True``. A second Ctrl-C raises ``KeyboardInterrupt`` at
once (the previous checkpoint is kept intact).
"""
from __future__ import annotations

import csv
import json
import math
import os
import signal
import sys
import threading
import time
from typing import Any, TextIO

import numpy as np

from .. import checkpoint
from ..errors import TinyaugError
from ..nn import init
from .experiment import EXPERIMENTS, Experiment
from .metrics import METRICS_FILE

#: Loop settings, stored in config.json next to the experiment's own configuration.
LOOP_DEFAULTS: dict[str, Any] = {"steps": 1000, "seed": 0, "eval_every": 500,
                                 "checkpoint_every": 500, "log_every": 50}

CONFIG_FILE, CHECKPOINT_FILE = "config.json", "checkpoint.npz"


def default_config(task: str, model: str) -> dict[str, Any]:
    cls = _experiment_class(task, model)
    return {**LOOP_DEFAULTS, **cls.default_config()}


def _experiment_class(task: str, model: str) -> type[Experiment]:
    # The registry fills as experiment modules are imported: ``import tinyaug.experiments``
    # (the command does) imports them all. This loop sits below them and never imports them.
    if (task, model) not in EXPERIMENTS:
        known = ", ".join(f"{t}/{m}" for t, m in sorted(EXPERIMENTS)) or "none"
        raise KeyError(f"no experiment registered for task {task!r} with model {model!r}; "
                       f"registered: {known}" + ("" if EXPERIMENTS else
                                                 " (import tinyaug.experiments to register them)"))
    return EXPERIMENTS[(task, model)]


def build_experiment(task: str, model: str, overrides: dict[str, Any] | None = None
                     ) -> tuple[Experiment, dict[str, Any]]:
    """Make the experiment for (task, model) with ``overrides`` applied to its defaults.
    Unknown keys are an error listing the known ones."""
    config = default_config(task, model)
    unknown = sorted(set(overrides or {}) - set(config))
    if unknown:
        raise KeyError(f"{task}/{model}: unknown setting(s) {', '.join(unknown)}; known: "
                       f"{', '.join(sorted(config))}")
    config.update(overrides or {})
    init.seed(int(config["seed"]))  # modules built without an explicit rng stay reproducible
    experiment = _experiment_class(task, model)(config, np.random.default_rng(int(config["seed"])))
    return experiment, config


def evaluation_rng(config: dict[str, Any], step: int) -> np.random.Generator:
    """The generator evaluation uses at ``step``: independent of the training stream."""
    return np.random.default_rng([int(config.get("seed", 0)), 2, int(step)])


def save_checkpoint(run_dir: str, experiment: Experiment, step: int, wall_time: float) -> str:
    extra_arrays = {f"experiment.{k}": np.asarray(v) for k, v in experiment.extra_state().items()}
    return checkpoint.save(os.path.join(run_dir, CHECKPOINT_FILE), experiment.model,
                           experiment.optimizer, step=int(step), wall_time=float(wall_time),
                           rng=experiment.rng.bit_generator.state,
                           task=experiment.task, model=experiment.model_name, **extra_arrays)


def load_checkpoint(run_dir: str, experiment: Experiment) -> tuple[int, float]:
    """Restore model, optimizer, data generator and extra state; return (step, wall_time)."""
    path = os.path.join(run_dir, CHECKPOINT_FILE)
    extra = checkpoint.load(path, experiment.model, experiment.optimizer)
    if (extra.get("task"), extra.get("model")) != (experiment.task, experiment.model_name):
        raise checkpoint.CheckpointError(
            f"checkpoint {path!r} belongs to {extra.get('task')}/{extra.get('model')}, "
            f"not {experiment.task}/{experiment.model_name}")
    experiment.rng.bit_generator.state = extra["rng"]
    experiment.load_extra_state({k[len("experiment."):]: v for k, v in extra.items()
                                 if k.startswith("experiment.")})
    return int(extra["step"]), float(extra["wall_time"])


def write_config(run_dir: str, task: str, model: str, config: dict[str, Any],
                 **notes: Any) -> None:
    """Write config.json atomically. ``notes`` (e.g. ``init_from``) are kept beside the
    settings, and notes already in the file survive a rewrite (a resumed run keeps them)."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, CONFIG_FILE)
    saved_notes: dict[str, Any] = {}
    if os.path.exists(path):
        with open(path) as file:
            saved_notes = {k: v for k, v in json.load(file).items()
                           if k not in ("task", "model", "config")}
    temporary = path + ".tmp"
    with open(temporary, "w") as file:
        json.dump({**saved_notes, **notes, "task": task, "model": model, "config": config}, file,
                  indent=2, sort_keys=True)
    os.replace(temporary, path)


class RunFolderError(TinyaugError, ValueError):
    """A folder that is not a usable run: no config.json, or a damaged one."""


def read_config(run_dir: str) -> tuple[str, str, dict[str, Any]]:
    """(task, model, config) from ``run_dir/config.json``; a missing or damaged file is a
    ``RunFolderError`` naming it and what was expected."""
    path = os.path.join(run_dir, CONFIG_FILE)
    if not os.path.isdir(run_dir):
        raise RunFolderError(f"{run_dir!r} is not a tinyaug run folder: no such folder")
    if not os.path.exists(path):
        raise RunFolderError(f"{run_dir!r} is not a tinyaug run folder: no {CONFIG_FILE}")
    try:
        with open(path) as file:
            saved = json.load(file)
    except (ValueError, UnicodeDecodeError) as error:
        raise RunFolderError(f"{path}: not valid JSON ({error})") from None
    if (not isinstance(saved, dict) or not isinstance(saved.get("task"), str)
            or not isinstance(saved.get("model"), str) or not isinstance(saved.get("config"), dict)):
        raise RunFolderError(f"{path}: expected an object with \"task\" and \"model\" (strings) "
                             f"and \"config\" (an object), as `tinyaug train` writes it")
    return saved["task"], saved["model"], saved["config"]


def restore_run(run_dir: str, steps: int | None = None) -> tuple[Experiment, dict[str, Any], int, float]:
    """Rebuild a saved run's experiment and load its checkpoint: (experiment, config, step, wall).

    A damaged config.json (unknown experiment, settings the experiment rejects) is a
    ``RunFolderError`` naming the file; a damaged checkpoint a ``CheckpointError``."""
    task, model, config = read_config(run_dir)
    if steps is not None:
        config["steps"] = int(steps)
    path = os.path.join(run_dir, CONFIG_FILE)
    try:
        known = default_config(task, model)
        experiment, config = build_experiment(task, model, {k: v for k, v in config.items()
                                                            if k in known})
    except (KeyError, ValueError, TypeError) as error:
        if isinstance(error, checkpoint.CheckpointError):
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        raise RunFolderError(f"{path}: cannot rebuild the run's experiment: {message}") from error
    step, wall_time = load_checkpoint(run_dir, experiment)
    return experiment, config, step, wall_time


def init_from_run(experiment: Experiment, source_dir: str) -> int:
    """Start ``experiment`` from the model parameters saved in ``source_dir`` (fine-tuning).

    Only the parameters are taken: the optimizer, the data stream, the step count and any
    experiment state (such as a best-so-far model) start fresh, so the settings may change
    (another optimizer, learning rate or batch size). The source must be a run of the same
    task and model with parameters of the same shapes. Returns the source's step."""
    path = os.path.join(source_dir, CHECKPOINT_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"init_from: {source_dir!r} holds no {CHECKPOINT_FILE}")
    metadata, _ = checkpoint.read(path)
    extra = metadata.get("extra", {})
    if (extra.get("task"), extra.get("model")) != (experiment.task, experiment.model_name):
        raise checkpoint.CheckpointError(
            f"init_from: {path!r} belongs to {extra.get('task')}/{extra.get('model')}, "
            f"not {experiment.task}/{experiment.model_name}")
    checkpoint.load(path, experiment.model)
    return int(extra.get("step", 0))


# -- metrics.csv ------------------------------------------------------------------------------
class MetricsWriter:
    """Appends rows to metrics.csv; the header is fixed by the first row written."""

    def __init__(self, run_dir: str, resume_step: int | None = None) -> None:
        self.path = os.path.join(run_dir, METRICS_FILE)
        self.fields: list[str] | None = None
        if resume_step is not None and os.path.exists(self.path):
            with open(self.path, newline="") as file:
                reader = csv.DictReader(file)
                self.fields = reader.fieldnames
                kept = [row for row in reader if int(row["step"]) <= resume_step]
            self._rewrite(kept)  # rows logged after the checkpoint will be produced again
        elif os.path.exists(self.path):
            os.remove(self.path)

    def _rewrite(self, rows: list[dict]) -> None:
        temporary = self.path + ".tmp"
        with open(temporary, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=self.fields)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, self.path)

    def write(self, row: dict[str, Any]) -> None:
        new_file = not os.path.exists(self.path)
        if self.fields is None:
            self.fields = list(row)
        with open(self.path, "a", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=self.fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow({k: _format(v) for k, v in row.items()})


def _format(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


# -- progress ---------------------------------------------------------------------------------
def format_duration(seconds: float) -> str:
    """``12m05s`` or ``1h03m``; ``?`` for an unknown (infinite or NaN) time."""
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"


class Progress:
    """A tqdm bar when ``stream`` is a terminal (``mode="bar"``), else plain lines per row."""

    def __init__(self, total: int, start: int, headline: str, stream: TextIO, mode: str = "auto") -> None:
        self.total, self.headline, self.stream = total, headline, stream
        if mode == "auto":
            mode = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
        self.bar = None
        if mode == "bar":
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=start, file=stream, unit="step", dynamic_ncols=True)
        self.mode = mode
        self.start_step, self.start_time = start, time.perf_counter()

    def update(self, step: int) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def report(self, step: int, row: dict[str, Any]) -> None:
        shown = {k: row[k] for k in ("loss", self.headline, f"eval_{self.headline}")
                 if isinstance(row.get(k), float)}
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in shown.items()}, refresh=True)
        elif self.mode == "lines":
            elapsed = time.perf_counter() - self.start_time
            rate = (step - self.start_step) / elapsed if elapsed > 0 else float("nan")
            eta = (self.total - step) / rate if rate and rate > 0 else float("nan")
            parts = " ".join(f"{k} {v:.4g}" for k, v in shown.items())
            print(f"step {step}/{self.total} {parts} {rate:.1f} steps/s ETA {format_duration(eta)}",
                  file=self.stream, flush=True)

    def message(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        elif self.mode != "quiet":
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _InterruptFlag:
    """First SIGINT: set the flag (stop after this step). Second: raise KeyboardInterrupt."""

    def __init__(self) -> None:
        self.raised = False
        self.previous = None

    def __enter__(self) -> "_InterruptFlag":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


# -- the loop ---------------------------------------------------------------------------------
def train(experiment: Experiment, config: dict[str, Any], run_dir: str, start_step: int = 0,
          wall_time: float = 0.0, stream: TextIO | None = None, progress: str = "auto",
          make_figures: bool = True) -> dict[str, Any]:
    """Train ``experiment`` from ``start_step`` to ``config["steps"]``, writing ``run_dir``.

    ``start_step > 0`` means a resumed run (the checkpoint is already loaded). ``progress``:
    ``"auto"`` (a bar on a terminal, else lines), ``"bar"``, ``"lines"`` or ``"quiet"``.
    Returns ``{"step", "interrupted", "wall_time", "last_eval"}``.
    """
    stream = sys.stderr if stream is None else stream
    total = int(config["steps"])
    eval_every, checkpoint_every = int(config["eval_every"]), int(config["checkpoint_every"])
    log_every = max(int(config["log_every"]), 1)
    write_config(run_dir, experiment.task, experiment.model_name, config)
    metrics = MetricsWriter(run_dir, resume_step=start_step if start_step > 0 else None)
    bar = Progress(total, start_step, experiment.headline_metric, stream, progress)
    accumulated: dict[str, list[float]] = {}
    last_eval: dict[str, float] = {}
    step, interrupted = start_step, False
    clock = time.perf_counter() - wall_time

    pending_first_row: dict[str, Any] | None = None

    def flush_row(evaluate: bool) -> None:
        """Write a row: training metrics averaged since the last row, and evaluation metrics
        when ``evaluate``. The header is fixed by the first row written, which waits until
        both the training and the evaluation keys are known."""
        nonlocal last_eval, pending_first_row
        row: dict[str, Any] = {"step": step, "wall_time": time.perf_counter() - clock}
        row.update({k: float(np.mean(v)) for k, v in accumulated.items()})
        if evaluate:
            last_eval = experiment.evaluate(evaluation_rng(config, step))
            row.update({f"eval_{k}": float(v) for k, v in last_eval.items()})
        accumulated.clear()
        if pending_first_row is not None and (step > 0 or step == total):
            first = pending_first_row
            pending_first_row = None
            metrics.fields = ["step", "wall_time"] + [k for k in row if k not in first and
                                                      k not in ("step", "wall_time")] + \
                             [k for k in first if k not in ("step", "wall_time")]
            metrics.write(first)
        if step == 0 and metrics.fields is None:
            pending_first_row = row
        else:
            metrics.write(row)
        bar.report(step, row)

    try:
        with _InterruptFlag() as flag:
            if start_step == 0:
                flush_row(evaluate=True)  # the untrained model: the curve's first point
            while step < total and not flag.raised:
                step_metrics = experiment.train_step(step)
                step += 1
                for key, value in step_metrics.items():
                    accumulated.setdefault(key, []).append(float(value))
                bar.update(step)
                evaluate = step % eval_every == 0 or step == total
                save = step % checkpoint_every == 0 or step == total
                if evaluate or save or step % log_every == 0 or flag.raised:
                    flush_row(evaluate)
                if save or flag.raised:
                    save_checkpoint(run_dir, experiment, step, time.perf_counter() - clock)
            interrupted = flag.raised and step < total
    except KeyboardInterrupt:
        bar.close()
        print(f"\nstopped mid-step by a second Ctrl-C; the last periodic checkpoint in {run_dir} "
              "is kept", file=stream, flush=True)
        raise
    if pending_first_row is not None:  # a run of zero steps: only the untrained evaluation
        metrics.write(pending_first_row)
    bar.close()
    elapsed = time.perf_counter() - clock
    if interrupted:
        print(f"interrupted at step {step}/{total}; checkpoint saved. Continue with: "
              f"tinyaug train --resume {run_dir}", file=stream, flush=True)
    if make_figures:
        experiment.plot(run_dir, evaluation_rng(config, step))
    return {"step": step, "interrupted": interrupted, "wall_time": elapsed, "last_eval": last_eval}
