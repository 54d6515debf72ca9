"""The Neural Turing Machine on the NTM paper's tasks (Graves, Wayne & Danihelka 2014, §4):
``copy/ntm``, ``repeat-copy/ntm``, ``associative-recall/ntm``, ``priority-sort/ntm``.

Model settings (``--set key=value``): ``controller`` (``lstm`` | ``feedforward``),
``controller_size``, ``memory`` (``ROWSxWIDTH``, e.g. ``128x20``), ``read_heads``,
``write_heads``, ``shift_width`` (odd), ``memory_init`` (``constant`` | ``learned``),
``fused`` (addressing and writes as single ops), ``read_after_write`` (read M_t instead of
M_{t−1}), ``shared_length`` (tasks with a ``length``:
every training batch draws one length (repeat copy: and one repeat count) for all its
sequences, so no step is spent on padding;
each sequence's length is still uniform over the task's range; evaluation keeps independent
lengths). ``NTM_DEFAULTS`` below are the base settings (Adam, global-norm clipping, batch 16);
each task's class overrides them with the recipe that was run for it (Graves' centred RMSProp
lr 1e-4, ±10 clipping, batch 1 or 4, a feedforward controller; priority sort: Adam 1e-3,
batch 32), as recorded in docs/sections/ntm.md.

Learning-rate decay on convergence: ``lr_decay_below`` (bits per sequence, 0 = off). Once the
mean training cost over the last ``lr_decay_window`` steps falls below it, the learning rate
is multiplied by ``lr_decay_factor`` (a factor above 1 raises it instead: on copy, ×3 once
under 1 bit halved the sequences needed to pass 0.1 bits but let one seed of two collapse
briefly, docs/sections/ntm.md); the window then starts afresh, and this happens at most
``lr_decay_times`` times; from the first decay on, batches hold ``decayed_batch_size``
sequences (0 = keep ``batch_size``). The count of decays and the window are kept in the checkpoint, so a
resumed run continues exactly.

``repeats_curriculum_steps`` (repeat copy only; 0 = off): training batches draw their repeat
count from [min_repeats, m(step)], m growing linearly to max_repeats over that many steps.

``length_one_fraction`` (repeat copy only; 0 = off): that fraction of training batches have
length 1, the case run h failed on (docs/sections/ntm.md, repeat copy); training only.

``zero_first_fraction`` (copy only; 0 = off, the paper's data): that fraction of training
sequences get an all-zero first vector (input and target). With uniform random bits this
happens to 1 sequence in 256, and it is the case a trained NTM fails on (its first input then
looks like no input at all; docs/sections/ntm.md); the option oversamples it during training
only. Evaluation always uses the task's own distribution. ``zero_vector_fraction`` (copy
only; 0 = off) does the same for one vector at a random position of the sequence (the LSTM
controller also failed on sequences whose last vector is all zeros);
``zero_last_fraction`` (copy only; 0 = off) always zeroes the last vector.

``keep_best``: at every evaluation the model is also scored (bits per sequence) on a fixed
validation set of ``validation_sequences`` sequences (drawn once from its own seed, never
from the training stream); the best parameters so far are kept (and checkpointed), and at
the last step of the run they replace the current ones before the final evaluation, so
the saved final model is the best-validated one (its step is logged as ``best_step``).
Without it the final model is the last step's.

``plot`` writes, besides the learning curve and a sample: ``generalisation.png`` (copy:
targets and outputs at lengths 10, 20, 30, 50, 120, paper Figs. 4–5) and ``memory_use.png``
(read and write weightings over time with the add vectors, paper Fig. 6).
"""
from __future__ import annotations

import os

import numpy as np

from .. import backends
from ..models.ntm import NTM
from ..plots import ntm as ntm_plots
from ..training.experiment import register
from ..training.stages import StagedExperiment
from .addressing import priority_sort_report
from .ntm_recipes import fixed_settings as stage_fixed_settings, recipe as named_recipe
from .sequence import SequenceExperiment, bits_per_sequence, wrong_bits_per_sequence

