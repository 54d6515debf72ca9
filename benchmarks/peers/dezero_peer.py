"""DeZero peer (``pip install dezero``): DeZero's own LSTM layer and its own Adam.

DeZero 0.0.13 (the release on PyPI) refers to ``np.int``, which NumPy 2 removed, so it does not
import as shipped. This module sets ``numpy.int = int`` (the alias it used to be) before the
import, in this process only, and says so; nothing else of DeZero is changed. DeZero has no
stack/concatenate, so the read-out and the loss are applied step by step, as DeZero's own
recurrent examples do. DeZero turns Python scalars in the graph into 0-d int64 arrays, which
NumPy 2 promotes float32 to float64 with (inside ``sigmoid_cross_entropy``): that cost is
DeZero's as its users meet it, and is left in.
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
    """DeZero's own ``dezero.layers.LSTM`` (eight ``Linear`` layers: x2f, x2i, x2o, x2u with
    biases, h2f, h2i, h2o, h2u without), a ``dezero.layers.Linear`` read-out applied at every
    step, ``F.sigmoid_cross_entropy`` summed over the steps: the model as DeZero's book writes
    its recurrent examples. The problem's (i, f, g, o) weight blocks are copied into the eight
    layers; the gradients are gathered back for the cross-check."""
    if context.backend != "numpy":
        raise PeerMissing("DeZero column runs on the CPU only here")
    dezero, F, Layer, Parameter, optimizers = _dezero()
    import dezero.layers as L

    s = problem["sizes"]
    H, I = s.hidden, s.input
    w = problem["weights"]
    dtype = problem["inputs"].dtype
    blocks = {"i": slice(0, H), "f": slice(H, 2 * H), "u": slice(2 * H, 3 * H), "o": slice(3 * H, 4 * H)}

    class Model(dezero.Model):
        def __init__(self):
            super().__init__()
            self.rnn = L.LSTM(H, in_size=I)
            self.readout = L.Linear(s.output, in_size=H, dtype=dtype)

        def forward(self, x):
            return self.readout(self.rnn(x))

    model = Model()
    for gate, block in blocks.items():
        source = getattr(model.rnn, f"x2{gate}")
        source.W.data = w["weight_input"][:, block].copy()
        source.b.data = w["bias"][block].copy()
        getattr(model.rnn, f"h2{gate}").W.data = w["weight_hidden"][:, block].copy()
    model.readout.W.data = w["readout_weight"].copy()
    model.readout.b.data = w["readout_bias"].copy()
    optimizer = optimizers.Adam(alpha=1e-3).setup(model)
    inputs, targets = problem["inputs"], problem["targets"]
    per_step_scale = 1.0 / s.output / s.time   # sigmoid_cross_entropy divides by the batch only

    def step() -> float:
        model.rnn.reset_state()
        loss = 0
        for t in range(s.time):
            loss += F.sigmoid_cross_entropy(model(inputs[t]), targets[t])
        loss *= per_step_scale
        model.cleargrads()
        loss.backward()
        optimizer.update()
        return float(loss.data)

    def gradients() -> dict:
        rnn = model.rnn
        order = ("i", "f", "u", "o")
        return {
            "weight_input": np.concatenate([getattr(rnn, f"x2{g}").W.grad.data for g in order], axis=1),
            "weight_hidden": np.concatenate([_grad_or_zero(getattr(rnn, f"h2{g}").W) for g in order], axis=1),
            "bias": np.concatenate([getattr(rnn, f"x2{g}").b.grad.data for g in order]),
            "readout_weight": model.readout.W.grad.data, "readout_bias": model.readout.b.grad.data}

    step.gradients = gradients
    return step


def _grad_or_zero(parameter):
    return parameter.grad.data if parameter.grad is not None else np.zeros_like(parameter.data)
