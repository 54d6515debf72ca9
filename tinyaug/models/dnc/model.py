"""``DNC``: the DNC cell unrolled over a sequence (Graves, Wayne et al. 2016)."""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.state import no_grad
from ...autograd.tensor import Tensor, tensor, to_numpy
from ...errors import ShapeError
from ...nn.module import Module
from .cell import DNCCell

TRACED = ("write_weights", "read_weights", "usage", "allocation")
TRACED_INTERFACE = ("read_modes", "free_gates", "allocation_gates", "write_gates", "erase", "write_vectors")


class DNC(Module):
    """inputs (time, batch, input_size) -> logits (time, batch, output_size).

    Keyword arguments are those of ``DNCCell``. The output layer runs once over all steps
    after the loop (one matmul instead of one per step).
    """

    def __init__(self, input_size: int, output_size: int, **cell_options) -> None:
        super().__init__()
        self.cell = DNCCell(input_size, output_size, **cell_options)
        self.input_size, self.output_size = input_size, output_size

    def forward(self, inputs: Tensor, trace: dict | None = None) -> Tensor:
        """``trace``: if a dict is given, it receives host arrays over time for figures:
        ``write_weights`` (time, batch, H, N), ``read_weights`` (time, batch, R, N), ``usage``
        (time, batch, N), ``allocation`` (time, batch, H, N), ``read_modes`` (time, batch, R,
        1 + 2H), ``free_gates`` (time, batch, R), ``allocation_gates`` and ``write_gates``
        (time, batch, H), ``erase`` and ``write_vectors`` (time, batch, H, W)."""
        reference = self.cell.output_layer.weight
        if not isinstance(inputs, Tensor):  # host arrays go to the parameters' backend and dtype
            inputs = tensor(to_numpy(inputs), dtype=reference.dtype, backend=reference.backend.name)
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size or inputs.shape[0] == 0:
            raise ShapeError(f"DNC({self.input_size}, {self.output_size}): inputs must be "
                             f"(time ≥ 1, batch, {self.input_size}), got shape {tuple(inputs.shape)}")
        state = self.cell.initial_state(inputs.shape[1])
        hiddens, reads = [], []
        records: dict[str, list] = {name: [] for name in TRACED + TRACED_INTERFACE}
        for t in range(inputs.shape[0]):
            hidden, reads_flat, state, details = self.cell.step(inputs[t], state)
            hiddens.append(hidden)
            reads.append(reads_flat)
            if trace is not None:
                for name in TRACED:
                    records[name].append(to_numpy(details[name]))
                for name in TRACED_INTERFACE:
                    records[name].append(to_numpy(getattr(details["interface"], name)))
        logits = self.cell.output(ops.stack(hiddens, axis=0), ops.stack(reads, axis=0))   # (T, B, out)
        if trace is not None:
            for name, values in records.items():
                trace[name] = np.stack(values, axis=0)
        return logits

    def run_traced(self, inputs) -> tuple[np.ndarray, dict]:
        """Logits (host array) and the trace of ``forward``, under ``no_grad``."""
        trace: dict = {}
        with no_grad():
            logits = self.forward(inputs, trace=trace)
        return to_numpy(logits), trace
