"""DeZero peer (``pip install dezero``): the LSTM cell written in DeZero functions, its own Adam.

DeZero 0.0.13 (the release on PyPI) refers to ``np.int``, which NumPy 2 removed, so it does not
import as shipped. This module sets ``numpy.int = int`` (the alias it used to be) before the
import, in this process only, and says so; nothing else of DeZero is changed. DeZero has no
stack/concatenate, so the read-out and the loss are applied step by step (as a DeZero user
would write it); scalars are avoided in the graph because DeZero turns Python scalars into
0-d int64 arrays, which NumPy 2 would promote float32 to float64 with.
"""
from __future__ import annotations

import numpy as np

from . import PeerMissing

PATCH_NOTE = "DeZero: numpy.int = int set before import (DeZero 0.0.13 predates NumPy 2)"


def _dezero():
    if not hasattr(np, "int"):
        np.int = int  # type: ignore[attr-defined]  # the alias DeZero 0.0.13 still uses
    try:
        import dezero
        import dezero.functions as F
        from dezero import Layer, Parameter, optimizers
    except ImportError as error:
        raise PeerMissing(f"dezero is not installed (pip install dezero): {error}") from None
    except Exception as error:  # noqa: BLE001 - an import that fails for another reason
        raise PeerMissing(f"dezero does not import here: {type(error).__name__}: {error}") from None
    return dezero, F, Layer, Parameter, optimizers


def lstm(problem, context):
    if context.backend != "numpy":
        raise PeerMissing("DeZero column runs on the CPU only here")
    dezero, F, Layer, Parameter, optimizers = _dezero()
    s = problem["sizes"]
    H = s.hidden
    w = problem["weights"]
    model = Layer()
    for name, value in w.items():
        setattr(model, name, Parameter(value.copy(), name=name))
    optimizer = optimizers.Adam(alpha=1e-3).setup(model)
    inputs, targets = problem["inputs"], problem["targets"]
    dtype = inputs.dtype
    scale = np.array(1.0 / targets.size, dtype=dtype)

    def step() -> float:
        h = np.zeros((s.batch, H), dtype)
        c = np.zeros((s.batch, H), dtype)
        total = None
        for t in range(s.time):
            a = F.matmul(inputs[t], model.weight_input) + F.matmul(h, model.weight_hidden) + model.bias
            i, f = F.sigmoid(a[:, :H]), F.sigmoid(a[:, H:2 * H])
            g, o = F.tanh(a[:, 2 * H:3 * H]), F.sigmoid(a[:, 3 * H:])
            c = f * c + i * g
            h = o * F.tanh(c)
            logits = F.linear(h, model.readout_weight, model.readout_bias)
            # BCE on logits: softplus(l) − l·y, with softplus(l) = −log σ(−l)
            term = F.sum(-F.log(F.sigmoid(-logits)) - logits * targets[t])
            total = term if total is None else total + term
        loss = total * scale
        model.cleargrads()
        loss.backward()
        optimizer.update()
        return float(loss.data)

    return step
