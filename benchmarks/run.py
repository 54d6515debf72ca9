"""The tinyaug benchmark suite: full training steps timed in tinyaug and its peers, in one run.

    python -m benchmarks [--workloads W1,W2] [--dtype float32|float64|both] [--threads 1,default]
                         [--rounds N] [--passes P] [--backend numpy|cupy] [--no-memory] [--json F]

Each workload (``benchmarks/workloads``) is one training step: forward, loss, backward and an
Adam update, from the same initial weights and batch in every implementation. Columns
(``workloads.common.COLUMNS``): tinyaug fused and composite; the NumPy limit (forward and
backward derived by hand, batched over time like the fused op: the fastest this algorithm runs
on NumPy); PyTorch eager with the cell a PyTorch user writes; ``torch.nn.LSTM``; HIPS autograd;
DeZero's own LSTM layer. A peer that is not installed is skipped with a message.

How it is timed, so that a skeptic can trust the ratios:

* **Each implementation in its own process** (``benchmarks/worker.py``), so that PyTorch's
  OpenMP pool and OpenBLAS's threads never share a process. The parent asks one worker at a
  time to run a few steps and waits for the answer: the workers never compete for the cores.
* **Gradients first**: before any timing, every column computes the first step's gradients in
  float64 and they are compared with PyTorch's (the hand-written cell); a column that differs
  by more than 1e-6 (relative to the largest gradient) is not timed.
* **Interleaved rounds with rotation**: each round asks every worker in turn, the order
  rotating every round, so all see the same machine phases; ``--passes`` (at least 3) groups
  the rounds, and the tables give the median over all rounds and the spread of the passes'
  medians.
* **Both thread settings**: ``--threads 1`` (BLAS and PyTorch one thread each) and
  ``default`` (the thread variables removed: what a user gets), reported side by side. With
  more than one thread the parent waits ``SETTLE_SECONDS`` before each worker's turn, so that
  the previous worker's spinning BLAS/OpenMP threads have gone to sleep.
* **The floor**: the step's matrix-product FLOPs divided by the GEMM rate that the NumPy limit's
  own process measures, round by round, on a product of the workload's typical size.

Memory (W3, W4): each implementation in a fresh subprocess: growth of the resident set over
3 steps after the model is built, and for NumPy-based ones the tracemalloc peak of one step.
Leak check: W2 in tinyaug (fused and composite), resident memory every 100 steps over 1,000
steps after 50 warm-up steps, in a fresh subprocess. Both with one thread.
"""
from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # python benchmarks/run.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.peers import PeerMissing  # noqa: E402
from benchmarks.workloads import COLUMNS, Context, Workload, all_workloads  # noqa: E402

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
GRADIENT_REFERENCE = "torch hand cell"
GRADIENT_TOLERANCE = 1e-6
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
    """The context of this process: its backend, and its thread count (None: the libraries'
    defaults, when OMP_NUM_THREADS is not set)."""
    threads = int(os.environ["OMP_NUM_THREADS"]) if os.environ.get("OMP_NUM_THREADS") else None
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


def worker_environment(threads: str) -> dict:
    """The environment of a worker: ``threads`` "1" sets every thread variable to 1; "default"
    removes them, so that BLAS and PyTorch choose as they do for a user who sets nothing."""
    env = dict(os.environ)
    for variable in THREAD_VARIABLES:
        env.pop(variable, None)
        if threads != "default":
            env[variable] = threads
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Worker:
    """One column of one workload in a process of its own (``benchmarks/worker.py``)."""

    def __init__(self, key: str, column: str, dtype_name: str, backend: str, threads: str):
        self.column = column
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", key, column, "--dtype", dtype_name,
             "--backend", backend], cwd=REPO, env=worker_environment(threads), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.hello = self._receive()

    def _receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            error = self.process.stderr.read().strip().splitlines()
            return {"skipped": f"worker failed: {error[-1] if error else self.process.wait()}"}
        return json.loads(line)

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._receive()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.ask(op="exit")
            except (BrokenPipeError, ValueError):
                pass
        self.process.wait(timeout=60)


def start_workers(key: str, dtype_name: str, backend: str, threads: str) -> tuple[dict, dict]:
    """(column -> ready Worker, column -> reason skipped) for one workload."""
    ready, skipped = {}, {}
    for column in COLUMNS:
        worker = Worker(key, column, dtype_name, backend, threads)
        if "skipped" in worker.hello:
            skipped[column] = worker.hello["skipped"]
            worker.close()
        else:
            ready[column] = worker
    return ready, skipped


