"""Running a sweep: each run is one ``tinyaug train`` process (one BLAS thread), at most
``executor.slots`` at once; a run's state is read from its folder, so a sweep restarted after
an interrupt (or a crash) skips what finished and resumes what did not.

A run folder (``OUT/runs/<label>/seed-<k>/``) is

* **done** when it holds ``sweep-done.json`` (written by the sweep when the training exited 0);
* **resumable** when it holds a ``checkpoint.npz`` (``tinyaug train --resume`` continues it
  bit for bit);
* **new** otherwise (never started, or stopped before its first checkpoint: started again).

Ctrl-C (or SIGTERM) once: no run is started any more, each running training gets one SIGINT
(it finishes its step, saves a checkpoint and exits), the summary of what finished is written
and the sweep exits with 130. Twice: each training gets a second SIGINT and stops at once,
keeping its last periodic checkpoint.
"""
from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO

from ..training.loop import format_duration
from .grid import Run

DONE_FILE, LOG_FILE, CHECKPOINT_FILE = "sweep-done.json", "train.log", "checkpoint.npz"

#: Set for every training: one thread per BLAS/OpenMP pool, so that N trainings use N cores.
SINGLE_THREAD_ENV = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                            "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                                            "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")}


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a training: ours, one BLAS thread, the Agg backend, and the folder
    this tinyaug was imported from first on PYTHONPATH (so a child runs this same code)."""
    env = dict(os.environ if base is None else base)
    env.update(SINGLE_THREAD_ENV)
    env["MPLBACKEND"] = "Agg"
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = [package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                              if p and os.path.abspath(p) != package_root]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def train_prefix() -> list[str]:
    return [sys.executable, "-m", "tinyaug.cli", "train"]


def run_state(folder: str) -> str:
    """``"done"``, ``"resume"`` or ``"new"`` (see the module docstring)."""
    if os.path.exists(os.path.join(folder, DONE_FILE)):
        return "done"
    if os.path.exists(os.path.join(folder, CHECKPOINT_FILE)):
        return "resume"
    return "new"


def train_command(task: str, model: str, run: Run, folder: str) -> list[str]:
    """The ``tinyaug train`` command for ``run``: a resume when its folder has a checkpoint."""
    if run_state(folder) == "resume":
        return [*train_prefix(), "--resume", folder, "--progress", "lines"]
    return [*train_prefix(), "--task", task, "--model", model, "--seed", str(run.seed),
            "--out", folder, "--progress", "lines", *setting_args(run.settings)]


def setting_args(settings: dict[str, str]) -> list[str]:
    """``{"hidden_size": "8"}`` -> ``["--hidden-size", "8"]``: settings as ``tinyaug train``
    options."""
    return [part for key, value in settings.items()
            for part in (f"--{key.replace('_', '-')}", value)]


def last_logged_step(folder: str) -> int:
    """The step of the last complete row of ``folder``/metrics.csv (0 when there is none);
    reads only the file's end, and tolerates a row being written."""
    path = os.path.join(folder, "metrics.csv")
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - 4096))
            tail = file.read().decode("utf-8", "replace")
    except OSError:
        return 0
    for line in reversed(tail.split("\n")[:-1]):  # the part after the last newline may be partial
        first = line.split(",", 1)[0]
        if first.isdigit():
            return int(first)
    return 0


def configured_steps(folder: str) -> int | None:
    """The ``steps`` in ``folder``/config.json, None while there is none."""
    try:
        with open(os.path.join(folder, "config.json")) as file:
            return int(json.load(file)["config"]["steps"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _last_line(path: str) -> str:
    """The last non-empty line of a log (where a training's error message is)."""
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - 2048))
            lines = [line.strip() for line in file.read().decode("utf-8", "replace").splitlines()]
    except OSError:
        return "(no log)"
    lines = [line for line in lines if line]
    return lines[-1] if lines else "(empty log)"


