"""The tinyaug benchmark suite: full training steps timed in tinyaug and its peers, in one run.

    OMP_NUM_THREADS=1 python -m benchmarks [--workloads W1,W2] [--dtype float32|float64|both]
                                           [--rounds N] [--backend numpy|cupy] [--no-memory]

Each workload (``benchmarks/workloads``) is one training step: forward, loss, backward and an
Adam update, from the same initial weights and batch in every implementation (the first-step
losses are printed so that one can see they agree). Columns (``workloads.common.COLUMNS``):
tinyaug fused and composite, NumPy with a hand-derived backward (no autodiff: the limit for a
NumPy framework), PyTorch eager with the same hand-written cells, ``torch.nn.LSTM``, HIPS
autograd and DeZero. A peer that is not installed is skipped with a message.

Timing: after two warm-up steps each, the implementations are alternated round by round (the
order rotates every round) and each one's per-step median over the rounds is reported, with
ratios tinyaug / peer. The floor of a workload is its matrix-product FLOPs divided by the GEMM
rate measured at that moment on a product of the workload's typical size (once per round).

Memory (W3, W4): each implementation in a fresh subprocess: growth of the resident set over
3 steps after the model is built, and for NumPy-based ones the tracemalloc peak of one step.
Leak check: W2 in tinyaug (fused and composite), resident memory every 100 steps over 1,000
steps after 50 warm-up steps, in a fresh subprocess.

Threads: the BLAS thread variables default to 1 (set them before starting to change that) and
PyTorch gets ``torch.set_num_threads`` equal to ``OMP_NUM_THREADS``.
"""
from __future__ import annotations

import os
import sys

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, os.environ.get("OMP_NUM_THREADS", "1"))
if __package__ in (None, ""):  # python benchmarks/run.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.peers import PeerMissing  # noqa: E402
from benchmarks.workloads import COLUMNS, Context, Workload, all_workloads  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEMORY_WORKLOADS = ("W3", "W4")
NUMPY_BASED = ("tinyaug fused", "tinyaug composite", "numpy hand", "HIPS autograd", "DeZero")


# -- machine ------------------------------------------------------------------------------------

def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def resident_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_resident_mb()


def peak_resident_mb() -> float:
    """Peak resident set of this process in MB: VmHWM from /proc (reset by ``reset_peak``).
    Not ``ru_maxrss``: on Linux that survives fork and exec, so a probe would report its
    parent's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def reset_peak() -> None:
    """Reset VmHWM to the current resident set (Linux ≥ 4.0: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def versions() -> dict:
    found = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "autograd", "dezero", "cupy"):
        try:
            from importlib.metadata import version
            found[name] = version(name)
        except Exception:  # noqa: BLE001 - not installed
            pass
    return found


def make_context(backend: str) -> Context:
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    if backend == "cupy":
        import tinyaug as ta
        ta.set_backend("cupy")  # raises a BackendError naming the problem when CuPy is absent
        return Context(backend="cupy", torch_device="cuda", threads=threads)
    return Context(backend="numpy", torch_device="cpu", threads=threads)


# -- the floor ------------------------------------------------------------------------------------

def gemm_gflops(shape: tuple, dtype, context: Context, seconds: float = 0.02) -> float:
    """GFLOP/s of an (m, k) @ (k, n) product on the backend, best of a short burst."""
    import tinyaug as ta
    xp = ta.get_backend(context.backend).xp
    m, k, n = shape
    rng = np.random.default_rng(0)
    a = xp.asarray(rng.standard_normal((m, k)).astype(dtype))
    b = xp.asarray(rng.standard_normal((k, n)).astype(dtype))
    out = xp.empty((m, n), dtype=dtype)
    sync = getattr(getattr(xp, "cuda", None), "Device", None)
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or best == float("inf"):
        start = time.perf_counter()
        for _ in range(10):
            xp.matmul(a, b, out=out)
        if sync is not None:
            sync().synchronize()
        best = min(best, (time.perf_counter() - start) / 10)
    return 2 * m * k * n / best / 1e9


# -- timing ---------------------------------------------------------------------------------------