def check_gradients(key: str, backend: str) -> dict:
    """Every column's first-step gradients in float64 against PyTorch's hand-written cell:
    column -> largest |difference| / largest |reference| over all weights (or a reason)."""
    workers, skipped = start_workers(key, "float64", backend, "1")
    report: dict = {column: f"skipped: {why}" for column, why in skipped.items()}
    try:
        with tempfile.TemporaryDirectory() as folder:
            found = {}
            for column, worker in workers.items():
                path = os.path.join(folder, f"{len(found)}.npz")
                answer = worker.ask(op="gradients", path=path)
                if answer.get("ok"):
                    with np.load(path) as data:
                        found[column] = {name: data[name] for name in data.files}
                else:
                    report[column] = answer.get("why", "no gradients")
            reference = found.get(GRADIENT_REFERENCE)
            for column, gradients in found.items():
                if reference is None:
                    report[column] = f"no reference ({GRADIENT_REFERENCE} not available)"
                elif sorted(gradients) != sorted(reference):
                    report[column] = f"different weights: {sorted(set(gradients) ^ set(reference))}"
                else:
                    scale = max(float(np.max(np.abs(v))) for v in reference.values()) or 1.0
                    report[column] = max(float(np.max(np.abs(gradients[k] - reference[k])))
                                         for k in reference) / scale
    finally:
        for worker in workers.values():
            worker.close()
    return report


#: Seconds to wait after a worker's turn before the next worker starts, with more than one
#: thread: OpenBLAS and OpenMP threads spin for a while after their last product, and a
#: neighbour's spinning threads would otherwise take the cores of the worker being timed.
SETTLE_SECONDS = 0.3