NTM_DEFAULTS = {"controller": "lstm", "controller_size": 100, "memory": "128x20",
                "read_heads": 1, "write_heads": 1, "shift_width": 3, "memory_init": "constant",
                "fused": True, "read_after_write": False, "shared_length": True,
                "lr_decay_below": 0.0, "lr_decay_window": 500, "lr_decay_factor": 0.1,
                "lr_decay_times": 1, "decayed_batch_size": 0, "zero_first_fraction": 0.0,
                "zero_vector_fraction": 0.0, "zero_last_fraction": 0.0, "keep_best": False, "validation_sequences": 500, "recipe": "", "stages": []}
GENERALISATION_LENGTHS = (10, 20, 30, 50, 120)


def parse_memory(text: str) -> tuple[int, int]:
    """``"128x20"`` -> (128, 20): memory rows N and word width W."""
    try:
        rows, width = (int(part) for part in str(text).lower().split("x"))
    except ValueError:
        raise ValueError(f"ntm: memory must look like ROWSxWIDTH (e.g. 128x20), got {text!r}") from None
    if rows < 1 or width < 1:
        raise ValueError(f"ntm: memory {text!r} must have at least one row and one column")
    return rows, width


class NTMExperiment(StagedExperiment, SequenceExperiment):
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
        # A recipe may choose the controller or the memory: expand it before the model exists.
        self.expand_recipe(config, lambda name: named_recipe(self.task, name))
        super().__init__(config, rng)
        self.lr_decays_done = 0
        self.recent_bits: list[float] = []  # training bits/sequence since the last decay (window)
        self.steps_done = 0
        self.best_bits, self.best_step = float("inf"), -1
        self.best_parameters: list[np.ndarray] = []
        self._validation_batches = None
        self.setup_stages(config, lambda name: named_recipe(self.task, name),
                          fixed=stage_fixed_settings(self.task))

    def on_enter_stage(self, index: int) -> None:
        """A new stage starts from the best-validated parameters so far (``keep_best``), as
        the hand-made chains did (each run's end put them back before the next started)."""
        for p, value in zip(self.model.parameters(), self.best_parameters):
            p.data[...] = backends.backend_of(p.data).from_host(value.astype(p.dtype))

    def train_step(self, step: int) -> dict[str, float]:
        stage = self.apply_stage(step)  # ``recipe`` / ``stages``: training/stages.py
        self.steps_done = step + 1
        # The learning rate is set from the decay count every step (a checkpoint's optimizer
        # state stores the lr too; this keeps the two consistent on resume).
        self.optimizer.lr = float(self.config["lr"]) * float(self.config["lr_decay_factor"]) ** self.lr_decays_done
        generator, batch_size = self.task_generator, self.config["batch_size"]
        if self.lr_decays_done and int(self.config.get("decayed_batch_size") or 0):
            self.config["batch_size"] = int(self.config["decayed_batch_size"])
        # When the batch size can change within a run, log it: summed over a log row's steps
        # (its mean times their count) it gives the sequences seen exactly.
        batch_changes = stage is not None or int(self.config.get("decayed_batch_size") or 0) > 0
        used_batch_size = int(self.config["batch_size"])
        if self.config.get("shared_length") and hasattr(generator, "min_length"):
            # A batch padded to the longest of 16 uniform lengths is ~1.8× longer than the
            # mean sequence; one length per batch removes that padding (same per-sequence law).
            self.task_generator = _SharedLength(self.task_generator, self._curriculum_max_repeats(step))
        for setting, where in _ZERO_VECTOR_SETTINGS.items():
            fraction = float(self.config.get(setting) or 0.0)
            if not fraction:
                continue
            if self.task != "copy":
                raise ValueError(f"{self.task}/ntm: {setting} applies to copy only")
            if not 0.0 <= fraction <= 1.0:
                raise ValueError(f"copy/ntm: {setting} must be in [0, 1], got {fraction}")
            self.task_generator = _ZeroVector(self.task_generator, fraction, where)
        try:
            metrics = super().train_step(step)
        finally:
            self.task_generator, self.config["batch_size"] = generator, batch_size
        self._maybe_decay_lr(metrics["bits_per_sequence"])
        metrics["lr"] = self.optimizer.lr
        if batch_changes:
            metrics["batch_size"] = float(used_batch_size)
        if stage is not None:
            metrics["stage"] = float(stage)
        return metrics

    def _curriculum_max_repeats(self, step: int) -> int | None:
        """Repeat copy with ``repeats_curriculum_steps`` = K > 0: the largest repeat count a
        training batch may draw at ``step``, growing linearly from ``min_repeats`` (the first
        K / n steps, n = the number of counts) to ``max_repeats`` (from step K on). The input
        normalisation stays the task's; evaluation always uses the full range."""
        steps = int(self.config.get("repeats_curriculum_steps") or 0)
        generator = self.task_generator
        if steps <= 0 or not hasattr(generator, "min_repeats"):
            return None
        counts = generator.max_repeats - generator.min_repeats + 1
        return min(generator.max_repeats, generator.min_repeats + (step * counts) // steps)

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

    def validation_bits(self) -> float:
        """Bits per sequence on the fixed validation set (``validation_sequences`` sequences
        from the generator seeded ``[seed, 3]``, scored in batches of 100)."""
        if self._validation_batches is None:
            rng = np.random.default_rng([int(self.config.get("seed", 0)), 3])
            total = int(self.config["validation_sequences"])
            sizes = [min(100, total - start) for start in range(0, total, 100)]
            self._validation_batches = [self.task_generator.batch(size, rng) for size in sizes]
        bits = [bits_per_sequence(self.predict(batch), batch[1], batch[2]) * batch[0].shape[1]
                for batch in self._validation_batches]
        return float(np.sum(bits) / sum(batch[0].shape[1] for batch in self._validation_batches))

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        if not self.config.get("keep_best"):
            return super().evaluate(rng)
        bits = self.validation_bits()
        if bits < self.best_bits:
            self.best_bits, self.best_step = bits, self.steps_done
            self.best_parameters = [backends.backend_of(p.data).to_host(p.data).copy()
                                    for p in self.model.parameters()]
        if self.steps_done >= int(self.config["steps"]) and self.best_parameters:
            # The run's last evaluation: the final model is the best-validated one.
            for p, value in zip(self.model.parameters(), self.best_parameters):
                p.data[...] = backends.backend_of(p.data).from_host(value.astype(p.dtype))
            bits = self.best_bits
        metrics = super().evaluate(rng)
        metrics["validation_bits_per_sequence"] = bits
        metrics["best_step"] = float(self.best_step)
        return metrics

    def extra_state(self) -> dict[str, np.ndarray]:
        state = {"lr_decays_done": np.asarray(self.lr_decays_done),
                 "recent_bits": np.asarray(self.recent_bits, dtype=np.float64),
                 "best_bits": np.asarray(self.best_bits), "best_step": np.asarray(self.best_step)}
        state.update({f"best.{index}": value for index, value in enumerate(self.best_parameters)})
        return state

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        # A checkpoint written before these options existed has none of the entries.
        self.lr_decays_done = int(state.get("lr_decays_done", 0))
        self.recent_bits = [float(b) for b in np.asarray(state.get("recent_bits", np.zeros(0))).ravel()]
        self.best_bits = float(state.get("best_bits", np.inf))
        self.best_step = int(state.get("best_step", -1))
        count = sum(1 for key in state if key.startswith("best."))
        self.best_parameters = [np.asarray(state[f"best.{index}"]) for index in range(count)]

    def trace(self, batch) -> tuple[np.ndarray, dict]:
        """Host logits and the memory trace (weightings, add vectors) for a host batch."""
        self.model.eval()
        return self.model.run_traced(batch[0].astype(self.dtype))

    def report(self, run_dir: str, sequences: int = 1000, seed: int = 2024) -> str:
        """On ``sequences`` fresh sequences (seed ``seed``): bits and wrong bits per sequence.
        Copy adds the sequences whose first vector is all zeros apart, and wrong bits at
        fixed lengths 10–120 (100 sequences each, the same generator continued); repeat copy
        adds a table by repeat count and by length (100 sequences each, seed 11); priority
        sort where the heads write and read (``addressing.priority_sort_report``)."""
        if self.task != "copy":
            lines = [super().report(run_dir, sequences, seed)]
            if self.task == "priority-sort":   # Graves et al. §4.5: where it writes and reads
                lines.append("addressing (500 fresh sequences, seed 2025):\n"
                             + priority_sort_report(self, 500, 2025))
            if self.task == "repeat-copy":
                task = self.task_generator
                for option, low, high in (("repeats", task.min_repeats, task.max_repeats),
                                          ("length", task.min_length, task.max_length)):
                    rng = np.random.default_rng(11)
                    cells = []
                    for value in range(low, high + 1):
                        scores = self.score(100, rng, batch_size=100, **{option: value})
                        cells.append(f"{value}: {scores['bits'].mean():.3f} / {scores['wrong'].mean():.3f}")
                    lines.append(f"by {option} (100 sequences each, seed 11), bits / wrong bits per "
                                 f"sequence: " + "; ".join(cells))
            return "\n".join(lines)
        return self.copy_report(np.random.default_rng(seed), sequences, f"seed {seed}")

    def copy_report(self, rng: np.random.Generator, sequences: int = 1000, source: str = "") -> str:
        """Copy's report (see ``report``) drawn from ``rng``, which it advances."""
        scores = self.score(sequences, rng)
        bits, wrong, zero_first = scores["bits"], scores["wrong"], scores["zero_first"]
        lines = [f"lengths {self.task_generator.min_length}–{self.task_generator.max_length}, "
                 f"{sequences} fresh sequences ({source or 'rng given'}): {bits.mean():.4f} bits/sequence, "
                 f"{wrong.mean():.4f} wrong bits/sequence"]
        if zero_first.any():
            lines.append(f"  {zero_first.sum()} sequences start with an all-zero vector: "
                         f"{bits[zero_first].mean():.1f} bits, {wrong[zero_first].mean():.1f} wrong bits each")
        lines.append(f"  the other {(~zero_first).sum()}: {bits[~zero_first].mean():.4f} bits/sequence, "
                     f"{wrong[~zero_first].mean():.4f} wrong bits/sequence, "
                     f"{(wrong[~zero_first] > 0).sum()} sequences with a wrong bit")
        for length, (b, w) in evaluate_copy_lengths(self, [10, 20, 30, 40, 50, 80, 120], 100, rng).items():
            lines.append(f"length {length:4d}: {b:9.3f} bits/sequence, {w:8.3f} wrong bits/sequence "
                         f"({8 * length} bits)")
        return "\n".join(lines)

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = super().plot(run_dir, rng)
        if self.task == "copy":
            paths.append(self.generalisation_figure(os.path.join(run_dir, "generalisation.png"), rng))
        paths.append(self.memory_use_figure(os.path.join(run_dir, "memory_use.png"), rng))
        return paths

    def generalisation_figure(self, path: str, rng: np.random.Generator,
                              lengths=GENERALISATION_LENGTHS) -> str:
        """Targets above outputs of one sequence per length (paper Figs. 4–5)."""
        panels = []
        for length in lengths:
            batch = self.task_generator.batch(1, rng, length=length)
            logits = self.predict(batch)
            rows = batch[2][:, 0] > 0
            panels.append((length, batch[1][rows, 0].T, ntm_plots.sigmoid(logits[rows, 0]).T,
                           wrong_bits_per_sequence(logits, batch[1], batch[2])))
        generator = self.task_generator
        return ntm_plots.generalisation_figure(
            path, panels, f"{self.task} / {self.model_name}: generalisation (trained on lengths "
            f"{getattr(generator, 'min_length', '?')}–{getattr(generator, 'max_length', '?')})")

    def memory_use_figure(self, path: str, rng: np.random.Generator, length: int | None = None) -> str:
        """Add vectors, write and read weightings of the first head of each kind over time for
        one sequence (copy: of ``length``, default min(20, max_length)); paper Fig. 6."""
        options = {}
        if self.task == "copy":
            options = {"length": length if length is not None
                       else min(20, getattr(self.task_generator, "max_length", 20))}
        batch = self.task_generator.batch(1, rng, **options)
        logits, trace = self.trace(batch)
        has_writes = "write_weights" in trace and trace["write_weights"].shape[2]
        one = {"read_weights": trace["read_weights"][:, 0, 0],
               "write_weights": trace["write_weights"][:, 0, 0] if has_writes else None,
               "add": trace["add"][:, 0, 0] if has_writes else None}
        return ntm_plots.memory_use_figure(path, batch[0][:, 0], ntm_plots.sigmoid(logits[:, 0]), one,
                                           f"{self.task} / {self.model_name}")


@register
class CopyNTM(NTMExperiment):
    """Copy, lengths 1–20. Defaults: the recipe that converged here (docs/sections/ntm.md):
    Graves' centred RMSProp lr 1e-4, gradients clipped to ±10, batch 1, learned initial
    memory; Adam 1e-3 at batch 16 had not left the LSTM-only plateau after 5,000 steps.
    Added after the first converged runs: 5% of training sequences start with an all-zero
    vector (the failure case), the learning rate dropped ×0.1 once the 500-step mean training
    cost is under 0.05 bits (it did not happen within 20,000 steps: decaying at 4, 1 or 0.3
    bits ended at 0.73, 0.42 and 0.24 bits on the test instead of 0.11 at step 14,000), and
    the final model is the best of the evaluations (every 500 steps)
    on 500 fixed validation sequences. The controller is feedforward (100 units): with the
    same recipe it learned copy by step ~2,500 instead of ~10,000 and made no wrong bit on
    1,000 test sequences, where the LSTM controller made 0.085 per sequence (both with the
    decay at 4 bits)
    (``--set controller=lstm`` for the paper's copy setting). With that recipe, 20,000 steps:
    0.067–0.074 bits and 0 wrong bits per sequence on 1,000 test sequences (3 seeds), under
    0.1 bits first after 15,000–16,500 sequences.
    Current default (measured on 3 seeds, docs/sections/ntm.md): the rate is *raised* ×2 once
    the 500-step mean training cost is under 1 bit (the slow part is the tail, and a lower
    rate there made it slower), and the global gradient norm is also clipped at 1 (besides
    ±10 per element), which kept the raised rate from collapsing: under 0.1 bits after
    9,000–9,500 sequences, never back over it in the next 20,500, and 0.035–0.037 bits, 0
    wrong bits at lengths 1–20, 40 and 120 after 20,000. The LSTM controller is unstable under
    these defaults; its own recipe is ``--recipe lstm-controller`` (ntm_recipes.py; not yet
    stable either, docs/sections/ntm.md)."""
    task = "copy"
    defaults = {**NTM_DEFAULTS, "controller": "feedforward", "memory_init": "learned",
                "steps": 20000, "batch_size": 1, "optimizer": "rmsprop", "lr": 1e-4, "clip_norm": 1.0, "clip_value": 10.0,
                "eval_every": 500, "log_every": 250, "generalisation_length": 40,
                "zero_first_fraction": 0.05, "lr_decay_below": 1.0, "lr_decay_window": 500,
                "lr_decay_factor": 2.0, "lr_decay_times": 1, "keep_best": True}


@register
class RepeatCopyNTM(NTMExperiment):
    """Repeat copy (§4.2): lengths 1–10, repeats 1–10 (count on its own channel, mean 0 and
    variance 1), end marker. Defaults: a feedforward controller (100 units, one read and one
    write head) with the copy recipe (Graves' centred RMSProp lr 1e-4, clip ±10, learned
    initial memory, best-validated model kept) at batch 4 (one length and one count per batch:
    ~4× the sequences per CPU-second of batch 1 for the same progress per update here), plus a
    curriculum on the training repeat count (``repeats_curriculum_steps=20000``: counts up to
    1 for the first 2,000 steps, up to 2 until 4,000, ..., all of 1–10 from step 20,000).
    Without the curriculum no run left chance (~230 bits) within 41,000 sequences (LSTM or
    feedforward controller, batch 1 or 4); with it the model counts from step ~16,000:
    2.66 bits, 0.32 wrong bits per sequence on 1,000 test sequences at 60,000 steps (spikes
    at lr 1e-4 from ~45,000 on), 1.06 and 0.041 after 40,000 more steps at lr 1e-5 set by
    hand, 0.83 after 560,000 sequences in all (docs/sections/ntm.md). There the L = 1
    sequences held 43% of the bits and 82% of the wrong bits, all at their second answer step:
    the model builds a delay line of length L in memory, and a one-step delay does not fit
    reads of M_{t−1}. Oversampling L = 1 (``length_one_fraction``) fixed L = 1 but made the
    other lengths worse. What got under 0.1 bits was a fine-tune of that model with Adam
    (``--init-from``, lr 1e-4, global-norm clip 10, batch 16, no curriculum): 0.033 bits,
    0.001 wrong bits per sequence on 1,000 test sequences after 1,120,000 more sequences.

    So the default is the recipe ``curriculum-adam`` (ntm_recipes.py): the settings above to
    step 30,000, then Adam lr 1e-4, global-norm clip 10, batch 16, no curriculum, to step
    100,000. ``--recipe ""`` runs the settings above alone (60,000 steps);
    ``--recipe curriculum-rmsprop-adam`` is the old manual chain as one run."""
    task = "repeat-copy"
    defaults = {**NTM_DEFAULTS, "controller": "feedforward", "memory_init": "learned",
                "steps": 60000, "batch_size": 4, "optimizer": "rmsprop", "lr": 1e-4,
                "clip_norm": 0.0, "clip_value": 10.0, "eval_every": 500, "log_every": 250,
                "keep_best": True, "repeats_curriculum_steps": 20000, "length_one_fraction": 0.0,
                "recipe": "curriculum-adam"}

    def train_step(self, step: int) -> dict[str, float]:
        """``length_one_fraction`` = p > 0: a fraction p of training batches get length 1
        (the rest keep their own draw, so P(L = 1) = p + (1 − p) / 10 with the default
        lengths). Training only: validation, evaluation and tests use the task's own law.
        Why: L = 1 sequences (10% of the task) held 43% of the bits and 82% of the wrong bits
        of run h (docs/sections/ntm.md, repeat copy)."""
        self.apply_stage(step)  # a stage may change length_one_fraction
        fraction = float(self.config.get("length_one_fraction") or 0.0)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"repeat-copy/ntm: length_one_fraction must be in [0, 1], got {fraction}")
        if fraction == 0.0:
            return super().train_step(step)
        generator = self.task_generator
        self.task_generator = _LengthOneBatches(generator, fraction)
        try:
            return super().train_step(step)
        finally:
            self.task_generator = generator


