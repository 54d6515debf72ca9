"""CPU time of a Hessian-vector product against a plain gradient, through the composite LSTM.

The loss is mean(h²) over an LSTM (input 8, hidden 128, batch 32, 20 steps, float32, the
composite cell of ``tinyaug.nn.lstm``) as a function of its three weights; the HVP is
``ta.grad(<ta.grad(loss, W, create_graph=True), v>, W)``. PyTorch eager (one thread) runs the
same cell by hand when importable. Minimum CPU time of 7 calls, three rounds.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/hvp_lstm.py
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

import tinyaug as ta  # noqa: E402
from tinyaug.nn.lstm import lstm_sequence_composite  # noqa: E402

TIME, BATCH, INPUT, HIDDEN = 20, 32, 8, 128


def data():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((TIME, BATCH, INPUT)).astype(np.float32)
    weights = [(rng.standard_normal(s) * 0.1).astype(np.float32)
               for s in ((INPUT, 4 * HIDDEN), (HIDDEN, 4 * HIDDEN), (4 * HIDDEN,))]
    directions = [rng.standard_normal(w.shape).astype(np.float32) for w in weights]
    return xs, weights, directions


def tinyaug_pair():
    xs, w0, v0 = data()
    xs, zeros, v = ta.tensor(xs), ta.tensor(np.zeros((BATCH, HIDDEN), np.float32)), [ta.tensor(d) for d in v0]

    def loss(ws):
        hs, _, _ = lstm_sequence_composite(xs, zeros, zeros, *ws)
        return (hs * hs).mean()

    def gradient():
        ws = [ta.tensor(w, requires_grad=True) for w in w0]
        loss(ws).backward()

    def hvp():
        ws = [ta.tensor(w, requires_grad=True) for w in w0]
        grads = ta.grad(loss(ws), ws, create_graph=True)
        ta.grad(sum((g * u).sum() for g, u in zip(grads, v)), ws)
    return gradient, hvp


def torch_pair():
    import torch
    torch.set_num_threads(1)
    xs_, w0, v0 = data()
    xs, w0, v = torch.tensor(xs_), [torch.tensor(w) for w in w0], [torch.tensor(d) for d in v0]

    def loss(ws):
        weight_input, weight_hidden, bias = ws
        h = c = torch.zeros(BATCH, HIDDEN)
        outputs = []
        for x in xs:
            i, f, g, o = torch.chunk(x @ weight_input + h @ weight_hidden + bias, 4, -1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        hs = torch.stack(outputs)
        return (hs * hs).mean()

    def gradient():
        ws = [w.clone().requires_grad_() for w in w0]
        loss(ws).backward()

    def hvp():
        ws = [w.clone().requires_grad_() for w in w0]
        grads = torch.autograd.grad(loss(ws), ws, create_graph=True)
        torch.autograd.grad(sum((g * u).sum() for g, u in zip(grads, v)), ws)
    return gradient, hvp


def best(fn, calls: int = 7) -> float:
    fn()
    times = []
    for _ in range(calls):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    contenders = {"tinyaug": tinyaug_pair()}
    try:
        contenders["PyTorch eager"] = torch_pair()
    except ImportError:
        pass
    for round_ in range(3):
        for name, (gradient, hvp) in contenders.items():
            g, h = best(gradient), best(hvp)
            print(f"round {round_}  {name:14} gradient {1e3 * g:6.1f} ms   Hessian-vector product "
                  f"{1e3 * h:6.1f} ms   ratio {h / g:.2f}", flush=True)


if __name__ == "__main__":
    main()