def time_workload(workload: Workload, dtype_name: str, rounds: int, passes: int, backend: str,
                  threads: str, gradient_report: dict) -> dict:
    """Interleaved timing of every column, each in its own worker process."""
    workers, skipped = start_workers(workload.key, dtype_name, backend, threads)
    for column, verdict in gradient_report.items():
        if column in workers and isinstance(verdict, float) and verdict > GRADIENT_TOLERANCE:
            skipped[column] = f"gradients differ from {GRADIENT_REFERENCE} by {verdict:.1e}: not timed"
            workers.pop(column).close()
    try:
        names = list(workers)
        rounds = max(passes, round(rounds * workload.rounds_scale))
        per_pass = -(-rounds // passes)
        wall = {name: [[] for _ in range(passes)] for name in names}
        cpu = {name: [] for name in names}
        floor_worker = workers.get("numpy hand") or workers.get("tinyaug fused")
        gemm = []
        load_before = load_average()
        for round_index in range(per_pass * passes):
            shift = round_index % max(len(names), 1)
            for name in names[shift:] + names[:shift]:
                if threads != "1":
                    time.sleep(SETTLE_SECONDS)
                answer = workers[name].ask(op="time", steps=workload.steps_per_round)
                wall[name][round_index // per_pass].append(answer["ms"])
                cpu[name].append(answer["cpu_ms"])
            if floor_worker is not None:
                gemm.append(floor_worker.ask(op="gemm", shape=list(workload.gemm_shape))["gflops"])
        first_losses = {name: workers[name].hello["first_loss"] for name in names}
        pools = {name: workers[name].hello["pools"] for name in names}
    finally:
        for worker in workers.values():
            worker.close()
    gflops = statistics.median(gemm) if gemm else float("nan")
    everything = {name: [ms for chunk in chunks for ms in chunk] for name, chunks in wall.items()}
    return {
        "key": workload.key, "title": workload.title, "dtype": dtype_name, "threads": threads,
        "rounds": per_pass * passes, "passes": passes, "steps_per_round": workload.steps_per_round,
        "median_ms": {name: statistics.median(v) for name, v in everything.items()},
        "min_ms": {name: min(v) for name, v in everything.items()},
        "pass_medians_ms": {name: [statistics.median(c) for c in chunks] for name, chunks in wall.items()},
        "cpu_ms": {name: statistics.median(v) for name, v in cpu.items()},
        "first_loss": first_losses, "skipped": skipped, "notes": workload.notes, "pools": pools,
        "gradient_check": gradient_report,
        "gemm_gflops": gflops, "matmul_gflop": workload.matmul_flops / 1e9,
        "floor_ms": workload.matmul_flops / (gflops * 1e9) * 1e3,
        "load_before": load_before, "load_after": load_average(),
    }


def print_workload(result: dict) -> None:
    print(f"\n== {result['key']} {result['title']}, {result['dtype']}, threads {result['threads']}: "
          f"{result['rounds']} rounds x {result['steps_per_round']} steps in {result['passes']} passes; "
          f"load {result['load_before']} -> {result['load_after']}")
    for note in result["notes"]:
        print(f"   note: {note}")
    medians = result["median_ms"]
    fused = medians.get("tinyaug fused")
    print(f"   floor: {result['matmul_gflop']:.3f} GFLOP of products / {result['gemm_gflops']:.1f} GFLOP/s "
          f"(GEMM measured now) = {result['floor_ms']:.2f} ms")
    print(f"   {'implementation':20s} {'first loss':>12s} {'median ms':>10s} {'passes':>17s} {'CPU ms':>8s} "
          f"{'x floor':>8s} {'fused/this':>11s} {'grad err':>9s}")
    for name, median in medians.items():
        ratio = f"{fused / median:11.2f}" if fused else f"{'':11s}"
        spread = result["pass_medians_ms"][name]
        verdict = result["gradient_check"].get(name, "-")
        verdict = f"{verdict:9.1e}" if isinstance(verdict, float) else f"{'-':>9s}"
        print(f"   {name:20s} {result['first_loss'][name]:12.7f} {median:10.2f} "
              f"{min(spread):8.2f}-{max(spread):<8.2f} {result['cpu_ms'][name]:8.2f} "
              f"{median / result['floor_ms']:8.1f} {ratio} {verdict}")
    for name, reason in result["skipped"].items():
        print(f"   {name:20s} skipped: {reason}")
    pools = {name: ", ".join(f"{api} {info.get('kernel') or ''} x{info.get('threads')}".replace("  ", " ")
                             for api, info in found.items() if isinstance(info, dict))
             for name, found in result["pools"].items()}
    print("   thread pools: " + "; ".join(f"{name}: {text}" for name, text in pools.items()))
    losses = list(result["first_loss"].values())
    tolerance = 1e-4 if result["dtype"] == "float32" else 1e-8
    if losses and max(losses) - min(losses) > tolerance * max(1.0, abs(max(losses))):
        print(f"   WARNING: first-step losses differ by {max(losses) - min(losses):.2e}: the columns "
              f"do not compute the same thing (a model changed? see the workload's equations)")


SHORT = {"tinyaug fused": "ta fused", "tinyaug composite": "ta comp", "numpy hand": "numpy hand",
         "torch hand cell": "torch cell", "torch.nn.LSTM": "nn.LSTM", "HIPS autograd": "HIPS",
         "DeZero": "DeZero"}


def print_summary(results: list) -> None:
    for dtype, threads in sorted({(r["dtype"], r["threads"]) for r in results}):
        rows = [r for r in results if r["dtype"] == dtype and r["threads"] == threads]
        print(f"\nSummary, {dtype}, threads {threads}: median ms per training step "
              f"(floor = product FLOPs / GEMM rate)")
        print(f"{'':4s} {'floor':>7s}" + "".join(f" {SHORT[c]:>10s}" for c in COLUMNS))
        for r in rows:
            cells = "".join(f" {r['median_ms'][c]:10.2f}" if c in r["median_ms"] else f" {'-':>10s}"
                            for c in COLUMNS)
            print(f"{r['key']:4s} {r['floor_ms']:7.2f}{cells}")
        print(f"\nRatios, {dtype}, threads {threads}: tinyaug fused / peer (below 1: tinyaug "
              f"faster); composite / torch cell")
        peers = [c for c in COLUMNS if c != "tinyaug fused"]
        print(f"{'':4s}" + "".join(f" {SHORT[c]:>10s}" for c in peers) + f" {'comp/cell':>10s}")
        for r in rows:
            m = r["median_ms"]
            fused = m.get("tinyaug fused")
            cells = "".join(f" {fused / m[c]:10.2f}" if fused and c in m else f" {'-':>10s}" for c in peers)
            comp = (f" {m['tinyaug composite'] / m['torch hand cell']:10.2f}"
                    if "tinyaug composite" in m and "torch hand cell" in m else f" {'-':>10s}")
            print(f"{r['key']:4s}{cells}{comp}")
    settings = sorted({r["threads"] for r in results})
    if len(settings) > 1:
        print("\nDefault threads against one thread (median ms, default / 1; above 1: the default is slower)")
        by_key = {(r["key"], r["dtype"], r["threads"]): r for r in results}
        for (key, dtype, threads), r in sorted(by_key.items()):
            other = by_key.get((key, dtype, "1"))
            if threads != "default" or other is None:
                continue
            cells = "  ".join(f"{SHORT[c]} {r['median_ms'][c] / other['median_ms'][c]:.2f}"
                              for c in COLUMNS if c in r["median_ms"] and c in other["median_ms"])
            print(f"   {key} {dtype}: {cells}")


def check_targets(results: list) -> list[tuple[str, str, bool, float]]:
    """The targets of issue 23, each (setting, text, met, measured ratio), for the columns present."""
    checks = []
    for r in results:
        m, key = r["median_ms"], r["key"]
        fused = m.get("tinyaug fused")
        setting = f"{r['dtype']} threads {r['threads']}"

        def add(text, numerator, column, limit):
            if numerator is not None and column in m:
                ratio = numerator / m[column]
                checks.append((setting, f"{key}: {text} (≤ {limit})", ratio <= limit, ratio))

        if key in ("W1", "W2", "W3"):
            add("fused / numpy hand", fused, "numpy hand", 1.15)
        if key in ("W1", "W2", "W4"):
            add("fused / torch hand cell", fused, "torch hand cell", 1.0)
            add("fused / HIPS autograd", fused, "HIPS autograd", 0.5)
            add("fused / DeZero", fused, "DeZero", 0.5)
        limits = {"W1": 1.5, "W2": 1.0, "W3": 1.25}
        if key in limits:
            add("fused / torch.nn.LSTM", fused, "torch.nn.LSTM", limits[key])
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
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=worker_environment("1"))
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
    parser.add_argument("--threads", default="1,default",
                        help="thread settings to time, comma-separated: a number, or 'default' "
                             "(thread variables unset: the libraries' own choice)")
    parser.add_argument("--rounds", type=int, default=15, help="alternation rounds (W3, W4 use fewer)")
    parser.add_argument("--passes", type=int, default=3, help="groups of rounds for the spread (>= 3)")
    parser.add_argument("--backend", default="numpy", choices=("numpy", "cupy"),
                        help="tinyaug backend; cupy also puts the PyTorch columns on cuda")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory and leak probes")
    parser.add_argument("--no-gradient-check", action="store_true",
                        help="time without the float64 gradient cross-check first")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--probe-memory", nargs=2, metavar=("WORKLOAD", "COLUMN"), help=argparse.SUPPRESS)
    parser.add_argument("--probe-leak", nargs=2, metavar=("WORKLOAD", "COLUMN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)

    if args.probe_memory or args.probe_leak:
        probe = probe_memory if args.probe_memory else probe_leak
        key, column = args.probe_memory or args.probe_leak
        print(json.dumps(probe(key, column, np.dtype(dtypes[0]).type, make_context(args.backend))))
        return
    if args.passes < 3:
        parser.error("--passes must be at least 3 (the spread needs several passes)")
    thread_settings = [t.strip() for t in args.threads.split(",") if t.strip()]
    for setting in thread_settings:
        if setting != "default" and not setting.isdigit():
            parser.error(f"--threads: {setting!r} is neither a number nor 'default'")

    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), load average {load_average()}")
    print(f"thread settings: {', '.join(thread_settings)} (each worker process gets its own; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"backend: tinyaug {args.backend}"
          + ("; numpy hand, HIPS and DeZero stay on the CPU" if args.backend != "numpy" else ""))
    available = all_workloads()
    keys = [k.strip() for k in args.workloads.split(",") if k.strip()]
    results, gradient_checks = [], {}
    for key in keys:
        workload = available.get(key, f"unknown workload {key!r}")
        if isinstance(workload, str):
            print(f"\n== {key}: skipped: {workload}")
            continue
        if not args.no_gradient_check:
            gradient_checks[key] = check_gradients(key, args.backend)
            print(f"\n== {key}: float64 gradients against {GRADIENT_REFERENCE} (max |diff| / max |ref|): "
                  + ", ".join(f"{SHORT[c]} {v:.1e}" if isinstance(v, float) else f"{SHORT[c]} {v}"
                              for c, v in gradient_checks[key].items()))
        for threads in thread_settings:
            for dtype_name in dtypes:
                result = time_workload(workload, dtype_name, args.rounds, args.passes, args.backend,
                                       threads, gradient_checks.get(key, {}))
                print_workload(result)
                results.append(result)
    if results:
        print_summary(results)
        print("\nTargets (issue 23):")
        for setting, text, met, ratio in check_targets(results):
            print(f"   {setting:22s} {text:40s} {ratio:6.2f}  {'met' if met else 'MISSED'}")
    extra = {}
    if not args.no_memory:
        memory_keys = [k for k in keys if k in MEMORY_WORKLOADS and not isinstance(available.get(k), str)]
        extra["memory"] = memory_report(memory_keys, dtypes[0], args.backend)
        extra["leak"] = leak_report(dtypes[0], args.backend)
    print(f"\nload average at the end: {load_average()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "gradient_checks": gradient_checks, **extra,
                       "versions": versions(), "cpu": cpu_model(), "nproc": os.cpu_count()}, f, indent=1)


if __name__ == "__main__":
    main()
