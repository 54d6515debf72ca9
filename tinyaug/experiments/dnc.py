"""The Differentiable Neural Computer (Graves, Wayne et al. 2016) on the memory allocation test
(``allocation/dnc``, with the baselines ``allocation/ntm`` and ``allocation/lstm``), on the NTM
paper's copy (``copy/dnc``, lengths 1–20, against ``copy/ntm``) and on repeat copy with
deepmind/dnc's released training setup (``repeat-copy/dnc``).

Model settings (``--set key=value``): ``controller`` (``lstm`` | ``feedforward``),
``controller_size``, ``memory`` (``ROWSxWIDTH``), ``read_heads``, ``write_heads``, ``clip``
(controller output and logits clipped to ±clip, 0 = off), ``fused`` (allocation and link update
as single ops), ``masked_lookup``, ``deallocate`` and ``sharpen_links`` (Csordás & Schmidhuber
2019's masked content lookup, de-allocation and sharpened links, departures, off by default). ``DNC_DEFAULTS`` are deepmind/dnc's released training defaults (LSTM 64,
memory 16 × 16, 4 read heads, 1 write head, clip 20, RMSProp lr 1e-4 ε 1e-10, global-norm clip
50, batch 16). ``optimizer=rmsprop-tf`` is that RMSProp (TensorFlow's: decay 0.9, no momentum,
not centred, ε 1e-10); the other optimizers are the shared ones.

Evaluation adds ``overflow_bits_per_sequence`` on the allocation test: the bits on episodes
whose vectors outnumber the memory's rows (the episodes that need reuse).
"""
from __future__ import annotations

import os

import numpy as np

from .. import optim
from ..models.dnc import DNC
from ..models.ntm import NTM
from ..tasks import TASKS
from ..training.experiment import register
from ..training.stages import StagedExperiment
from .allocation_curriculum import SequenceCurriculum
from .sequence import SequenceExperiment, bits_per_sequence, wrong_bits_per_sequence
from .lstm import LSTMExperiment
from .ntm import NTM_DEFAULTS, parse_memory

DNC_DEFAULTS = {"controller": "lstm", "controller_size": 64, "memory": "16x16", "read_heads": 4,
                "write_heads": 1, "clip": 20.0, "fused": True, "optimizer": "rmsprop-tf",
                "lr": 1e-4, "clip_norm": 50.0, "clip_value": 0.0, "batch_size": 16,
                "masked_lookup": False, "deallocate": False, "sharpen_links": False, "stages": []}

#: DNC settings read once, when the model is built: a stage (``stages``) cannot change them.
BUILT_ONCE = frozenset({"controller", "controller_size", "memory", "read_heads", "write_heads", "clip",
                        "fused", "masked_lookup", "deallocate", "sharpen_links", "dtype"})


def make_rmsprop_tf(params, lr: float) -> optim.RMSProp:
    """deepmind/dnc's optimizer: TensorFlow's RMSProp (decay 0.9, no momentum, ε 1e-10)."""
    return optim.RMSProp(params, lr=lr, decay=0.9, momentum=0.0, eps=1e-10, centered=False)


