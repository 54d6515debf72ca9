"""``NTM``: the NTM cell unrolled over a sequence (Graves, Wayne & Danihelka 2014)."""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.state import no_grad
from ...autograd.tensor import Tensor, tensor, to_numpy
from ...errors import ShapeError
from ...nn.module import Module
from .cell import NTMCell


class NTM(Module):
    """inputs (time, batch, input_size) -> logits (time, batch, output_size).

    Keyword arguments are those of ``NTMCell``. The output layer y_t = W [h_t; r_t] + b runs
    once over all steps after the loop (one matmul instead of one per step).
    """

    def __init__(self, input_size: int, output_size: int, **cell_options) -> None:
        super().__init__()
        self.cell = NTMCell(input_size, output_size, **cell_options)
        self.input_size, self.output_size = input_size, output_size

    def forward(self, inputs: Tensor, trace: dict | None = None) -> Tensor:
        """``trace``: if a dict is given, it receives host arrays over time for figures:
        ``read_weights`` / ``write_weights`` (time, batch, heads, N), ``add`` and ``erase``
        (time, batch, write_heads, W), ``reads`` (time, batch, R·W)."""
        reference = self.cell.initial_reads
        if not isinstance(inputs, Tensor):  # host arrays go to the parameters' backend and dtype
            inputs = tensor(to_numpy(inputs), dtype=reference.dtype, backend=reference.backend.name)
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size or inputs.shape[0] == 0:
            raise ShapeError(f"NTM({self.input_size}, {self.output_size}): inputs must be "
                             f"(time ≥ 1, batch, {self.input_size}), got shape {inputs.shape}")
        state = self.cell.initial_state(inputs.shape[1])
        hiddens, reads = [], []
        records: dict[str, list] = {"read_weights": [], "write_weights": [], "add": [], "erase": []}
        for t in range(inputs.shape[0]):
            hidden, reads_flat, state, details = self.cell.step(inputs[t], state)
            hiddens.append(hidden)
            reads.append(reads_flat)
            if trace is not None:
                weights = to_numpy(details["weights"])
                records["read_weights"].append(weights[:, :self.cell.read_heads])
                records["write_weights"].append(weights[:, self.cell.read_heads:])
                if details["add"] is not None:
                    records["add"].append(to_numpy(details["add"]))
                    records["erase"].append(to_numpy(details["erase"]))
        features = ops.concatenate([ops.stack(hiddens, axis=0), ops.stack(reads, axis=0)], axis=2)
        logits = self.cell.output_layer(features)                                # (T, B, out)
        if trace is not None:
            for name, values in records.items():
                if values:
                    trace[name] = np.stack(values, axis=0)
            trace["reads"] = to_numpy(ops.stack(reads, axis=0))
        return logits

    def run_traced(self, inputs) -> tuple[np.ndarray, dict]:
        """Logits (host array) and the trace of ``forward``, under ``no_grad``."""
        trace: dict = {}
        with no_grad():
            logits = self.forward(inputs, trace=trace)
        return to_numpy(logits), trace
