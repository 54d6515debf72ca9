"""Peak memory of one forward + backward pass against sequence length: full BPTT keeps every
step's saved buffers until its single backward, truncated BPTT with synthetic gradients
(tinyaug.models.dni.TruncatedBPTT) keeps one window's. Measured with tracemalloc (NumPy
reports its array allocations to it), NumPy backend, float64, an LSTM cell.

    PYTHONPATH=. python benchmarks/dni_memory.py                     # table
    PYTHONPATH=. python benchmarks/dni_memory.py --figure docs/figures/dni_memory.png
"""
from __future__ import annotations

import argparse
import os
import sys
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinyaug as ta  # noqa: E402
from tinyaug.autograd import ops  # noqa: E402
from tinyaug.nn import LSTMCell  # noqa: E402
from tinyaug.models.dni import TruncatedBPTT, full_bptt  # noqa: E402
from tinyaug.nn import Linear, SyntheticGradient  # noqa: E402


def peak_mib(method: str, length: int, hidden: int, batch: int, window: int) -> float:
    rng = np.random.default_rng(0)
    cell = LSTMCell(8, hidden, rng=rng, dtype=np.float64)
    readout = Linear(hidden, 8, rng=rng, dtype=np.float64)
    synth = SyntheticGradient((hidden, hidden), rng=rng, dtype=np.float64)
    inputs = ta.tensor(rng.standard_normal((length, batch, 8)))
    targets = ta.tensor(rng.standard_normal((length, batch, 8)))

    def step_loss(t, output):
        diff = readout(output) - targets[t]
        return ops.sum(diff * diff) * (0.5 / batch)

    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    if method == "full BPTT":
        full_bptt(cell, inputs, step_loss)
    else:
        TruncatedBPTT(cell, window, synthesizer=synth).run(inputs, step_loss)
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak / 2 ** 20


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", nargs="+", type=int, default=[50, 100, 200, 400, 800])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--figure", default="")
    args = parser.parse_args(argv)
    ta.set_backend("numpy")
    methods = ["full BPTT", f"DNI, T = {args.window}"]
    peaks = {m: [] for m in methods}
    print(f"LSTM {args.hidden}, batch {args.batch}, float64; peak MiB during forward + backward")
    print("length  " + "  ".join(f"{m:>14}" for m in methods))
    for length in args.lengths:
        for m in methods:
            peaks[m].append(peak_mib(m, length, args.hidden, args.batch, args.window))
        print(f"{length:6d}  " + "  ".join(f"{peaks[m][-1]:14.2f}" for m in methods), flush=True)
    if args.figure:
        from tinyaug.plots.dni import memory_figure
        print(memory_figure(args.lengths, peaks, args.figure,
                            title=f"LSTM {args.hidden}, batch {args.batch}, float64 (tracemalloc)"))


if __name__ == "__main__":
    main()
