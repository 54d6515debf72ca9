"""Sparse Access Memory (Rae, Hunt et al. 2016) on the NTM paper's tasks: ``copy/sam``,
``associative-recall/sam``, ``priority-sort/sam``, ``repeat-copy/sam``.

Model settings (``--set key=value``): ``controller_size`` (LSTM units), ``memory``
(``ROWSxWIDTH``; the parameters do not depend on ROWS, so a model trained on 128 words runs on
a million), ``read_heads``, ``write_heads``, ``sparsity`` (K rows per read), ``index``
(``exact`` | ``hnsw``, the latter needs the ``ann`` extra), ``index_options`` (a JSON object of
the index's settings, e.g. ``--set 'index_options={"drift": 0.01}'`` for ``HNSWIndex``; default
``{}``). Everything else (shared lengths,
learning-rate change on convergence, best-validated model) is the NTM experiments' (see
``experiments/ntm.py``); figures are the learning curve and a sample.

Length curriculum (tasks with a length, e.g. copy; ``curriculum_start_length`` = 0: off): the
training batches draw their length from [min_length, L_c], L_c starting at
``curriculum_start_length``; once the mean training cost over the last ``curriculum_window``
steps is under ``curriculum_threshold`` bits per sequence, L_c grows by
``curriculum_increment`` (at most to the task's ``max_length``) and the window starts afresh.
One length per batch (as ``shared_length``). Evaluation and validation use the task's whole
range. L_c is kept in the checkpoint (a resumed run continues where it was) and logged as
``curriculum_length``.

Defaults (the paper's SAM settings, §4 and supplementary: LSTM 100, K = 4, batch 8; here one
read head instead of 4, and Adam with global-norm clipping instead of RMSProp): see
docs/sections/sam.md for what was run and measured.
"""
from __future__ import annotations

import numpy as np

from ..models.sam import SAM
from ..training.curriculum import ThresholdCurriculum
from ..training.experiment import register
from .sequence import SequenceExperiment
from .ntm import NTM_DEFAULTS, NTMExperiment, parse_memory

SAM_DEFAULTS = {**NTM_DEFAULTS, "controller": "lstm", "controller_size": 100, "memory": "128x20",
                "read_heads": 1, "write_heads": 1, "sparsity": 4, "index": "exact", "index_options": {},
                "steps": 20000, "batch_size": 8, "optimizer": "adam", "lr": 1e-3,
                "clip_norm": 10.0, "clip_value": 0.0, "eval_every": 500, "log_every": 100,
                "keep_best": True, "validation_sequences": 500,
                "curriculum_start_length": 0, "curriculum_increment": 5,
                "curriculum_threshold": 1.0, "curriculum_window": 100}


class _LengthLimit:
    """A length task's generator whose training lengths stop at ``limit``: one length per batch,
    uniform over [min_length, limit] unless the caller fixes it (``_SharedLength`` reads the
    range from ``min_length`` and ``max_length``)."""

    def __init__(self, generator, limit: int) -> None:
        self.generator, self.min_length, self.max_length = generator, generator.min_length, int(limit)

    def batch(self, batch_size: int, rng: np.random.Generator, **options):
        if options.get("length") is None:
            options["length"] = int(rng.integers(self.min_length, self.max_length + 1))
        return self.generator.batch(batch_size, rng, **options)