def build_steps(workload: Workload, problem: dict, context: Context, columns=COLUMNS) -> tuple[dict, dict]:
    """(name -> step) for the columns that run, (name -> reason) for the others."""
    steps, skipped = {}, {}
    for name in columns:
        builder = workload.builders.get(name, "not offered by this workload")
        if isinstance(builder, str):
            skipped[name] = builder
            continue
        try:
            steps[name] = builder(problem, context)
        except PeerMissing as error:
            skipped[name] = str(error)
    return steps, skipped


def time_workload(workload: Workload, dtype, rounds: int, context: Context) -> dict:
    problem = workload.make_problem(dtype)
    steps, skipped = build_steps(workload, problem, context)
    losses = {name: step() for name, step in steps.items()}
    for step in steps.values():   # warm-up
        step()
    per_step = {name: [] for name in steps}
    gemm = [gemm_gflops(workload.gemm_shape, dtype, context)]
    names = list(steps)
    rounds = max(3, round(rounds * workload.rounds_scale))
    load_before = load_average()
    for round_index in range(rounds):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            step = steps[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(workload.steps_per_round):
                step()
            per_step[name].append((time.perf_counter() - start) / workload.steps_per_round * 1e3)
        gemm.append(gemm_gflops(workload.gemm_shape, dtype, context))
    gflops = statistics.median(gemm)
    return {
        "key": workload.key, "title": workload.title, "dtype": np.dtype(dtype).name,
        "rounds": rounds, "steps_per_round": workload.steps_per_round,
        "median_ms": {name: statistics.median(v) for name, v in per_step.items()},
        "min_ms": {name: min(v) for name, v in per_step.items()},
        "first_loss": losses, "skipped": skipped, "notes": workload.notes,
        "gemm_gflops": gflops, "matmul_gflop": workload.matmul_flops / 1e9,
        "floor_ms": workload.matmul_flops / (gflops * 1e9) * 1e3,
        "load_before": load_before, "load_after": load_average(),
    }


def print_workload(result: dict) -> None:
    print(f"\n== {result['key']} {result['title']}, {result['dtype']}: median of {result['rounds']} "
          f"rounds x {result['steps_per_round']} steps; load {result['load_before']} -> {result['load_after']}")
    for note in result["notes"]:
        print(f"   note: {note}")
    medians = result["median_ms"]
    fused = medians.get("tinyaug fused")
    print(f"   floor: {result['matmul_gflop']:.3f} GFLOP of products / {result['gemm_gflops']:.1f} GFLOP/s "
          f"(GEMM measured now) = {result['floor_ms']:.2f} ms")
    print(f"   {'implementation':20s} {'first loss':>12s} {'median ms':>10s} {'min ms':>9s} "
          f"{'x floor':>8s} {'fused/this':>11s}")
    for name, median in medians.items():
        ratio = f"{fused / median:11.2f}" if fused else f"{'':11s}"
        print(f"   {name:20s} {result['first_loss'][name]:12.7f} {median:10.2f} "
              f"{result['min_ms'][name]:9.2f} {median / result['floor_ms']:8.1f} {ratio}")
    for name, reason in result["skipped"].items():
        print(f"   {name:20s} skipped: {reason}")
    losses = list(result["first_loss"].values())
    tolerance = 1e-4 if result["dtype"] == "float32" else 1e-8
    if losses and max(losses) - min(losses) > tolerance * max(1.0, abs(max(losses))):
        print(f"   WARNING: first-step losses differ by {max(losses) - min(losses):.2e}: the columns "
              f"do not compute the same thing (a model changed? see the workload's equations)")


def print_summary(results: list) -> None:
    short = {"tinyaug fused": "ta fused", "tinyaug composite": "ta comp", "numpy hand": "numpy hand",
             "torch hand cell": "torch cell", "torch.nn.LSTM": "nn.LSTM", "HIPS autograd": "HIPS",
             "DeZero": "DeZero"}
    for dtype in sorted({r["dtype"] for r in results}):
        rows = [r for r in results if r["dtype"] == dtype]
        print(f"\nSummary, {dtype}: median ms per training step (floor = product FLOPs / GEMM rate)")
        header = f"{'':4s} {'floor':>7s}" + "".join(f" {short[c]:>10s}" for c in COLUMNS)
        print(header)
        for r in rows:
            cells = "".join(f" {r['median_ms'][c]:10.2f}" if c in r["median_ms"] else f" {'-':>10s}"
                            for c in COLUMNS)
            print(f"{r['key']:4s} {r['floor_ms']:7.2f}{cells}")
        print(f"\nRatios, {dtype}: tinyaug fused / peer (below 1: tinyaug faster); "
              f"composite / torch cell")
        peers = [c for c in COLUMNS if c not in ("tinyaug fused",)]
        print(f"{'':4s}" + "".join(f" {short[c]:>10s}" for c in peers) + f" {'comp/cell':>10s}")
        for r in rows:
            m = r["median_ms"]
            fused = m.get("tinyaug fused")
            cells = "".join(f" {fused / m[c]:10.2f}" if fused and c in m else f" {'-':>10s}" for c in peers)
            comp = (f" {m['tinyaug composite'] / m['torch hand cell']:10.2f}"
                    if "tinyaug composite" in m and "torch hand cell" in m else f" {'-':>10s}")
            print(f"{r['key']:4s}{cells}{comp}")


def check_targets(results: list) -> list[tuple[str, str, bool, float]]:
    """The issue's targets, each (dtype, text, met, measured ratio), for the columns present."""
    checks = []
    for r in results:
        m, key = r["median_ms"], r["key"]
        fused, comp = m.get("tinyaug fused"), m.get("tinyaug composite")

        def add(text, numerator, column, limit):
            if numerator is not None and column in m:
                ratio = numerator / m[column]
                checks.append((r["dtype"], f"{key}: {text} (≤ {limit})", ratio <= limit, ratio))

        if key in ("W1", "W2", "W3"):
            add("fused / numpy hand", fused, "numpy hand", 1.15)
        if key in ("W1", "W2", "W4"):
            add("fused / torch hand cell", fused, "torch hand cell", 1.0)
            add("fused / HIPS autograd", fused, "HIPS autograd", 0.5)
            add("fused / DeZero", fused, "DeZero", 0.5)
        if key == "W2":
            add("fused / torch.nn.LSTM", fused, "torch.nn.LSTM", 1.0)
        if key in ("W1", "W3"):
            add("fused / torch.nn.LSTM", fused, "torch.nn.LSTM", 1.5)
        add("composite / torch hand cell", comp, "torch hand cell", 2.0)
    return checks


# -- memory probes (run in a fresh subprocess each) ----------------------------------------------

def probe_memory(key: str, column: str, dtype, context: Context) -> dict:
    workload = all_workloads()[key]
    problem = workload.make_problem(dtype)
    steps, skipped = build_steps(workload, problem, context, columns=(column,))
    if column not in steps:
        return {"skipped": skipped.get(column, "unknown column")}
    step = steps[column]
    gc.collect()
    before = resident_mb()
    reset_peak()
    for _ in range(3):
        step()
    result = {"rss_before_mb": before, "peak_rss_mb": peak_resident_mb(),
              "step_growth_mb": peak_resident_mb() - before}
    if column in NUMPY_BASED:
        import tracemalloc
        gc.collect()
        tracemalloc.start()
        step()
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result


def probe_leak(key: str, column: str, dtype, context: Context, total: int = 1000, every: int = 100) -> dict:
    workload = all_workloads()[key]
    problem = workload.make_problem(dtype)
    steps, skipped = build_steps(workload, problem, context, columns=(column,))
    step = steps[column]
    for _ in range(50):
        step()
    gc.collect()
    samples = [(0, resident_mb())]
    start = time.perf_counter()
    for index in range(1, total + 1):
        step()
        if index % every == 0:
            samples.append((index, resident_mb()))
    return {"samples": samples, "ms_per_step": (time.perf_counter() - start) / total * 1e3}


def run_probe(kind: str, key: str, column: str, dtype_name: str, backend: str) -> dict:
    command = [sys.executable, "-m", "benchmarks.run", f"--probe-{kind}", key, column,
               "--dtype", dtype_name, "--backend", backend]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"skipped": f"probe failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}"}
    return json.loads(lines[-1])


