"""The sweep on a Dask cluster (``--executor dask``; ``pip install tinyaug[dask]``).

Each run is one Dask task that starts the same ``tinyaug train`` command as the local executor,
as a subprocess on the worker, and returns its exit status. Without ``--scheduler`` the sweep
starts a local cluster of ``--jobs`` single-thread workers in its own process (what the
tests use); with ``--scheduler tcp://host:8786`` it sends the runs to a running cluster, one run
per worker thread (start workers with ``--nthreads 1`` per core you give them).

The workers must see the sweep folder and this tinyaug at the same paths as the machine that
starts the sweep (a shared file system, as on a cluster's nodes): runs write their folders
there, and the summary and a restart read them from there. The command runs under the worker's
own Python.

Ctrl-C: the sweep sets a Dask ``Event`` per run; the task polls it and passes one SIGINT to its
training, which saves and exits 130, exactly as with local processes.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import uuid

from .errors import SweepError


def run_command(command: list[str], env: dict[str, str], log_path: str, stop_name: str,
                poll_seconds: float = 0.25) -> int:
    """Run ``command`` (its first element replaced by this worker's Python) with its output
    appended to ``log_path``; pass one SIGINT on when the Event ``stop_name`` is set. Returns
    the exit status (130 without starting when the stop came first)."""
    from distributed import Event
    stop = Event(stop_name)
    if stop.is_set():
        return 130
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, *command[1:]], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        interrupted = False
        while True:
            try:
                return process.wait(timeout=poll_seconds)
            except subprocess.TimeoutExpired:
                pass
            if not interrupted and stop.is_set():
                process.send_signal(signal.SIGINT)
                interrupted = True


class DaskExecutor:
    """Runs the sweep's commands as tasks on a Dask cluster (a local one by default)."""

    def __init__(self, jobs: int, address: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("sweep: --executor dask needs Dask's distributed scheduler: "
                             "pip install 'tinyaug[dask]' (or: pip install distributed)") from None
        self.cluster = None
        if address:
            self.client = Client(address)
            threads = sum(self.client.nthreads().values())
            if threads < 1:
                raise SweepError(f"sweep: the Dask scheduler at {address} has no workers")
            self.slots = threads
        else:
            # Threads, not processes, for the workers: each task only waits on a subprocess.
            self.cluster = LocalCluster(n_workers=max(int(jobs), 1), threads_per_worker=1,
                                        processes=False, dashboard_address=None)
            self.client = Client(self.cluster)
            self.slots = max(int(jobs), 1)

    def start(self, command: list[str], env: dict[str, str], log_path: str):
        stop_name = f"tinyaug-sweep-stop-{uuid.uuid4().hex}"
        future = self.client.submit(run_command, command, env, log_path, stop_name, pure=False)
        return future, stop_name

    def poll(self, handle) -> int | None:
        future, _ = handle
        if not future.done():
            return None
        if future.status != "finished":  # the task itself failed (not the training)
            return 1
        return int(future.result())

    def interrupt(self, handle) -> None:
        from distributed import Event
        future, stop_name = handle
        if not future.done():
            Event(stop_name, client=self.client).set()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