@register
class AssociativeRecallNTM(NTMExperiment):
    """Associative recall (§4.3): 2–6 items of three 6-bit vectors, then a query item; answer
    the item after it. Defaults: the copy recipe (Graves' centred RMSProp lr 1e-4, clip ±10,
    batch 1, learned initial memory, best-validated model kept) with a feedforward controller
    of 100 units and one read and one write head (the paper's feedforward NTM had 4 heads and
    256 units). It left chance (18 bits) at ~7,000 sequences and was under 0.1 bits from
    ~11,000; 20,000 steps: 0.021 bits and 0 wrong bits per sequence on 1,000 test sequences
    (docs/sections/ntm.md)."""
    task = "associative-recall"
    defaults = {**NTM_DEFAULTS, "controller": "feedforward", "memory": "128x20",
                "memory_init": "learned", "steps": 20000, "batch_size": 1, "optimizer": "rmsprop",
                "lr": 1e-4, "clip_norm": 0.0, "clip_value": 10.0, "eval_every": 500,
                "log_every": 250, "keep_best": True}


@register
class PrioritySortNTM(NTMExperiment):
    """Priority sort (§4.5): 20 vectors with priorities U[−1, 1] → the 16 highest, sorted.
    Defaults: the paper's feedforward controller (here 100 units; the paper: 512) with 5 read
    heads but 1 write head (the paper: 3; each write head costs ~3× the step time here) on a
    64 × 20 memory (the paper: 128 × 20), learned initial memory, Adam lr 1e-3 with
    global-norm clipping at 10, batch 32 (~30× the sequences per CPU-second of the first
    recipe: batch 1, 8 heads, 128 rows, RMSProp 1e-4, which was still level with the LSTM at
    ~123 of 128 bits after 13,723 sequences), the learning rate ×0.3 once the 500-step mean
    training cost is under 80 bits, best-validated model kept. 15,000 steps (480,000
    sequences, ~24 CPU-minutes): 65.85 bits and 22.44 wrong bits per sequence on 1,000 test
    sequences, against 95.05 and 35.43 for the best LSTM baseline (1 × 256) at the same count;
    writes land at rows ordered by priority (rank correlation +0.95), as the paper
    hypothesised (docs/sections/ntm.md, priority sort)."""
    task = "priority-sort"
    defaults = {**NTM_DEFAULTS, "controller": "feedforward", "controller_size": 100,
                "read_heads": 5, "write_heads": 1, "memory": "64x20", "memory_init": "learned",
                "steps": 15000, "batch_size": 32, "optimizer": "adam", "lr": 1e-3,
                "clip_norm": 10.0, "clip_value": 0.0, "eval_every": 500, "log_every": 250,
                "lr_decay_below": 80.0, "lr_decay_window": 500, "lr_decay_factor": 0.3,
                "lr_decay_times": 1, "keep_best": True}


