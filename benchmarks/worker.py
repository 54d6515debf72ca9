"""One benchmark column in a process of its own (started by ``benchmarks/run.py``).

    python -m benchmarks.worker WORKLOAD COLUMN --dtype float32 --backend numpy

The parent sets the thread variables in this process's environment before it starts (so that
BLAS and PyTorch pick them up at import) and talks to it over stdin/stdout, one JSON object a
line. On start the worker builds the column's step, runs it twice (the first loss is reported,
the second step is warm-up) and answers ``{"ready": ...}`` or ``{"skipped": reason}``. Then:

    {"op": "time", "steps": K}     -> {"ms": wall ms per step, "cpu_ms": CPU ms per step}
    {"op": "gemm", "shape": [m, k, n]} -> {"gflops": GEMM rate of this process's BLAS}
    {"op": "gradients", "path": P} -> writes the first step's gradients to P (.npz); {"ok": true}
    {"op": "exit"}

Only one worker runs at a time: the parent waits for each answer before it asks the next
worker, so the implementations never compete with each other for the cores.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time


def _threads_in_use() -> dict:
    """What this process's thread pools are set to: BLAS (kernel and threads), PyTorch."""
    found = {}
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            found[pool.get("internal_api", "?")] = {"threads": pool.get("num_threads"),
                                                    "kernel": pool.get("architecture")}
    except ImportError:
        found["threadpoolctl"] = "not installed"
    if "torch" in sys.modules:
        found["torch"] = {"threads": sys.modules["torch"].get_num_threads()}
    return found


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("column")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--backend", default="numpy")
    args = parser.parse_args(argv)

    import numpy as np

    from benchmarks.peers import PeerMissing
    from benchmarks.run import gemm_gflops, make_context
    from benchmarks.workloads import all_workloads

    context = make_context(args.backend)
    workload = all_workloads()[args.workload]
    builder = workload.builders.get(args.column, "not offered by this workload")
    if isinstance(builder, str):
        _send({"skipped": builder})
        return
    dtype = np.dtype(args.dtype).type
    problem = workload.make_problem(dtype)
    try:
        step = builder(problem, context)
    except PeerMissing as error:
        _send({"skipped": str(error)})
        return
    first_loss = step()
    gradients = step.gradients() if hasattr(step, "gradients") else None
    step()  # warm-up
    _send({"ready": True, "first_loss": first_loss, "pid": os.getpid(), "pools": _threads_in_use(),
           "gradients": gradients is not None})
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "time":
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(request["steps"]):
                step()
            steps = request["steps"]
            _send({"ms": (time.perf_counter() - wall) / steps * 1e3,
                   "cpu_ms": (time.process_time() - cpu) / steps * 1e3})
        elif op == "gemm":
            _send({"gflops": gemm_gflops(tuple(request["shape"]), dtype, context)})
        elif op == "gradients":
            if gradients is None:
                _send({"ok": False, "why": "this column offers no gradients()"})
            else:
                np.savez(request["path"], **gradients)
                _send({"ok": True})
        elif op == "exit":
            return


if __name__ == "__main__":
    main()
