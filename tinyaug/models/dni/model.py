"""``DNIRecurrentModel``: a recurrent cell, a read-out, and (for DNI) the synthetic-gradient
model M and the optional "Aux" head, held together so that one optimizer and one checkpoint
cover them all. Training goes through ``TruncatedBPTT`` (``model.trainer()``)."""
from __future__ import annotations

import numpy as np

from ...nn import Linear, Module, SyntheticGradient
from .truncated import TruncatedBPTT, state_parts


class DNIRecurrentModel(Module):
    """``cell`` (any protocol cell), ``readout`` Linear(cell.output_size, output_size).

    ``synthetic``: build M = ``SyntheticGradient`` over the cell's state (h for an RNN/GRU,
    (h, c) for an LSTM), linear when ``synth_hidden`` is 0. ``aux``: also the DNI + Aux head
    (same form as M) weighted by ``aux_weight``. ``window``: T, the truncation length.
    ``synthetic_scale``: λ, the injected gradient is λ · M(s) (see ``TruncatedBPTT``).
    """

    def __init__(self, cell: Module, output_size: int, window: int, synthetic: bool = False,
                 aux: bool = False, synth_hidden: int = 0, aux_weight: float = 1.0,
                 synthetic_scale: float = 0.1, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.cell = cell
        self.readout = Linear(cell.output_size, output_size, rng=rng)
        self.window, self.aux_weight = int(window), float(aux_weight)
        self.synthetic_scale = float(synthetic_scale)
        sizes = tuple(p.shape[1] for p in state_parts(cell.initial_state(1)))
        self.synthesizer = SyntheticGradient(sizes, synth_hidden, rng=rng) if synthetic else None
        self.aux_head = SyntheticGradient(sizes, synth_hidden, rng=rng) if aux else None

    def trainer(self) -> TruncatedBPTT:
        return TruncatedBPTT(self.cell, self.window, synthesizer=self.synthesizer,
                             aux_head=self.aux_head, aux_weight=self.aux_weight,
                             synthetic_scale=self.synthetic_scale)

    def forward(self, inputs, state=None):
        """Inference over a whole sequence: inputs (time, batch, in) -> list of per-step
        read-outs (batch, output_size) and the final state."""
        state = self.cell.initial_state(inputs.shape[1]) if state is None else state
        outputs = []
        for t in range(inputs.shape[0]):
            output, state = self.cell(inputs[t], state)
            outputs.append(self.readout(output))
        return outputs, state


__all__ = ["DNIRecurrentModel"]