class SweepProgress:
    """One line for the whole sweep: runs done / running / failed, the share of all steps
    done, steps per second since the sweep started, ETA. ``mode``: ``"line"`` (rewritten in
    place; the default on a terminal), ``"lines"`` (a new line when a run starts or ends,
    and every ``every`` seconds; the default otherwise), ``"quiet"``."""

    def __init__(self, name: str, stream: TextIO, mode: str = "auto", every: float = 30.0) -> None:
        if mode == "auto":
            mode = "line" if getattr(stream, "isatty", lambda: False)() else "lines"
        self.name, self.stream, self.mode, self.every = name, stream, mode, every
        self.start_time = time.perf_counter()
        self.start_steps: int | None = None
        self.last_print, self.last_counts, self.width = -math.inf, None, 0

    def text(self, done: int, running: int, failed: int, total_runs: int, steps: int,
             total_steps: int) -> str:
        if self.start_steps is None:
            self.start_steps = steps
        elapsed = time.perf_counter() - self.start_time
        rate = (steps - self.start_steps) / elapsed if elapsed > 0 else 0.0
        eta = (total_steps - steps) / rate if rate > 0 else math.inf
        share = 100.0 * steps / total_steps if total_steps else 100.0
        failed_text = f", {failed} failed" if failed else ""
        return (f"sweep {self.name}: {done}/{total_runs} runs done, {running} running"
                f"{failed_text} | {share:.0f}% of {total_steps} steps | {rate:.0f} steps/s | "
                f"elapsed {format_duration(elapsed)} ETA {format_duration(eta)}")

    def update(self, done: int, running: int, failed: int, total_runs: int, steps: int,
               total_steps: int, force: bool = False) -> None:
        if self.mode == "quiet":
            return
        line = self.text(done, running, failed, total_runs, steps, total_steps)
        now = time.perf_counter()
        if self.mode == "line":
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
            self.stream.flush()
            return
        counts = (done, running, failed)
        if force or counts != self.last_counts or now - self.last_print >= self.every:
            print(line, file=self.stream, flush=True)
            self.last_print, self.last_counts = now, counts

    def message(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self.mode == "line":
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.mode == "line" and self.width:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Outcome:
    """What ``run_all`` did: each run's state at the end (``done``, ``interrupted``,
    ``failed`` or ``new``) and whether the sweep was interrupted."""

    status: dict[Run, str]
    interrupted: bool


class _StopRequests:
    """Counts SIGINT, SIGTERM and SIGHUP (a closed terminal) while the sweep runs (main thread
    only), restoring the previous handlers afterwards."""

    def __init__(self) -> None:
        self.count = 0
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> "_StopRequests":
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.count += 1

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


class SweepLock:
    """``OUT/sweep.lock`` holds the pid of the sweep working in OUT; a second sweep on the same
    folder while that process lives is an error (two trainings in one run folder would corrupt
    it). A lock left by a dead process is taken over."""

    def __init__(self, out: str) -> None:
        self.path = os.path.join(out, "sweep.lock")

    def __enter__(self) -> "SweepLock":
        from .errors import SweepError
        try:
            with open(self.path) as file:
                pid = int(file.read().strip() or 0)
        except (OSError, ValueError):
            pid = 0
        if pid and pid != os.getpid():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                pass
            except PermissionError:
                raise SweepError(f"sweep: {os.path.dirname(self.path)} is being swept by process "
                                 f"{pid}") from None
            else:
                raise SweepError(f"sweep: {os.path.dirname(self.path)} is being swept by process "
                                 f"{pid}; wait for it, or stop it (Ctrl-C) first")
        with open(self.path, "w") as file:
            file.write(str(os.getpid()))
        return self

    def __exit__(self, *exc) -> None:
        try:
            os.remove(self.path)
        except OSError:
            pass


def run_all(task: str, model: str, out: str, runs: list[Run], total_steps: dict[Run, int],
            executor, progress: SweepProgress, poll_seconds: float = 0.2) -> Outcome:
    """Run every run of ``runs`` that is not done yet, ``executor.slots`` at a time."""
    status = {run: ("done" if run_state(run.folder(out)) == "done" else "new") for run in runs}
    pending = [run for run in runs if status[run] != "done"]
    running: dict[Run, Any] = {}
    env = child_env()
    forwarded = 0
    total_steps = dict(total_steps)
    known_totals: set[Run] = set()

    def steps_now() -> int:
        for run in runs:  # a run's own config.json has its true length (a recipe may set it)
            if run not in known_totals:
                steps = configured_steps(run.folder(out))
                if steps is not None:
                    total_steps[run] = steps
                    known_totals.add(run)
        return sum(total_steps[run] if status[run] == "done"
                   else min(last_logged_step(run.folder(out)), total_steps[run]) for run in runs)

    def report(force: bool = False) -> None:
        steps = steps_now()
        progress.update(sum(s == "done" for s in status.values()), len(running),
                        sum(s == "failed" for s in status.values()), len(runs), steps,
                        sum(total_steps.values()), force=force)

    report(force=True)
    last_report = time.perf_counter()
    with _StopRequests() as stop:
        while running or (pending and not stop.count):
            while stop.count > forwarded:  # one SIGINT to each training per request
                forwarded += 1
                if forwarded == 1:
                    progress.message(f"sweep: stopping; {len(running)} running training(s) save "
                                     "a checkpoint and exit (Ctrl-C again: stop them at once)")
                for handle in running.values():
                    executor.interrupt(handle)
            while not stop.count and pending and len(running) < executor.slots:
                run = pending.pop(0)
                folder = run.folder(out)
                os.makedirs(folder, exist_ok=True)
                state = run_state(folder)
                running[run] = executor.start(train_command(task, model, run, folder), env,
                                              os.path.join(folder, LOG_FILE))
                status[run] = "running"
                progress.message(f"sweep: {'resuming' if state == 'resume' else 'starting'} "
                                 f"{os.path.relpath(folder, out)}")
            changed = False
            for run, handle in list(running.items()):
                code = executor.poll(handle)
                if code is None:
                    continue
                del running[run]
                changed = True
                folder = run.folder(out)
                if code == 0:
                    with open(os.path.join(folder, DONE_FILE), "w") as file:
                        json.dump({"returncode": 0, "step": last_logged_step(folder)}, file)
                    status[run] = "done"
                elif stop.count:
                    status[run] = "interrupted"
                else:
                    status[run] = "failed"
                    progress.message(f"sweep: {os.path.relpath(folder, out)} failed (exit "
                                     f"{code}): {_last_line(os.path.join(folder, LOG_FILE))} "
                                     f"(log: {os.path.join(folder, LOG_FILE)})")
            if changed or time.perf_counter() - last_report >= 1.0:
                report()
                last_report = time.perf_counter()
            time.sleep(poll_seconds)
        interrupted = stop.count > 0
    for run in pending:
        status[run] = "new" if run_state(run.folder(out)) == "new" else "interrupted"
    progress.close()
    return Outcome(status, interrupted)