def memory_report(keys: list, dtype_name: str, backend: str) -> dict:
    report = {}
    for key in keys:
        print(f"\nMemory, {key} {dtype_name} (each implementation in a fresh process; "
              f"growth of the resident set over 3 steps after building; tracemalloc peak of one step)")
        print(f"   {'implementation':20s} {'RSS before':>11s} {'step growth':>12s} {'peak RSS':>9s} "
              f"{'tracemalloc':>12s}")
        report[key] = {}
        for column in COLUMNS:
            probe = run_probe("memory", key, column, dtype_name, backend)
            report[key][column] = probe
            if "skipped" in probe:
                continue
            traced = f"{probe['tracemalloc_peak_mb']:9.1f} MB" if "tracemalloc_peak_mb" in probe else f"{'-':>12s}"
            print(f"   {column:20s} {probe['rss_before_mb']:8.1f} MB {probe['step_growth_mb']:9.1f} MB "
                  f"{probe['peak_rss_mb']:6.1f} MB {traced}")
    return report


def leak_report(dtype_name: str, backend: str) -> dict:
    report = {}
    print(f"\nLeak check: W2 {dtype_name}, resident MB every 100 steps over 1,000 steps after 50 warm-up steps")
    for column in ("tinyaug fused", "tinyaug composite"):
        probe = run_probe("leak", "W2", column, dtype_name, backend)
        report[column] = probe
        if "skipped" in probe:
            print(f"   {column}: {probe['skipped']}")
            continue
        values = [mb for _, mb in probe["samples"]]
        print(f"   {column:18s} " + " ".join(f"{mb:.1f}" for mb in values)
              + f"  (growth {values[-1] - values[0]:+.2f} MB; {probe['ms_per_step']:.2f} ms/step)")
    return report


