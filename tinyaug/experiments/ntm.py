"""The Neural Turing Machine on the NTM paper's tasks (Graves, Wayne & Danihelka 2014, §4):
``copy/ntm``, ``repeat-copy/ntm``, ``associative-recall/ntm``, ``priority-sort/ntm``.

Model settings (``--set key=value``): ``controller`` (``lstm`` | ``feedforward``),
``controller_size``, ``memory`` (``ROWSxWIDTH``, e.g. ``128x20``), ``read_heads``,
``write_heads``, ``shift_width`` (odd), ``memory_init`` (``constant`` | ``learned``),
``fused`` (addressing and writes as single ops), ``read_after_write`` (read M_t instead of
M_{t−1}), ``shared_length`` (tasks with a ``length``:
every training batch draws one length for all its sequences, so no step is spent on padding;
each sequence's length is still uniform over the task's range; evaluation keeps independent
lengths). Training defaults (Adam, global-norm clipping,
batch 16, step count) were chosen by the experiments recorded in docs/sections/ntm.md.

Learning-rate decay on convergence: ``lr_decay_below`` (bits per sequence, 0 = off). Once the
mean training cost over the last ``lr_decay_window`` steps falls below it, the learning rate
is multiplied by ``lr_decay_factor``; the window then starts afresh, and this happens at most
``lr_decay_times`` times. The count of decays and the window are kept in the checkpoint, so a
resumed run continues exactly. The final model is always the last step's (no best-checkpoint
selection).

``plot`` writes, besides the learning curve and a sample: ``generalisation.png`` (copy:
targets and outputs at lengths 10, 20, 30, 50, 120, paper Figs. 4–5) and ``memory_use.png``
(read and write weightings over time with the add vectors, paper Fig. 6).
"""
from __future__ import annotations

import os

import numpy as np

from ..models.ntm import NTM
from ..training.experiment import register
from ..training.sequence import SequenceExperiment, bits_per_sequence, wrong_bits_per_sequence

NTM_DEFAULTS = {"controller": "lstm", "controller_size": 100, "memory": "128x20",
                "read_heads": 1, "write_heads": 1, "shift_width": 3, "memory_init": "constant",
                "fused": True, "read_after_write": False, "shared_length": True,
                "lr_decay_below": 0.0, "lr_decay_window": 500, "lr_decay_factor": 0.1,
                "lr_decay_times": 1}


def parse_memory(text: str) -> tuple[int, int]:
    """``"128x20"`` -> (128, 20): memory rows N and word width W."""
    try:
        rows, width = (int(part) for part in str(text).lower().split("x"))
    except ValueError:
        raise ValueError(f"ntm: memory must look like ROWSxWIDTH (e.g. 128x20), got {text!r}") from None
    if rows < 1 or width < 1:
        raise ValueError(f"ntm: memory {text!r} must have at least one row and one column")
    return rows, width