class SAMExperiment(NTMExperiment):
    """Builds a ``SAM`` from the config; training, metrics and validation are the NTM's."""

    model_name = "sam"
    defaults = dict(SAM_DEFAULTS)

    def __init__(self, config: dict, rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        start = int(self.config.get("curriculum_start_length") or 0)
        self.curriculum: ThresholdCurriculum | None = None      # None: no length curriculum
        if start:
            generator = self.task_generator
            if not hasattr(generator, "min_length"):
                raise ValueError(f"{self.task}/sam: curriculum_start_length needs a task with a length "
                                 f"(copy, repeat copy), not {self.task}")
            if not generator.min_length <= start <= generator.max_length:
                raise ValueError(f"{self.task}/sam: curriculum_start_length = {start} "
                                 f"must lie in the task's lengths [{generator.min_length}, {generator.max_length}]")
            if int(self.config["curriculum_increment"]) < 1 or int(self.config["curriculum_window"]) < 1:
                raise ValueError(f"{self.task}/sam: curriculum_increment and curriculum_window must be "
                                 f"at least 1, got {self.config['curriculum_increment']} and "
                                 f"{self.config['curriculum_window']}")
            self.curriculum = ThresholdCurriculum(start, int(self.config["curriculum_window"]),
                                                  float(self.config["curriculum_threshold"]),
                                                  top=generator.max_length,
                                                  increment=int(self.config["curriculum_increment"]))

    @property
    def curriculum_length(self) -> int:
        """L_c, the longest training sequence now (0: no curriculum)."""
        return self.curriculum.level if self.curriculum else 0

    @property
    def curriculum_recent(self) -> list[float]:
        """The training costs of the curriculum's current window."""
        return self.curriculum.recent if self.curriculum else []

    def train_step(self, step: int) -> dict[str, float]:
        if not self.curriculum_length:
            return super().train_step(step)
        generator = self.task_generator
        self.task_generator = _LengthLimit(generator, self.curriculum_length)
        try:
            metrics = super().train_step(step)
        finally:
            self.task_generator = generator
        metrics["curriculum_length"] = float(self.curriculum_length)
        self.curriculum.record(metrics["bits_per_sequence"])
        return metrics

    def extra_state(self) -> dict[str, np.ndarray]:
        state = super().extra_state()
        if self.curriculum:
            state.update(self.curriculum.state("curriculum_length", "curriculum_recent"))
        return state

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        super().load_extra_state(state)
        if self.curriculum:
            self.curriculum.load(state, "curriculum_length", "curriculum_recent")

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> SAM:
        rows, width = parse_memory(self.config["memory"])
        if not isinstance(self.config["index_options"], dict):
            raise ValueError(f"{self.task}/sam: index_options must be a JSON object of the index's "
                             f"settings, e.g. {{\"drift\": 0.01}}; got {self.config['index_options']!r}")
        return SAM(input_size, output_size, controller_size=int(self.config["controller_size"]),
                   memory_rows=rows, memory_width=width, read_heads=int(self.config["read_heads"]),
                   write_heads=int(self.config["write_heads"]), sparsity=int(self.config["sparsity"]),
                   index=str(self.config["index"]), index_options=dict(self.config["index_options"]), rng=rng)

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        return SequenceExperiment.plot(self, run_dir, rng)


@register
class CopySAM(SAMExperiment):
    """Copy, lengths 1–20 (NTM paper §4.1), with SAM_DEFAULTS."""
    task = "copy"
    defaults = {**SAM_DEFAULTS, "generalisation_length": 40}


@register
class AssociativeRecallSAM(SAMExperiment):
    """Associative recall (NTM paper §4.3): SAM_DEFAULTS with 40-wide words (SAM has no shift, so
    the model stores each item beside the item before it in one word: 2 × 18 bits), the learning
    rate × 0.3 once the training cost has averaged under 1 bit per sequence over 500 steps, and
    from step 26,000 a second stage at a third of that rate (× 0.3 again, 9e-5) that starts from
    the best-validated parameters. docs/sections/sam.md: 0.078 validation bits at step 20,500
    (the first stage), then the second stage."""
    task = "associative-recall"
    defaults = {**SAM_DEFAULTS, "memory": "128x40", "lr_decay_below": 1.0, "lr_decay_factor": 0.3,
                "lr_decay_times": 1, "steps": 32000,
                "stages": [{"from_step": 0}, {"from_step": 26000, "lr": 3e-4}]}


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