class DNCExperiment(StagedExperiment, SequenceExperiment):
    """Builds a ``DNC`` from the config; the task, loss and metrics are shared. ``stages``
    (``tinyaug.training.stages``): settings that change at given steps, e.g. a lower learning
    rate for the last steps."""

    model_name = "dnc"
    defaults = dict(DNC_DEFAULTS)

    def __init__(self, config: dict, rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        task_settings = frozenset(TASKS[self.task].defaults if self.task in TASKS else ())
        self.setup_stages(config, fixed=BUILT_ONCE | task_settings)

    def train_step(self, step: int) -> dict[str, float]:
        if self.apply_stage(step) is not None:
            self.optimizer.lr = float(self.config["lr"])   # a stage's learning rate, also on resume
        return super().train_step(step)

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> DNC:
        rows, width = parse_memory(self.config["memory"])
        return DNC(input_size, output_size, controller=str(self.config["controller"]),
                   controller_size=int(self.config["controller_size"]), memory_rows=rows,
                   memory_width=width, read_heads=int(self.config["read_heads"]),
                   write_heads=int(self.config["write_heads"]), clip=float(self.config["clip"]),
                   fused=bool(self.config["fused"]), masked_lookup=bool(self.config["masked_lookup"]),
                   deallocate=bool(self.config["deallocate"]),
                   sharpen_links=bool(self.config["sharpen_links"]), rng=rng)

    def make_optimizer(self) -> optim.Optimizer:
        if self.config.get("optimizer") == "rmsprop-tf":
            return make_rmsprop_tf(self.model.parameters(), float(self.config["lr"]))
        return super().make_optimizer()

    def trace(self, batch) -> tuple[np.ndarray, dict]:
        """Host logits and the DNC trace (weightings, modes, gates, usage) for a host batch."""
        self.model.eval()
        return self.model.run_traced(batch[0].astype(self.dtype))

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        metrics = super().evaluate(rng)
        if self.task == "allocation":
            metrics.update(overflow_metrics(self, rng))
        return metrics

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        from ..plots import dnc as dnc_plots
        paths = super().plot(run_dir, rng)
        batch = self.task_generator.batch(1, rng)
        logits, trace = self.trace(batch)
        paths.append(dnc_plots.memory_use_figure(
            os.path.join(run_dir, "memory_use.png"), batch[0][:, 0], batch[1][:, 0],
            1 / (1 + np.exp(-logits[:, 0])), batch[2][:, 0], trace, title=f"{self.task} / dnc"))
        return paths


def overflow_metrics(experiment: SequenceExperiment, rng: np.random.Generator, size: int = 64) -> dict[str, float]:
    """Bits and wrong bits per sequence on allocation episodes whose vectors outnumber the
    memory's rows (drawn until ``size`` such episodes are found); none when no episode can."""
    rows, _ = parse_memory(experiment.config["memory"])
    task = experiment.task_generator
    if task.sequences * task.max_length <= rows:
        return {}
    lengths = []
    while len(lengths) < size:
        draw = task.draw_lengths(4 * size, rng)
        lengths.extend(draw[draw.sum(axis=1) > rows][: size - len(lengths)])
    inputs, targets, mask = [], [], []
    batches = [task.batch(1, rng, lengths=row) for row in lengths]
    time = max(b[0].shape[0] for b in batches)
    pad = lambda a: np.concatenate([a, np.zeros((time - a.shape[0],) + a.shape[1:])], axis=0)  # noqa: E731
    inputs = np.concatenate([pad(b[0]) for b in batches], axis=1)
    targets = np.concatenate([pad(b[1]) for b in batches], axis=1)
    mask = np.concatenate([pad(b[2]) for b in batches], axis=1)
    logits = experiment.predict((inputs, targets, mask))
    return {"overflow_bits_per_sequence": bits_per_sequence(logits, targets, mask),
            "overflow_wrong_bits_per_sequence": wrong_bits_per_sequence(logits, targets, mask)}


def evaluate_fresh(experiment: SequenceExperiment, sequences: int, rng: np.random.Generator,
                   batch_size: int = 100, **overrides) -> tuple[float, float]:
    """(bits, wrong bits) per sequence over ``sequences`` fresh sequences of the task
    (``overrides`` go to the task's ``batch``, e.g. ``length=40``)."""
    bits = wrong = 0.0
    done = 0
    while done < sequences:
        size = min(batch_size, sequences - done)
        batch = experiment.task_generator.batch(size, rng, **overrides)
        logits = experiment.predict(batch)
        bits += bits_per_sequence(logits, batch[1], batch[2]) * size
        wrong += wrong_bits_per_sequence(logits, batch[1], batch[2]) * size
        done += size
    return bits / sequences, wrong / sequences


@register
class AllocationDNC(SequenceCurriculum, DNCExperiment):
    """The memory allocation test (``tinyaug.tasks.allocation``): 4 sequences of 4–8 vectors
    of 8 bits, memory 16 × 16, deepmind/dnc's model (LSTM 64, 4 read heads, 1 write head) with
    Csordás & Schmidhuber's de-allocation (``deallocate``: freed rows are erased, a departure
    from the paper; ``--deallocate false`` for the paper's DNC); Adam 1e-3, global-norm clip 10,
    batch 16 for 6,000 steps, then lr 1e-4 at batch 64 to step 7,500 (``stages``; a batch of 64
    costs ~1.7× one of 16 here, and cut the rare wrong episodes that batch 16 at lr 1e-4 left).
    Three seeds: 0.12–0.37 bits, 0.003–0.010 wrong bits per episode, ~14 CPU minutes each (the
    target, < 0.1 bits and no wrong bit, not met); the paper's DNC with the same optimizer was
    at 0.54 bits after 6,000 steps (docs/sections/dnc.md, "The memory allocation test")."""
    task = "allocation"
    defaults = {**DNC_DEFAULTS, "memory": "16x16", "steps": 7500, "eval_every": 250, "log_every": 50,
                "optimizer": "adam", "lr": 1e-3, "clip_norm": 10.0, "deallocate": True,
                "stages": [{"from_step": 0}, {"from_step": 6000, "lr": 1e-4, "batch_size": 64}]}


@register
class CopyDNC(DNCExperiment):
    """The NTM paper's copy (lengths 1–20, 8 bits) with deepmind/dnc's model (LSTM 64, 4 read
    heads, 1 write head, clip 20) but 32 memory rows (16 cannot hold 20 vectors) and the
    allocation test's optimizer (Adam 1e-3, global-norm clip 10, batch 16), which solved that
    test in 6,000 steps, where deepmind's RMSProp 1e-4 had repeat copy (lengths 1–2) still at
    1.6 bits after 16,400 (docs/sections/dnc.md); not compared with RMSProp on copy itself.
    ``stages``: lr 3e-4 from step 3,000 (at a constant 1e-3 a spike can fall just before the
    end; at 1e-4 seeds crept down too slowly), 1e-4 from step 5,000 to 8,000 (128,000
    sequences, ~8 CPU minutes). Three seeds: 0.044 / 0.061 / 0.087 bits per sequence on 1,024 fresh
    sequences (docs/sections/dnc.md, "Copy"); the 4,000-step recipe before it ended at
    0.085 / 0.144 / 0.206. The model has no parameter tied to the number of rows, so a trained
    model runs with a larger memory at lengths beyond 32: ``examples/dnc_lengths.py``."""
    task = "copy"
    defaults = {**DNC_DEFAULTS, "memory": "32x16", "steps": 8000, "eval_every": 250, "log_every": 50,
                "optimizer": "adam", "lr": 1e-3, "clip_norm": 10.0, "generalisation_length": 0,
                "stages": [{"from_step": 0}, {"from_step": 3000, "lr": 3e-4},
                           {"from_step": 5000, "lr": 1e-4}]}


@register
class RepeatCopyDNC(DNCExperiment):
    """Repeat copy with deepmind/dnc's released training setup: 4 bits, lengths 1–2, repeats
    1–2, batch 16, LSTM 64, memory 16 × 16, 4 read heads, 1 write head, clip 20, RMSProp
    lr 1e-4 ε 1e-10, global-norm clip 50; 33,000 steps (528,000 sequences, ~5–6 CPU minutes):
    three seeds end at 0.019 / 0.048 / 0.038 bits per sequence, first under 0.1 at ~27,000
    steps (docs/sections/dnc.md, "Repeat copy"; at 20,000, the previous default, not yet)."""
    task = "repeat-copy"
    defaults = {**DNC_DEFAULTS, "bits": 4, "min_length": 1, "max_length": 2, "min_repeats": 1,
                "max_repeats": 2, "steps": 33000, "eval_every": 500, "log_every": 100}


@register
class AllocationNTM(SequenceCurriculum, SequenceExperiment):
    """The NTM baseline on the allocation test: the same memory (16 × 16), LSTM 64, one read
    and one write head, the same optimizer as ``allocation/dnc``."""
    task = "allocation"
    model_name = "ntm"
    defaults = {**NTM_DEFAULTS, "controller_size": 64, "memory": "16x16", "steps": 6000,
                "eval_every": 250, "log_every": 50, "optimizer": "adam", "lr": 1e-3,
                "clip_norm": 10.0, "batch_size": 16}

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> NTM:
        rows, width = parse_memory(self.config["memory"])
        return NTM(input_size, output_size, controller=str(self.config["controller"]),
                   controller_size=int(self.config["controller_size"]), memory_rows=rows,
                   memory_width=width, read_heads=int(self.config["read_heads"]),
                   write_heads=int(self.config["write_heads"]),
                   shift_width=int(self.config["shift_width"]),
                   memory_init=str(self.config["memory_init"]), fused=bool(self.config["fused"]), rng=rng)

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        return {**super().evaluate(rng), **overflow_metrics(self, rng)}


@register
class AllocationLSTM(SequenceCurriculum, LSTMExperiment):
    """The LSTM baseline on the allocation test (1 × 128, Adam 1e-3, batch 16)."""
    task = "allocation"
    defaults = {"steps": 6000, "eval_every": 250, "log_every": 50, "memory": "16x16"}

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        return {**super().evaluate(rng), **overflow_metrics(self, rng)}

