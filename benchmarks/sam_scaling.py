"""SAM scaling: one training step (forward + backward + Adam) against the number of memory
words N, for SAM with the exact index, SAM with the approximate (hnswlib) index, and tinyaug's
dense NTM (Rae, Hunt et al. 2016, Fig. 1 / the slides' "Sparse DNC efficiency").

Setting (the paper's): batch 8, LSTM controller of 100 units, 4 read heads + 1 write head,
K = 4 words per read (SAM), word size W = 20, T = 100 time steps of random 8-bit inputs (plus a
flag channel) and targets, BCE over every output; float32; one thread.

Each (model, N) runs in a fresh subprocess: one warm-up step, then ``rounds`` timed steps
(median reported), then one step under tracemalloc (its peak, Python allocations including
NumPy buffers), and the resident-set peak (VmHWM, reset with /proc/self/clear_refs after the
model is built, so it covers the steps and not the imports); a step slower than 30 s is timed
once, by its warm-up. The dense NTM and SAM with the exact index (both O(N) per step) are
stopped after the first N whose step exceeds ``--dense-time-cap`` seconds or before one whose
predicted peak (linear in N from the two previous sizes) exceeds ``--dense-memory-cap`` GiB;
further sizes are extrapolated linearly in N and marked as such.

    OMP_NUM_THREADS=1 python benchmarks/sam_scaling.py [--sizes 1024,4096,...] [--rounds 3]
        [--out benchmarks/results/sam_scaling.json]

Then ``python examples/sam_figures.py scaling benchmarks/results/sam_scaling.json docs/figures/sam_scaling.png``.
The machine is shared: read the ratios within one run, not the absolute times.
"""
from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, CONTROLLER, READ_HEADS, SPARSITY, WIDTH, TIME, BITS = 8, 100, 4, 4, 20, 100, 8
SIZES = [1024, 4096, 16384, 65536, 262144, 1048576]
MODELS = ("sam-hnsw", "ntm-dense", "sam-exact")
CAPPED = ("ntm-dense", "sam-exact")   # O(N) per step: stopped at the caps, then extrapolated


def _peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def measure(model_name: str, rows: int, rounds: int) -> dict:
    """Runs in the child process: time and memory of one training step."""
    import tracemalloc

    import numpy as np

    sys.path.insert(0, REPO)
    import tinyaug as ta
    from tinyaug.models.ntm import NTM
    from tinyaug.models.sam import SAM

    rng = np.random.default_rng(0)
    if model_name == "ntm-dense":
        model = NTM(BITS + 1, BITS, controller="lstm", controller_size=CONTROLLER, memory_rows=rows,
                    memory_width=WIDTH, read_heads=READ_HEADS, write_heads=1, rng=rng)
    else:
        model = SAM(BITS + 1, BITS, controller_size=CONTROLLER, memory_rows=rows, memory_width=WIDTH,
                    read_heads=READ_HEADS, write_heads=1, sparsity=SPARSITY,
                    index="exact" if model_name == "sam-exact" else "hnsw", rng=rng)
    optimizer = ta.optim.Adam(model.parameters(), lr=1e-4)
    data = np.random.default_rng(1)
    inputs = ta.tensor(data.integers(0, 2, (TIME, BATCH, BITS + 1)).astype(np.float32))
    targets = ta.tensor(data.integers(0, 2, (TIME, BATCH, BITS)).astype(np.float32))

    def step() -> float:
        loss = ta.binary_cross_entropy_with_logits(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    _reset_peak_rss()
    rss_before = _peak_rss_kib()
    start = time.perf_counter()
    step()                                                    # warm-up (allocates the memory)
    warmup = time.perf_counter() - start
    times: list[float] = []
    if warmup <= 30:  # a slow step is timed once, by its warm-up (nothing is left to warm)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    else:
        times.append(warmup)
    rss_peak = _peak_rss_kib()
    tracemalloc.start()
    step()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"model": model_name, "rows": rows, "seconds": statistics.median(times), "times": times,
            "warmup_seconds": warmup, "rss_peak_mib": rss_peak / 1024, "rss_at_start_mib": rss_before / 1024,
            "tracemalloc_peak_mib": traced_peak / 2 ** 20, "measured": True}


def run_child(model_name: str, rows: int, rounds: int, timeout: float) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--child", model_name, str(rows), str(rounds)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"model": model_name, "rows": rows, "measured": False, "error": f"timed out after {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"model": model_name, "rows": rows, "measured": False,
                "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def extrapolate(measured: list[dict], rows: int) -> dict:
    """Linear in N through the two largest measured sizes (the dense NTM's cost is O(N))."""
    a, b = measured[-2], measured[-1]
    result = {"model": b["model"], "rows": rows, "measured": False, "extrapolated": True}
    for key in ("seconds", "rss_peak_mib", "tracemalloc_peak_mib"):
        slope = (b[key] - a[key]) / (b["rows"] - a["rows"])
        result[key] = b[key] + slope * (rows - b["rows"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", nargs=3, metavar=("MODEL", "ROWS", "ROUNDS"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dense-time-cap", type=float, default=30.0, help="seconds per O(N) step")
    parser.add_argument("--dense-memory-cap", type=float, default=6.0, help="GiB predicted for a dense step")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per measurement")
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results", "sam_scaling.json"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]), int(args.child[2]))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    header = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
              "load_average": os.getloadavg(), "threads": os.environ["OMP_NUM_THREADS"],
              "batch": BATCH, "controller": CONTROLLER, "read_heads": READ_HEADS, "write_heads": 1,
              "sparsity": SPARSITY, "width": WIDTH, "time_steps": TIME, "rounds": args.rounds,
              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    print(f"one training step: batch {BATCH}, LSTM {CONTROLLER}, {READ_HEADS} read + 1 write heads, "
          f"K {SPARSITY}, W {WIDTH}, T {TIME}; load average {header['load_average']}")
    print(f"{'model':10s} {'N':>8s} {'s/step':>9s} {'RSS MiB':>9s} {'traced MiB':>11s}")
    for model_name in args.models.split(","):
        measured: list[dict] = []
        stopped = None
        for rows in sizes:
            if stopped is None and model_name in CAPPED and len(measured) >= 2:
                predicted = extrapolate(measured, rows)
                if predicted["rss_peak_mib"] / 1024 > args.dense_memory_cap:
                    stopped = f"predicted {predicted['rss_peak_mib'] / 1024:.1f} GiB > cap"
                elif measured[-1]["seconds"] > args.dense_time_cap:
                    stopped = f"last step {measured[-1]['seconds']:.0f} s > cap"
            if stopped:
                result = extrapolate(measured, rows)
                result["note"] = stopped
            else:
                result = run_child(model_name, rows, args.rounds, args.timeout)
                if result.get("measured"):
                    measured.append(result)
                elif model_name in CAPPED and len(measured) >= 2:
                    stopped = result.get("error", "failed")
                    result = {**extrapolate(measured, rows), "note": stopped}
            results.append(result)
            if result.get("seconds") is not None:
                tag = "" if result.get("measured") else "  (extrapolated)"
                print(f"{model_name:10s} {rows:8d} {result['seconds']:9.3f} {result['rss_peak_mib']:9.1f} "
                      f"{result['tracemalloc_peak_mib']:11.1f}{tag}", flush=True)
            else:
                print(f"{model_name:10s} {rows:8d} not measured: {result.get('error')}", flush=True)
            os.makedirs(os.path.dirname(args.out), exist_ok=True)
            with open(args.out, "w") as handle:
                json.dump({"setting": header, "results": results}, handle, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