class _SharedLength:
    """Wraps a task generator so that ``batch`` draws one length U[min, max] for the batch, and
    for repeat copy also one repeat count U[min_repeats, max_repeats] (a batch is padded to
    its longest L·R; each sequence's law is unchanged)."""

    def __init__(self, generator, max_repeats: int | None = None) -> None:
        self.generator = generator
        self.max_repeats = max_repeats if max_repeats is not None else getattr(generator, "max_repeats", None)

    def batch(self, batch_size: int, rng: np.random.Generator, **options):
        if options.get("length") is None:
            options["length"] = int(rng.integers(self.generator.min_length, self.generator.max_length + 1))
        if hasattr(self.generator, "min_repeats") and options.get("repeats") is None:
            options["repeats"] = int(rng.integers(self.generator.min_repeats, self.max_repeats + 1))
        return self.generator.batch(batch_size, rng, **options)


class _LengthOneBatches:
    """Wraps a repeat-copy generator: with probability ``fraction`` (drawn from the batch's own
    generator) a batch is drawn with length 1, otherwise with the length it was asked for
    (or its own draw). Exposes the wrapped generator's length and count ranges, so that
    ``_SharedLength`` and the curriculum see the task's ranges."""

    def __init__(self, generator, fraction: float) -> None:
        self.generator, self.fraction = generator, fraction
        for name in ("min_length", "max_length", "min_repeats", "max_repeats"):
            setattr(self, name, getattr(generator, name))

    def batch(self, batch_size: int, rng: np.random.Generator, **options):
        if rng.random() < self.fraction:
            options["length"] = 1
        return self.generator.batch(batch_size, rng, **options)