class NTMExperiment(SequenceExperiment):
    """Builds an ``NTM`` from the config; the task, loss and metrics are shared."""

    model_name = "ntm"
    defaults = dict(NTM_DEFAULTS)

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> NTM:
        rows, width = parse_memory(self.config["memory"])
        return NTM(input_size, output_size, controller=str(self.config["controller"]),
                   controller_size=int(self.config["controller_size"]), memory_rows=rows,
                   memory_width=width, read_heads=int(self.config["read_heads"]),
                   write_heads=int(self.config["write_heads"]),
                   shift_width=int(self.config["shift_width"]),
                   memory_init=str(self.config["memory_init"]), fused=bool(self.config["fused"]),
                   read_after_write=bool(self.config["read_after_write"]),
                   rng=rng)

    def __init__(self, config: dict, rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        self.lr_decays_done = 0
        self.recent_bits: list[float] = []  # training bits/sequence since the last decay (window)

    def train_step(self, step: int) -> dict[str, float]:
        # The learning rate is set from the decay count every step (a checkpoint's optimizer
        # state stores the lr too; this keeps the two consistent on resume).
        self.optimizer.lr = float(self.config["lr"]) * float(self.config["lr_decay_factor"]) ** self.lr_decays_done
        generator = self.task_generator
        if self.config.get("shared_length") and hasattr(generator, "min_length"):
            # A batch padded to the longest of 16 uniform lengths is ~1.8× longer than the
            # mean sequence; one length per batch removes that padding (same per-sequence law).
            self.task_generator = _SharedLength(generator)
        try:
            metrics = super().train_step(step)
        finally:
            self.task_generator = generator
        self._maybe_decay_lr(metrics["bits_per_sequence"])
        metrics["lr"] = self.optimizer.lr
        return metrics

    def _maybe_decay_lr(self, bits: float) -> None:
        threshold = float(self.config.get("lr_decay_below") or 0.0)
        if threshold <= 0 or self.lr_decays_done >= int(self.config["lr_decay_times"]):
            return
        window = int(self.config["lr_decay_window"])
        self.recent_bits.append(bits)
        if len(self.recent_bits) > window:
            del self.recent_bits[0]
        if len(self.recent_bits) == window and float(np.mean(self.recent_bits)) < threshold:
            self.lr_decays_done += 1
            self.recent_bits = []

    def extra_state(self) -> dict[str, np.ndarray]:
        return {"lr_decays_done": np.asarray(self.lr_decays_done),
                "recent_bits": np.asarray(self.recent_bits, dtype=np.float64)}

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        # A checkpoint written before this option existed has neither entry: no decay yet.
        self.lr_decays_done = int(state.get("lr_decays_done", 0))
        self.recent_bits = [float(b) for b in np.asarray(state.get("recent_bits", np.zeros(0))).ravel()]

    def trace(self, batch) -> tuple[np.ndarray, dict]:
        """Host logits and the memory trace (weightings, add vectors) for a host batch."""
        self.model.eval()
        return self.model.run_traced(batch[0].astype(self.dtype))

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = super().plot(run_dir, rng)
        from ..models.ntm import figures as ntm_figures
        if self.task == "copy":
            paths.append(ntm_figures.generalisation_figure(self, os.path.join(run_dir, "generalisation.png"), rng))
        paths.append(ntm_figures.memory_use_figure(self, os.path.join(run_dir, "memory_use.png"), rng))
        return paths


@register
class CopyNTM(NTMExperiment):
    """Copy, lengths 1–20. Defaults: the recipe that converged here (docs/sections/ntm.md):
    Graves' centred RMSProp lr 1e-4, gradients clipped to ±10, batch 1, 14,000 steps, learned
    initial memory; Adam 1e-3 at batch 16 had not left the LSTM-only plateau after 5,000 steps."""
    task = "copy"
    defaults = {**NTM_DEFAULTS, "memory_init": "learned", "steps": 14000, "batch_size": 1,
                "optimizer": "rmsprop", "lr": 1e-4, "clip_norm": 0.0, "clip_value": 10.0,
                "eval_every": 1000, "log_every": 250, "generalisation_length": 40}


@register
class RepeatCopyNTM(NTMExperiment):
    task = "repeat-copy"
    defaults = {**NTM_DEFAULTS, "steps": 10000}


@register
class AssociativeRecallNTM(NTMExperiment):
    task = "associative-recall"
    defaults = {**NTM_DEFAULTS, "memory": "128x20", "steps": 10000}


@register
class PrioritySortNTM(NTMExperiment):
    """The paper used a feedforward controller with 8 heads (5 read, 3 write) here."""
    task = "priority-sort"
    defaults = {**NTM_DEFAULTS, "controller": "feedforward", "read_heads": 5, "write_heads": 3,
                "steps": 10000}


class _SharedLength:
    """Wraps a task generator so that ``batch`` draws one length U[min, max] for the batch."""

    def __init__(self, generator) -> None:
        self.generator = generator

    def batch(self, batch_size: int, rng: np.random.Generator, **options):
        if options.get("length") is None:
            options["length"] = int(rng.integers(self.generator.min_length, self.generator.max_length + 1))
        return self.generator.batch(batch_size, rng, **options)


def evaluate_copy_lengths(experiment: NTMExperiment, lengths, sequences: int, rng: np.random.Generator,
                          batch_size: int = 100) -> dict[int, tuple[float, float]]:
    """{length: (bits per sequence, wrong bits per sequence)} over ``sequences`` fresh copy
    sequences of each fixed length (lengths outside training allowed)."""
    results = {}
    for length in lengths:
        bits = wrong = 0.0
        done = 0
        while done < sequences:
            size = min(batch_size, sequences - done)
            batch = experiment.task_generator.batch(size, rng, length=length)
            logits = experiment.predict(batch)
            bits += bits_per_sequence(logits, batch[1], batch[2]) * size
            wrong += wrong_bits_per_sequence(logits, batch[1], batch[2]) * size
            done += size
        results[int(length)] = (bits / sequences, wrong / sequences)
    return results
