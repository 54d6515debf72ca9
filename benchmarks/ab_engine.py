"""A/B timing of two tinyaug checkouts in one process: this one against ``--baseline``.

Both packages are imported side by side (the baseline under the name ``tinyaug_baseline``), and
every round calls each workload once per version, alternating which goes first, so that load
from other processes on a shared machine falls on both alike. Times are CPU time of this
process (``time.process_time``). For each workload the script prints both versions' minimum and
median per call, the ratio of minima and of medians (this checkout / baseline), and the spread
of the per-round ratios (quartiles), so that a difference can be told from noise.

Workloads (float32, numpy backend, one BLAS thread advised):

* ``chain``: ``benchmarks/op_overhead.py``'s 1,000-op elementwise chain on (4, 4), forward and
  backward: per-op engine overhead;
* ``lstm composite`` / ``lstm fused``: the suite's W1 step (``benchmarks/workloads/lstm.py``) (LSTM 8 -> 128 over
  20 steps, batch 32, linear readout, BCE, backward, Adam);
* ``ntm fused`` / ``ntm composite``: the suite's W4 step (``benchmarks/workloads/ntm.py``) (copy, length 20, batch
  16, memory 128 x 20, clipping, Adam).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/ab_engine.py --baseline ../main
    python benchmarks/ab_engine.py --baseline . --current ../main     # the slots swapped
    python benchmarks/ab_engine.py --baseline ../main --count-calls   # calls per step, exact
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)


def load_baseline(root: str):
    """The ``tinyaug`` package of checkout ``root``, imported as ``tinyaug_baseline``."""
    package = os.path.join(os.path.abspath(root), "tinyaug")
    spec = importlib.util.spec_from_file_location("tinyaug_baseline", os.path.join(package, "__init__.py"),
                                                  submodule_search_locations=[package])
    module = importlib.util.module_from_spec(spec)
    sys.modules["tinyaug_baseline"] = module
    spec.loader.exec_module(module)
    return module


def submodule(ta, name: str):
    return importlib.import_module(f"{ta.__name__}.{name}")


def chain_workload(ta):
    x0 = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)

    def run():
        x = ta.tensor(x0, requires_grad=True)
        y = x
        for k in range(1000):
            kind = k % 3
            y = ta.tanh(y) if kind == 0 else (y * 0.999 if kind == 1 else y + 0.001)
        y.sum().backward()
        return x.grad
    return run


def lstm_workload(ta, fused: bool):
    models = submodule(ta, "models")
    ta.set_backend("numpy")
    rng = np.random.default_rng(0)
    lstm = models.LSTM(8, 128, fused=fused)
    readout = ta.nn.Linear(128, 8)
    for p in lstm.parameters() + readout.parameters():
        p.data = (rng.standard_normal(p.shape) * 0.1).astype(np.float32)
    optimizer = ta.optim.Adam(lstm.parameters() + readout.parameters(), lr=1e-3)
    x = ta.tensor(rng.standard_normal((20, 32, 8)).astype(np.float32))
    y = ta.tensor((rng.random((20, 32, 8)) > 0.5).astype(np.float32))

    def run():
        hs, _ = lstm(x)
        loss = ta.binary_cross_entropy_with_logits(readout(hs), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return run


def ntm_workload(ta, fused: bool):
    NTM = submodule(ta, "models.ntm").NTM
    make_task = submodule(ta, "tasks").make_task
    masked_bce = submodule(ta, "experiments.sequence").masked_bce_per_sequence
    ta.set_backend("numpy")
    inputs, targets, mask = make_task("copy").batch(16, np.random.default_rng(0), length=20)
    model = NTM(9, 8, controller_size=100, memory_rows=128, memory_width=20, fused=fused,
                rng=np.random.default_rng(1))
    optimizer = ta.optim.Adam(model.parameters(), lr=1e-3)
    inputs, targets, mask = (ta.tensor(a.astype(np.float32)) for a in (inputs, targets, mask))

    def run():
        loss = ta.sum(masked_bce(model(inputs), targets, mask)) / 16
        optimizer.zero_grad()
        loss.backward()
        ta.optim.clip_grad_norm(model.parameters(), 10.0)
        optimizer.step()
        return loss.item()
    return run


WORKLOADS = {
    "chain": chain_workload,
    "lstm composite": lambda ta: lstm_workload(ta, fused=False),
    "lstm fused": lambda ta: lstm_workload(ta, fused=True),
    "ntm fused": lambda ta: ntm_workload(ta, fused=True),
    "ntm composite": lambda ta: ntm_workload(ta, fused=False),
}


def compare(name: str, baseline, current, rounds: int, calls: int) -> dict:
    runs = {"baseline": WORKLOADS[name](baseline), "this": WORKLOADS[name](current)}
    times = {"baseline": [], "this": []}
    for fn in runs.values():
        fn()  # warm-up
    for r in range(rounds):
        order = ("baseline", "this") if r % 2 == 0 else ("this", "baseline")
        for version in order:
            best = float("inf")
            for _ in range(calls):
                start = time.process_time()
                runs[version]()
                best = min(best, time.process_time() - start)
            times[version].append(best)
    a, b = times["baseline"], times["this"]
    per_round = sorted(y / x for x, y in zip(a, b))
    quartiles = statistics.quantiles(per_round, n=4) if len(per_round) > 1 else per_round * 3
    return dict(name=name, base_min=min(a), this_min=min(b), base_med=statistics.median(a),
                this_med=statistics.median(b), q1=quartiles[0], q3=quartiles[2])


def count_calls(name: str, baseline, current) -> tuple:
    """Python function calls in one step of each version (cProfile): a count that load cannot
    disturb, so equal counts say the two versions run the same code path."""
    import cProfile
    import pstats
    counts = []
    for ta in (baseline, current):
        run = WORKLOADS[name](ta)
        run()
        profile = cProfile.Profile()
        profile.enable()
        run()
        profile.disable()
        counts.append(pstats.Stats(profile).total_calls)
    return tuple(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="path of the other checkout")
    parser.add_argument("--current", help="import `tinyaug` from this checkout instead of this "
                        "script's (to swap the two slots: --current ../main --baseline .)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=3, help="calls per version per round (min kept)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--count-calls", action="store_true",
                        help="print the Python function calls per step of each version and exit")
    args = parser.parse_args()
    if args.current:
        sys.path.insert(0, os.path.abspath(args.current))
    import tinyaug as current
    baseline = load_baseline(args.baseline)
    print(f"this: {os.path.dirname(current.__file__)}   baseline: {os.path.dirname(baseline.__file__)}")
    if args.count_calls:
        for name in args.workloads:
            base_calls, this_calls = count_calls(name, baseline, current)
            print(f"{name:16} function calls per step: baseline {base_calls}, this {this_calls} "
                  f"({this_calls - base_calls:+d})", flush=True)
        return
    print(f"{'workload':16} {'base min ms':>11} {'this min ms':>11} {'ratio min':>9} "
          f"{'base med ms':>11} {'this med ms':>11} {'ratio med':>9}  per-round ratio q1..q3")
    for name in args.workloads:
        r = compare(name, baseline, current, args.rounds, args.calls)
        print(f"{name:16} {1e3 * r['base_min']:11.2f} {1e3 * r['this_min']:11.2f} "
              f"{r['this_min'] / r['base_min']:9.3f} {1e3 * r['base_med']:11.2f} "
              f"{1e3 * r['this_med']:11.2f} {r['this_med'] / r['base_med']:9.3f}  "
              f"{r['q1']:.3f}..{r['q3']:.3f}", flush=True)


if __name__ == "__main__":
    main()
