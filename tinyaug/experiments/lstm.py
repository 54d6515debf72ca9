"""The LSTM baseline on the NTM paper's tasks: ``copy/lstm``, ``repeat-copy/lstm``,
``associative-recall/lstm``, ``priority-sort/lstm``, ``dynamic-ngrams/lstm``.

Model: a stack of ``num_layers`` LSTMs of ``hidden_size`` units (Graves et al. 2014 used 3
layers of 256 for their baseline; the default here is 1 × 128 so that it trains on a laptop CPU)
and a linear read-out to one logit per output bit.
"""
from __future__ import annotations

import numpy as np

from ..nn.lstm import LSTM
from ..nn import Linear, Module
from ..training.experiment import register
from .sequence import SequenceExperiment


class LSTMSequenceModel(Module):
    """inputs (time, batch, input_size) -> logits (time, batch, output_size)."""

    def __init__(self, input_size: int, output_size: int, hidden_size: int = 128,
                 num_layers: int = 1, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.lstm = LSTM(input_size, hidden_size, num_layers=num_layers, rng=rng)
        self.readout = Linear(hidden_size, output_size, rng=rng)

    def forward(self, inputs):
        hidden, _ = self.lstm(inputs)
        return self.readout(hidden)


class LSTMExperiment(SequenceExperiment):
    """Shared by every task: build ``LSTMSequenceModel`` from ``hidden_size``/``num_layers``."""

    model_name = "lstm"
    defaults = {"hidden_size": 128, "num_layers": 1}

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator):
        return LSTMSequenceModel(input_size, output_size, int(self.config["hidden_size"]),
                                 int(self.config["num_layers"]), rng=rng)


@register
class CopyLSTM(LSTMExperiment):
    """Copy (NTM §4.1) with an LSTM; lengths 1–20 by default (--set max_length=5 trains in ~1 min)."""

    task = "copy"


@register
class RepeatCopyLSTM(LSTMExperiment):
    """Repeat copy (NTM §4.2) with an LSTM."""

    task = "repeat-copy"


@register
class AssociativeRecallLSTM(LSTMExperiment):
    """Associative recall (NTM §4.3) with an LSTM."""

    task = "associative-recall"


@register
class PrioritySortLSTM(LSTMExperiment):
    """Priority sort (NTM §4.5) with an LSTM: the baseline for ``priority-sort/ntm``. Defaults:
    1 × 256 (the best of three baselines run to the NTM's 480,000 sequences: 95.05 bits per
    sequence on 1,000 test sequences, against 107.26 for 1 × 128 at batch 16 and 110.69 at
    batch 32), Adam 1e-3, norm clipping at 10, batch 16, 30,000 steps = 480,000 sequences
    (docs/sections/ntm.md, priority sort)."""

    task = "priority-sort"
    defaults = {"hidden_size": 256, "steps": 30000, "eval_every": 1000, "log_every": 1000}


@register
class DynamicNGramsLSTM(LSTMExperiment):
    """Dynamic 6-grams (NTM §4.4) with an LSTM."""

    task = "dynamic-ngrams"
