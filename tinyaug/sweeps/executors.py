"""Where a sweep's trainings run. An executor starts a command (one ``tinyaug train`` process),
tells when it has ended, and passes a Ctrl-C on to it:

    handle = executor.start(command, env, log_path)
    executor.poll(handle)       -> None while it runs, else its exit status
    executor.interrupt(handle)  -> a SIGINT: the training finishes its step, saves, exits 130
    executor.slots              -> how many trainings run at once

``LocalExecutor`` (the default, no dependency) runs them as child processes of the sweep.
Each child gets a session of its own, so a Ctrl-C typed in the terminal reaches the sweep
only, and the sweep passes exactly one SIGINT on to each training (a second one would abort
the training mid-step instead of letting it save). ``DaskExecutor`` (``dask_executor.py``,
optional) runs the same commands on a Dask cluster's workers.
"""
from __future__ import annotations

import os
import signal
import subprocess
from typing import IO


class LocalExecutor:
    """Up to ``jobs`` trainings at once, as child processes of this one."""

    def __init__(self, jobs: int) -> None:
        self.slots = max(int(jobs), 1)
        self._logs: dict[int, IO[bytes]] = {}

    def start(self, command: list[str], env: dict[str, str], log_path: str) -> subprocess.Popen:
        log = open(log_path, "ab")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self._logs[process.pid] = log
        return process

    def poll(self, process: subprocess.Popen) -> int | None:
        status = process.poll()
        if status is not None and process.pid in self._logs:
            self._logs.pop(process.pid).close()
        return status

    def interrupt(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.kill(process.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        for log in self._logs.values():
            log.close()
        self._logs.clear()
