"""Time one LSTM training step in tinyaug and its peers, in the same run.

One step: forward an LSTM (input 8, hidden 128) over 20 time steps with batch 32, a linear
readout (128 -> 8) at every step, binary cross-entropy against random bits, backward, and an
Adam update; float32 throughout. Implementations (all start from the same weights and data, and
the script prints their first-step losses so that one can see they compute the same thing):

* tinyaug composite   ``LSTM(fused=False)``: the cell from engine ops, step by step
* tinyaug fused cell  ``LSTMCell(fused=True)`` stepped in Python: one ``FusedLSTMCell`` op a step
* tinyaug fused       ``LSTM(fused=True)``: one ``FusedLSTMSequence`` op for the whole sequence
* numpy by hand       forward and backward derived by hand in plain NumPy (the floor for any
                      NumPy framework), with the same batching over time as the fused op
* HIPS autograd       the same hand-written cell differentiated by ``autograd``
* torch cell          PyTorch CPU eager, a hand-written cell stepped in Python
* torch.nn.LSTM       PyTorch's built-in LSTM

Implementations are alternated round by round and each one's per-step median is reported, with
its ratio to the NumPy hand-derived floor. Run with one BLAS thread for a fair comparison:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/lstm_step.py
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

from benchmarks.workloads.common import NumpyAdam  # noqa: E402 - the suite's Adam on NumPy dicts

TIME, BATCH, INPUT, HIDDEN, OUTPUT = 20, 32, 8, 128, 8
LEARNING_RATE = 1e-3


def make_problem(seed: int = 0):
    """Initial weights (x @ W convention, gates i, f, g, o) and one batch of data, float32."""
    rng = np.random.default_rng(seed)
    bound_x = math.sqrt(6 / (INPUT + HIDDEN))
    weights = {
        "weight_input": rng.uniform(-bound_x, bound_x, (INPUT, 4 * HIDDEN)),
        "weight_hidden": rng.standard_normal((HIDDEN, 4 * HIDDEN)) / math.sqrt(HIDDEN),
        "bias": np.concatenate([np.zeros(HIDDEN), np.ones(HIDDEN), np.zeros(2 * HIDDEN)]),
        "readout_weight": rng.uniform(-0.2, 0.2, (HIDDEN, OUTPUT)),
        "readout_bias": np.zeros(OUTPUT),
    }
    weights = {k: v.astype(np.float32) for k, v in weights.items()}
    inputs = rng.integers(0, 2, (TIME, BATCH, INPUT)).astype(np.float32)
    targets = rng.integers(0, 2, (TIME, BATCH, OUTPUT)).astype(np.float32)
    return weights, inputs, targets


# -- tinyaug ------------------------------------------------------------------------------------

def tinyaug_step(mode: str, weights, inputs, targets):
    import tinyaug as ta
    from tinyaug.nn import LSTM, LSTMCell

    ta.set_backend("numpy")
    fused = mode != "composite"
    if mode == "fused cell":
        cell = LSTMCell(INPUT, HIDDEN, fused=True)
        lstm_params = cell
    else:
        lstm = LSTM(INPUT, HIDDEN, fused=fused)
        lstm_params = lstm.layer0
    readout = ta.nn.Linear(HIDDEN, OUTPUT)
    for module, names in ((lstm_params, ("weight_input", "weight_hidden", "bias")),
                          (readout, ("weight", "bias"))):
        for name in names:
            key = name if module is lstm_params else f"readout_{name}"
            getattr(module, name).data = weights[key].copy()
    params = lstm_params.parameters() + readout.parameters()
    optimizer = ta.optim.Adam(params, lr=LEARNING_RATE)
    x, y = ta.tensor(inputs), ta.tensor(targets)

    def step() -> float:
        if mode == "fused cell":
            state = cell.initial_state(BATCH)
            outputs = []
            for t in range(TIME):
                h, state = cell(x[t], state)
                outputs.append(h)
            hidden = ta.stack(outputs, axis=0)
        else:
            hidden, _ = lstm(x)
        loss = ta.binary_cross_entropy_with_logits(readout(hidden), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


# -- NumPy, derived by hand -------------------------------------------------------------------------

def numpy_step(weights, inputs, targets):
    params = {k: v.copy() for k, v in weights.items()}
    optimizer = NumpyAdam(params)
    H = HIDDEN

    def step() -> float:
        wx, wh, b = params["weight_input"], params["weight_hidden"], params["bias"]
        wr, br = params["readout_weight"], params["readout_bias"]
        # Forward: input projections of all steps at once, then the recurrence.
        pre = (inputs.reshape(TIME * BATCH, INPUT) @ wx + b).reshape(TIME, BATCH, 4 * H)
        hs = np.zeros((TIME + 1, BATCH, H), np.float32)
        cs = np.zeros((TIME + 1, BATCH, H), np.float32)
        tanh_cs = np.empty((TIME, BATCH, H), np.float32)
        for t in range(TIME):
            a = pre[t]
            a += hs[t] @ wh
            a[:, :2 * H] = 0.5 * np.tanh(0.5 * a[:, :2 * H]) + 0.5    # i, f = σ
            a[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])              # g = tanh
            a[:, 3 * H:] = 0.5 * np.tanh(0.5 * a[:, 3 * H:]) + 0.5      # o = σ
            cs[t + 1] = a[:, H:2 * H] * cs[t] + a[:, :H] * a[:, 2 * H:3 * H]
            tanh_cs[t] = np.tanh(cs[t + 1])
            hs[t + 1] = a[:, 3 * H:] * tanh_cs[t]
        gates = pre
        flat_h = hs[1:].reshape(TIME * BATCH, H)
        logits = flat_h @ wr + br
        flat_targets = targets.reshape(TIME * BATCH, OUTPUT)
        loss = np.mean(np.maximum(logits, 0) - logits * flat_targets + np.log1p(np.exp(-np.abs(logits))))
        # Backward.
        grad_logits = (0.5 * np.tanh(0.5 * logits) + 0.5 - flat_targets) / logits.size
        grads = {"readout_weight": flat_h.T @ grad_logits, "readout_bias": grad_logits.sum(0)}
        grad_hs = (grad_logits @ wr.T).reshape(TIME, BATCH, H)
        grad_pre = np.empty_like(gates)
        grad_h = np.zeros((BATCH, H), np.float32)
        grad_c = np.zeros((BATCH, H), np.float32)
        for t in range(TIME - 1, -1, -1):
            grad_h += grad_hs[t]
            i, f, g, o = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:3 * H], gates[t, :, 3 * H:]
            grad_c += grad_h * o * (1 - tanh_cs[t] ** 2)
            d = grad_pre[t]
            d[:, :H] = grad_c * g * i * (1 - i)
            d[:, H:2 * H] = grad_c * cs[t] * f * (1 - f)
            d[:, 2 * H:3 * H] = grad_c * i * (1 - g * g)
            d[:, 3 * H:] = grad_h * tanh_cs[t] * o * (1 - o)
            grad_c = grad_c * f
            grad_h = d @ wh.T
        flat_grad_pre = grad_pre.reshape(TIME * BATCH, 4 * H)
        grads["weight_input"] = inputs.reshape(TIME * BATCH, INPUT).T @ flat_grad_pre
        grads["weight_hidden"] = hs[:TIME].reshape(TIME * BATCH, H).T @ flat_grad_pre
        grads["bias"] = flat_grad_pre.sum(0)
        optimizer.step(grads)
        return float(loss)

    return step


# -- HIPS autograd ------------------------------------------------------------------------------------

def autograd_step(weights, inputs, targets):
    import autograd.numpy as anp
    from autograd import value_and_grad

    names = list(weights)
    params = {k: v.copy() for k, v in weights.items()}
    optimizer = NumpyAdam(params)
    H = HIDDEN

    def sigmoid(a):
        return 0.5 * anp.tanh(0.5 * a) + 0.5

    def loss_fn(values):
        wx, wh, b, wr, br = values
        h = anp.zeros((BATCH, H), np.float32)
        c = anp.zeros((BATCH, H), np.float32)
        total = 0.0
        for t in range(TIME):
            a = anp.dot(inputs[t], wx) + anp.dot(h, wh) + b
            i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), anp.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
            c = f * c + i * g
            h = o * anp.tanh(c)
            logits = anp.dot(h, wr) + br
            total = total + anp.sum(anp.maximum(logits, 0) - logits * targets[t]
                                    + anp.log1p(anp.exp(-anp.abs(logits))))
        return total / (TIME * BATCH * OUTPUT)

    gradient = value_and_grad(loss_fn)

    def step() -> float:
        loss, grads = gradient([params[k] for k in names])
        optimizer.step(dict(zip(names, grads)))
        return float(loss)

    return step


# -- PyTorch ------------------------------------------------------------------------------------------

def torch_step(builtin: bool, weights, inputs, targets):
    import torch

    torch.set_num_threads(1)
    H = HIDDEN
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    wr = torch.nn.Parameter(torch.from_numpy(weights["readout_weight"].copy()))
    br = torch.nn.Parameter(torch.from_numpy(weights["readout_bias"].copy()))
    if builtin:
        lstm = torch.nn.LSTM(INPUT, HIDDEN)  # gate order i, f, g, o; weights (4H, in)
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(torch.from_numpy(weights["weight_input"].T.copy()))
            lstm.weight_hh_l0.copy_(torch.from_numpy(weights["weight_hidden"].T.copy()))
            lstm.bias_ih_l0.copy_(torch.from_numpy(weights["bias"]))
            lstm.bias_hh_l0.zero_()
        params = list(lstm.parameters()) + [wr, br]
    else:
        wx = torch.nn.Parameter(torch.from_numpy(weights["weight_input"].copy()))
        wh = torch.nn.Parameter(torch.from_numpy(weights["weight_hidden"].copy()))
        b = torch.nn.Parameter(torch.from_numpy(weights["bias"].copy()))
        params = [wx, wh, b, wr, br]
    optimizer = torch.optim.Adam(params, lr=LEARNING_RATE)

    def step() -> float:
        if builtin:
            hidden, _ = lstm(x)
        else:
            h = torch.zeros(BATCH, H)
            c = torch.zeros(BATCH, H)
            outputs = []
            for t in range(TIME):
                a = x[t] @ wx + h @ wh + b
                i, f = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H])
                g, o = torch.tanh(a[:, 2 * H:3 * H]), torch.sigmoid(a[:, 3 * H:])
                c = f * c + i * g
                h = o * torch.tanh(c)
                outputs.append(h)
            hidden = torch.stack(outputs)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(hidden @ wr + br, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def build_all(weights, inputs, targets) -> dict:
    steps = {
        "tinyaug composite": tinyaug_step("composite", weights, inputs, targets),
        "tinyaug fused cell": tinyaug_step("fused cell", weights, inputs, targets),
        "tinyaug fused": tinyaug_step("fused", weights, inputs, targets),
        "numpy by hand": numpy_step(weights, inputs, targets),
    }
    try:
        steps["HIPS autograd"] = autograd_step(weights, inputs, targets)
    except ImportError:
        print("autograd is not installed (pip install autograd): skipping its column")
    try:
        import torch  # noqa: F401
        steps["torch cell"] = torch_step(False, weights, inputs, targets)
        steps["torch.nn.LSTM"] = torch_step(True, weights, inputs, targets)
    except ImportError:
        print("torch is not installed (pip install torch): skipping the PyTorch columns")
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds of alternation")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per implementation per round")
    args = parser.parse_args()

    weights, inputs, targets = make_problem()
    steps = build_all(weights, inputs, targets)
    print(f"LSTM training step: input {INPUT}, hidden {HIDDEN}, batch {BATCH}, {TIME} steps, "
          f"readout {OUTPUT}, BCE, Adam, float32")
    print("first-step loss (same weights and data everywhere):")
    for name, step in steps.items():
        print(f"  {name:20s} {step():.7f}")
    for step in steps.values():  # warm-up
        step()
    timings = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            timings[name].append((time.perf_counter() - start) / args.steps * 1e3)
    floor = statistics.median(timings["numpy by hand"])
    torch_cell = statistics.median(timings["torch cell"]) if "torch cell" in timings else None
    header = f"{'implementation':20s} {'median ms/step':>15s} {'min':>8s} {'/ numpy':>8s}"
    header += f" {'/ torch cell':>13s}" if torch_cell else ""
    print(header)
    for name, values in timings.items():
        median = statistics.median(values)
        line = f"{name:20s} {median:15.2f} {min(values):8.2f} {median / floor:8.2f}"
        line += f" {median / torch_cell:13.2f}" if torch_cell else ""
        print(line)


if __name__ == "__main__":
    main()
