"""``SAM``: the SAM cell unrolled over a sequence (Rae, Hunt et al. 2016)."""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.state import no_grad
from ...autograd.tensor import Tensor, tensor, to_numpy
from ...errors import ShapeError
from ...nn.module import Module
from .cell import SAMCell


class SAM(Module):
    """inputs (time, batch, input_size) -> logits (time, batch, output_size); keyword
    arguments are those of ``SAMCell``. The output layer runs once after the loop."""

    def __init__(self, input_size: int, output_size: int, **cell_options) -> None:
        super().__init__()
        self.cell = SAMCell(input_size, output_size, **cell_options)
        self.input_size, self.output_size = input_size, output_size

    def forward(self, inputs: Tensor, trace: dict | None = None) -> Tensor:
        """``trace``: if a dict is given, it receives host arrays over time: ``read_rows``
        (time, batch, R, K), ``read_weights`` (time, batch, R, K), ``write_rows`` (time, batch, P),
        ``write_weights`` (time, batch, H, P)."""
        reference = self.cell.initial_reads
        if not isinstance(inputs, Tensor):
            inputs = tensor(to_numpy(inputs), dtype=reference.dtype, backend=reference.backend.name)
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size or inputs.shape[0] == 0:
            raise ShapeError(f"SAM({self.input_size}, {self.output_size}): inputs must be "
                             f"(time ≥ 1, batch, {self.input_size}), got shape {inputs.shape}")
        state = self.cell.initial_state(inputs.shape[1])
        hiddens, reads = [], []
        records: dict[str, list] = {"read_rows": [], "read_weights": [], "write_rows": [], "write_weights": []}
        for t in range(inputs.shape[0]):
            hidden, reads_flat, state, details = self.cell.step(inputs[t], state)
            hiddens.append(hidden)
            reads.append(reads_flat)
            if trace is not None:
                for name in records:
                    value = details[name]
                    records[name].append(to_numpy(value) if isinstance(value, Tensor) else np.array(value))
        features = ops.concatenate([ops.stack(hiddens, axis=0), ops.stack(reads, axis=0)], axis=2)
        if trace is not None:
            trace.update({name: np.stack(values) for name, values in records.items()})
        return self.cell.output_layer(features)

    def run_traced(self, inputs) -> tuple[np.ndarray, dict]:
        """Logits (host array) and the trace of ``forward``, under ``no_grad``."""
        trace: dict = {}
        with no_grad():
            logits = self.forward(inputs, trace=trace)
        return to_numpy(logits), trace
