"""Sparse Access Memory (Rae, Hunt et al. 2016) on the NTM paper's tasks: ``copy/sam``,
``associative-recall/sam``, ``priority-sort/sam``, ``repeat-copy/sam``.

Model settings (``--set key=value``): ``controller_size`` (LSTM units), ``memory``
(``ROWSxWIDTH``; the parameters do not depend on ROWS, so a model trained on 128 words runs on
a million), ``read_heads``, ``write_heads``, ``sparsity`` (K rows per read), ``index``
(``exact`` | ``hnsw``, the latter needs the ``ann`` extra). Everything else (shared lengths,
learning-rate change on convergence, best-validated model) is the NTM experiments' (see
``experiments/ntm.py``); figures are the learning curve and a sample.

Defaults (the paper's SAM settings, §4 and supplementary: LSTM 100, K = 4, batch 8; here one
read head instead of 4, and Adam with global-norm clipping instead of RMSProp): see
docs/sections/sam.md for what was run and measured.
"""
from __future__ import annotations

import numpy as np

from ..models.sam import SAM
from ..training.experiment import register
from .sequence import SequenceExperiment
from .ntm import NTM_DEFAULTS, NTMExperiment, parse_memory

SAM_DEFAULTS = {**NTM_DEFAULTS, "controller": "lstm", "controller_size": 100, "memory": "128x20",
                "read_heads": 1, "write_heads": 1, "sparsity": 4, "index": "exact",
                "steps": 20000, "batch_size": 8, "optimizer": "adam", "lr": 1e-3,
                "clip_norm": 10.0, "clip_value": 0.0, "eval_every": 500, "log_every": 100,
                "keep_best": True, "validation_sequences": 500}


class SAMExperiment(NTMExperiment):
    """Builds a ``SAM`` from the config; training, metrics and validation are the NTM's."""

    model_name = "sam"
    defaults = dict(SAM_DEFAULTS)

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> SAM:
        rows, width = parse_memory(self.config["memory"])
        return SAM(input_size, output_size, controller_size=int(self.config["controller_size"]),
                   memory_rows=rows, memory_width=width, read_heads=int(self.config["read_heads"]),
                   write_heads=int(self.config["write_heads"]), sparsity=int(self.config["sparsity"]),
                   index=str(self.config["index"]), rng=rng)

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        return SequenceExperiment.plot(self, run_dir, rng)


@register
class CopySAM(SAMExperiment):
    """Copy, lengths 1–20 (NTM paper §4.1), with SAM_DEFAULTS."""
    task = "copy"
    defaults = {**SAM_DEFAULTS, "generalisation_length": 40}


@register
class AssociativeRecallSAM(SAMExperiment):
    """Associative recall (NTM paper §4.3), with SAM_DEFAULTS."""
    task = "associative-recall"
    defaults = dict(SAM_DEFAULTS)


@register
class RepeatCopySAM(SAMExperiment):
    """Repeat copy (NTM paper §4.2), with SAM_DEFAULTS (not tuned here)."""
    task = "repeat-copy"
    defaults = dict(SAM_DEFAULTS)


@register
class PrioritySortSAM(SAMExperiment):
    """Priority sort (NTM paper §4.5), with SAM_DEFAULTS and 4 read heads (not tuned here)."""
    task = "priority-sort"
    defaults = {**SAM_DEFAULTS, "read_heads": 4}
