"""Per-op overhead of the engine on small arrays, against raw NumPy and peer autodiff libraries.

The workload is a chain of ``--ops`` elementwise ops (tanh, * scalar, + scalar, repeating) on a
small float32 array, forward and backward. On a (4, 4) array the arithmetic is negligible, so the
time is bookkeeping: building the graph, dispatching ops and walking it back.

* ``numpy by hand``: the same arithmetic written out, saving the tanh outputs in a list and
  running the chain rule backwards in a loop: the floor any NumPy-based engine can reach.
* ``tinyaug``: ``ta.tanh``, ``*``, ``+`` and ``.backward()``.
* ``HIPS autograd`` and ``PyTorch eager`` (CPU, one thread): when importable.

Then the memory of a backward pass (tracemalloc): the peak while backward runs, over the
memory the forward left held by the graph (its saved buffers and outputs).

    python benchmarks/op_overhead.py                 # the table
    python benchmarks/op_overhead.py --profile       # cProfile of the tinyaug chain
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tinyaug as ta  # noqa: E402

SCALE = 0.999
SHIFT = 0.001


def numpy_by_hand(x0: np.ndarray, ops: int) -> np.ndarray:
    """Forward and backward of the chain written out in NumPy; returns d(sum)/dx0."""
    saved = []
    y = x0
    for k in range(ops):
        kind = k % 3
        if kind == 0:
            y = np.tanh(y)
            saved.append(y)
        elif kind == 1:
            y = y * SCALE
        else:
            y = y + SHIFT
    _ = y.sum()
    grad = np.ones_like(y)
    for k in reversed(range(ops)):
        kind = k % 3
        if kind == 0:
            t = saved.pop()
            grad = grad * (1 - t * t)
        elif kind == 1:
            grad = grad * SCALE
    return grad


def tinyaug_chain(x0: np.ndarray, ops: int) -> np.ndarray:
    x = ta.tensor(x0, requires_grad=True)
    y = x
    for k in range(ops):
        kind = k % 3
        if kind == 0:
            y = ta.tanh(y)
        elif kind == 1:
            y = y * SCALE
        else:
            y = y + SHIFT
    y.sum().backward()
    return x.grad


def _hips_chain(ops: int):
    import autograd
    import autograd.numpy as anp

    def chain(x):
        y = x
        for k in range(ops):
            kind = k % 3
            if kind == 0:
                y = anp.tanh(y)
            elif kind == 1:
                y = y * SCALE
            else:
                y = y + SHIFT
        return anp.sum(y)

    return autograd.grad(chain)


def _torch_chain(ops: int):
    import torch
    torch.set_num_threads(1)

    def run(x0):
        x = torch.tensor(x0, requires_grad=True)
        y = x
        for k in range(ops):
            kind = k % 3
            if kind == 0:
                y = torch.tanh(y)
            elif kind == 1:
                y = y * SCALE
            else:
                y = y + SHIFT
        y.sum().backward()
        return x.grad.numpy()

    return run


def round_robin(contenders: dict, repeats: int) -> dict:
    """{name: (minimum, median) CPU seconds}: one call of each contender per round, so that load
    from other processes on a shared machine falls on all of them alike. CPU time of this
    process (``time.process_time``), not wall time: it does not count the time other processes
    hold the core, and the minimum is the figure least disturbed by them."""
    times = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()  # warm-up
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def timing_table(shape: tuple, ops: int, repeats: int) -> list[tuple[str, float, float]]:
    x0 = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    reference = numpy_by_hand(x0, ops)
    np.testing.assert_allclose(ta.to_numpy(tinyaug_chain(x0, ops)), reference, rtol=1e-5, atol=1e-6)
    contenders = {"numpy by hand": lambda: numpy_by_hand(x0, ops),
                  "tinyaug": lambda: tinyaug_chain(x0, ops)}
    try:
        hips = _hips_chain(ops)
        np.testing.assert_allclose(hips(x0), reference, rtol=1e-5, atol=1e-6)
        contenders["HIPS autograd"] = lambda: hips(x0)
    except ImportError:
        pass
    try:
        torch_run = _torch_chain(ops)
        np.testing.assert_allclose(torch_run(x0), reference, rtol=1e-5, atol=1e-6)
        contenders["PyTorch eager (CPU)"] = lambda: torch_run(x0)
    except ImportError:
        pass
    results = round_robin(contenders, repeats)
    return [(name, *results.get(name, (float("nan"), float("nan"))))
            for name in ("numpy by hand", "tinyaug", "HIPS autograd", "PyTorch eager (CPU)")]


def backward_memory(shape: tuple, ops: int) -> tuple[int, int]:
    """(bytes held by the graph after forward, peak extra bytes during backward)."""
    x = ta.tensor(np.ones(shape, dtype=np.float32), requires_grad=True)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for k in range(ops):
        kind = k % 3
        y = ta.tanh(y) if kind == 0 else (y * SCALE if kind == 1 else y + SHIFT)
    loss = y.sum()
    del y
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.reset_peak()
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return held, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--shape", type=int, nargs="+", default=[4, 4])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--backend", default="numpy", choices=["numpy", "standin"])
    parser.add_argument("--profile", action="store_true", help="cProfile the tinyaug chain and exit")
    args = parser.parse_args()
    ta.set_backend(args.backend)
    shape = tuple(args.shape)
    if args.profile:
        import cProfile
        import pstats
        x0 = np.ones(shape, dtype=np.float32)
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [tinyaug_chain(x0, args.ops) for _ in range(5)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
        return

    print(f"chain of {args.ops} elementwise ops (tanh, *{SCALE}, +{SHIFT}) on a {shape} float32 array, "
          f"forward + backward; backend {args.backend}; {args.repeats} rounds, round robin")
    rows = timing_table(shape, args.ops, args.repeats)
    floor = rows[0][1]
    print(f"{'CPU time':22s}{'best ms':>10s}{'median ms':>11s}{'us/op':>8s}{'x numpy':>9s}")
    for name, best, median in rows:
        if best != best:  # NaN: not installed
            print(f"{name:22s}{'not installed':>38s}")
            continue
        print(f"{name:22s}{best * 1e3:10.2f}{median * 1e3:11.2f}{best * 1e6 / args.ops:8.1f}{best / floor:9.2f}")

    for mem_shape, mem_ops in ((shape, args.ops), ((256, 256), 300)):
        held, peak = backward_memory(mem_shape, mem_ops)
        print(f"memory, {mem_ops} ops on {mem_shape}: graph holds {held / 1e6:.3f} MB after forward; "
              f"peak during backward {peak / 1e6:.3f} MB = {peak / held:.2f}x")


if __name__ == "__main__":
    main()