# -- main -----------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="tinyaug vs peers: full training steps, same run")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6", help="comma-separated keys")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64", "both"))
    parser.add_argument("--rounds", type=int, default=15, help="alternation rounds (W3, W4 use fewer)")
    parser.add_argument("--backend", default="numpy", choices=("numpy", "cupy"),
                        help="tinyaug backend; cupy also puts the PyTorch columns on cuda")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory and leak probes")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--probe-memory", nargs=2, metavar=("WORKLOAD", "COLUMN"), help=argparse.SUPPRESS)
    parser.add_argument("--probe-leak", nargs=2, metavar=("WORKLOAD", "COLUMN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    context = make_context(args.backend)
    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)

    if args.probe_memory or args.probe_leak:
        probe = probe_memory if args.probe_memory else probe_leak
        key, column = args.probe_memory or args.probe_leak
        print(json.dumps(probe(key, column, np.dtype(dtypes[0]).type, context)))
        return

    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), load average {load_average()}")
    print(f"threads: OMP/OPENBLAS/MKL_NUM_THREADS = {os.environ['OMP_NUM_THREADS']}/"
          f"{os.environ['OPENBLAS_NUM_THREADS']}/{os.environ['MKL_NUM_THREADS']}, "
          f"torch.set_num_threads({context.threads})")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"backend: tinyaug {context.backend}, torch {context.torch_device}"
          + ("; numpy hand, HIPS and DeZero stay on the CPU" if context.backend != "numpy" else ""))
    available = all_workloads()
    keys = [k.strip() for k in args.workloads.split(",") if k.strip()]
    results = []
    for key in keys:
        workload = available.get(key, f"unknown workload {key!r}")
        if isinstance(workload, str):
            print(f"\n== {key}: skipped: {workload}")
            continue
        for dtype_name in dtypes:
            result = time_workload(workload, np.dtype(dtype_name).type, args.rounds, context)
            print_workload(result)
            results.append(result)
    if results:
        print_summary(results)
        print("\nTargets (from the issue):")
        for dtype_name, text, met, ratio in check_targets(results):
            print(f"   {dtype_name} {text:45s} {ratio:6.2f}  {'met' if met else 'MISSED'}")
    extra = {}
    if not args.no_memory:
        memory_keys = [k for k in keys if k in MEMORY_WORKLOADS and not isinstance(available.get(k), str)]
        extra["memory"] = memory_report(memory_keys, dtypes[0], context.backend)
        extra["leak"] = leak_report(dtypes[0], context.backend)
    print(f"\nload average at the end: {load_average()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, **extra, "versions": versions(),
                       "threads": context.threads, "cpu": cpu_model(), "nproc": os.cpu_count()}, f, indent=1)


if __name__ == "__main__":
    main()