#: Copy settings that zero one vector of some training sequences, and which vector.
_ZERO_VECTOR_SETTINGS = {"zero_first_fraction": "first", "zero_vector_fraction": "anywhere",
                         "zero_last_fraction": "last"}


class _ZeroVector:
    """Wraps a copy generator: each sequence, with probability ``fraction`` (drawn from the
    batch's own generator), gets one vector set to zeros in the input and the target: the
    first (``where="first"``, ``zero_first_fraction``), the last (``"last"``,
    ``zero_last_fraction``) or one at a position drawn uniformly from its length
    (``"anywhere"``, ``zero_vector_fraction``). A zero vector looks like no input: a trained
    feedforward NTM failed on a zero first vector, the LSTM controller on zero vectors
    anywhere, most of all the last (docs/sections/ntm.md)."""

    def __init__(self, generator, fraction: float, where: str = "first") -> None:
        if where not in ("first", "last", "anywhere"):
            raise ValueError(f"_ZeroVector: where must be 'first', 'last' or 'anywhere', got {where!r}")
        self.generator, self.fraction, self.where = generator, fraction, where

    def batch(self, batch_size: int, rng: np.random.Generator, **options):
        inputs, targets, mask = self.generator.batch(batch_size, rng, **options)
        bits = targets.shape[2]
        chosen = np.nonzero(rng.random(batch_size) < self.fraction)[0]
        # Only "anywhere" draws positions, so the other two consume the generator as before.
        positions = rng.random(batch_size) if self.where == "anywhere" else None
        for index in chosen:
            length = int(mask[:, index].sum())
            if self.where == "first":
                position = 0
            elif self.where == "last":
                position = length - 1
            else:
                position = min(int(positions[index] * length), length - 1)
            inputs[position, index, :bits] = 0.0
            targets[int(np.argmax(mask[:, index] > 0)) + position, index] = 0.0
        return inputs, targets, mask


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
