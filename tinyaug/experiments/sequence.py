"""Shared pieces of the binary sequence tasks (copy, repeat copy, recall, sort, N-grams) used
by the LSTM baseline, the NTM and any other recurrent model.

Metrics, in the NTM paper's units:

* ``bits_per_sequence``: binary cross-entropy in bits, summed over the masked outputs of each
  sequence, averaged over the batch (Graves et al. 2014, figures 3, 6, 10...). Chance for copy
  at lengths 1–20 is ≈ 84 bits (10.5 outputs × 8 bits × 1 bit).
* ``wrong_bits_per_sequence``: outputs thresholded at 0.5 (logit 0) that differ from the
  target, counted over the masked outputs and averaged over the batch.

``SequenceExperiment``: a ready ``Experiment`` for any (task, recurrent model) pair. The hook
a model family implements is one method::

    @register
    class CopyNTM(SequenceExperiment):
        task = "copy"                        # a name in tinyaug.tasks.TASKS
        model_name = "ntm"
        defaults = {"memory_size": 128}      # model hyper-parameters (task ones come for free)

        def build_model(self, input_size, output_size, rng):
            # -> a Module mapping inputs (time, batch, input_size) to LOGITS
            #    (time, batch, output_size); no sigmoid, the loss applies it.
            return NTMSequenceModel(input_size, output_size, rng=rng, **...)

Everything else (batches, loss, optimizer, clipping, evaluation, figures) is shared. Optional
overrides: ``forward(inputs)`` when the model's call has another signature;
``make_optimizer()``; ``evaluate`` (call ``super().evaluate(rng)`` and add metrics).

Config keys (all ``--set``-able): the task's parameters (``TASKS[task].defaults``, e.g.
``min_length``, ``max_length``), ``batch_size``, ``lr``, ``optimizer`` (``adam``, ``rmsprop``
(Graves' centred variant with momentum), ``sgd``), ``clip_norm`` (global norm, 0 = off),
``clip_value`` (elementwise, 0 = off), ``eval_batch_size``, ``generalisation_length`` (0 = off;
else evaluation also reports metrics at that fixed length, for tasks that take ``length``),
``dtype``, plus whatever the subclass's ``defaults`` add.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .. import optim
from ..autograd import no_grad, tensor, to_numpy
from ..autograd.ops import binary_cross_entropy_with_logits, sum as sum_
from ..tasks import TASKS, make_task
from ..plots import sequences
from ..training.experiment import Experiment
from . import curves as run_curves

LN2 = math.log(2.0)


def masked_bce_per_sequence(logits, targets, mask):
    """BCE in nats summed over features and masked time steps: a (batch,) tensor.
    ``logits``, ``targets``: (time, batch, out); ``mask``: (time, batch)."""
    elementwise = binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return sum_(elementwise * mask[:, :, None], axis=(0, 2))


def bits_per_sequence(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> float:
    """Host-side metric: BCE in bits per sequence, averaged over the batch (see module doc)."""
    logits, targets, mask = (np.asarray(a, dtype=np.float64) for a in (logits, targets, mask))
    elementwise = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    return float((elementwise * mask[:, :, None]).sum() / LN2 / mask.shape[1])


def wrong_bits_per_sequence(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> float:
    """Host-side metric: outputs on the wrong side of 0.5, per sequence, batch-averaged."""
    logits, targets, mask = (np.asarray(a, dtype=np.float64) for a in (logits, targets, mask))
    wrong = (logits > 0) != (targets > 0.5)
    return float((wrong * mask[:, :, None]).sum() / mask.shape[1])


SEQUENCE_DEFAULTS: dict[str, Any] = {
    "steps": 10000, "batch_size": 16, "lr": 1e-3, "seed": 0,
    "optimizer": "adam", "clip_norm": 10.0, "clip_value": 0.0,
    "eval_batch_size": 64, "generalisation_length": 0, "dtype": "float32",
}


class SequenceExperiment(Experiment):
    """A (binary sequence task, recurrent model) experiment; subclasses implement
    ``build_model`` (see the module docstring). ``loss`` is the mean BCE per masked output bit
    (nats); the headline metric is ``bits_per_sequence``."""

    headline_metric: ClassVar[str] = "bits_per_sequence"

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        task_defaults = TASKS[cls.task].defaults if cls.task in TASKS else {}
        return {**SEQUENCE_DEFAULTS, **task_defaults, **super().default_config()}

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        task_keys = TASKS[self.task].defaults
        self.task_generator = make_task(self.task, **{k: config[k] for k in task_keys if k in config})
        self.dtype = np.dtype(config.get("dtype", "float32"))
        # Initialise from a generator of its own, so that the model does not depend on how
        # many numbers the data stream has drawn.
        init_rng = np.random.default_rng([int(config.get("seed", 0)), 1])
        self.model = self.build_model(self.task_generator.input_size,
                                      self.task_generator.output_size, init_rng)
        if self.dtype != np.float32:
            self.model.astype(self.dtype)
        self.optimizer = self.make_optimizer()

    # -- hooks ------------------------------------------------------------------------------
    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator):
        """Return a ``Module``: inputs (time, batch, input_size) -> logits (time, batch,
        output_size). Initialise its parameters from ``rng``."""
        raise NotImplementedError(f"{type(self).__name__} must implement build_model")

    def forward(self, inputs):
        """Logits (time, batch, out) for an inputs tensor (time, batch, in)."""
        return self.model(inputs)

    def make_optimizer(self) -> optim.Optimizer:
        name, lr = self.config.get("optimizer", "adam"), float(self.config["lr"])
        params = self.model.parameters()
        if name == "adam":
            return optim.Adam(params, lr=lr)
        if name == "rmsprop":  # Graves (2013) centred RMSProp with momentum, as in the NTM paper
            return optim.RMSProp(params, lr=lr, decay=0.95, momentum=0.9, eps=1e-4, centered=True)
        if name == "sgd":
            return optim.SGD(params, lr=lr, momentum=0.9)
        raise ValueError(f"{type(self).__name__}: unknown optimizer {name!r} "
                         "(choose adam, rmsprop or sgd)")

    # -- the Experiment contract ------------------------------------------------------------
    def _to_tensors(self, batch):
        inputs, targets, mask = batch
        return tuple(tensor(a.astype(self.dtype)) for a in (inputs, targets, mask))

    def _logits(self, inputs):
        logits = self.forward(inputs)
        if isinstance(logits, tuple):  # a model that also returns its final state
            logits = logits[0]
        return logits

    def train_step(self, step: int) -> dict[str, float]:
        self.model.train()
        batch = self.task_generator.batch(int(self.config["batch_size"]), self.rng)
        inputs, targets, mask = self._to_tensors(batch)
        logits = self._logits(inputs)
        per_sequence = masked_bce_per_sequence(logits, targets, mask)
        masked_bits = float(batch[2].sum()) * batch[1].shape[2]
        loss = sum_(per_sequence) / max(masked_bits, 1.0)
        self.optimizer.zero_grad()
        loss.backward()
        if self.config.get("clip_value"):
            optim.clip_grad_value(self.model.parameters(), float(self.config["clip_value"]))
        grad_norm = 0.0
        if self.config.get("clip_norm"):
            grad_norm = optim.clip_grad_norm(self.model.parameters(), float(self.config["clip_norm"]))
        self.optimizer.step()
        host_logits = to_numpy(logits.data)
        return {"loss": float(loss.item()),
                "bits_per_sequence": float(to_numpy(per_sequence.data).mean()) / LN2,
                "wrong_bits_per_sequence": wrong_bits_per_sequence(host_logits, batch[1], batch[2]),
                "grad_norm": grad_norm}

    def predict(self, batch) -> np.ndarray:
        """Host logits (time, batch, out) for a host batch, without recording a graph."""
        self.model.eval()
        with no_grad():
            inputs = tensor(batch[0].astype(self.dtype))
            return to_numpy(self._logits(inputs).data).astype(np.float64)

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        size = int(self.config.get("eval_batch_size", 64))
        batch = self.task_generator.batch(size, rng)
        logits = self.predict(batch)
        metrics = {"bits_per_sequence": bits_per_sequence(logits, batch[1], batch[2]),
                   "wrong_bits_per_sequence": wrong_bits_per_sequence(logits, batch[1], batch[2])}
        length = int(self.config.get("generalisation_length") or 0)
        if length:
            long_batch = self.task_generator.batch(size, rng, length=length)
            long_logits = self.predict(long_batch)
            metrics[f"bits_per_sequence_at_{length}"] = bits_per_sequence(long_logits, *long_batch[1:])
            metrics[f"wrong_bits_per_sequence_at_{length}"] = wrong_bits_per_sequence(
                long_logits, *long_batch[1:])
        return metrics

    def score(self, sequences: int, rng: np.random.Generator, batch_size: int = 100,
              **options) -> dict[str, np.ndarray]:
        """Per-sequence ``bits`` and ``wrong`` bits over ``sequences`` fresh sequences drawn
        from ``rng`` (task ``options`` such as ``length=40`` fixed), and whether each one's
        first input vector is all zeros (``zero_first``)."""
        bits, wrong, zero_first = [], [], []
        done = 0
        while done < sequences:
            size = min(batch_size, sequences - done)
            inputs, targets, mask = self.task_generator.batch(size, rng, **options)
            logits = self.predict((inputs, targets, mask))
            for index in range(size):
                one = (logits[:, index:index + 1], targets[:, index:index + 1], mask[:, index:index + 1])
                bits.append(bits_per_sequence(*one))
                wrong.append(wrong_bits_per_sequence(*one))
                zero_first.append(not inputs[0, index, :targets.shape[2]].any())
            done += size
        return {"bits": np.array(bits), "wrong": np.array(wrong), "zero_first": np.array(zero_first)}

    def report(self, run_dir: str, sequences: int = 1000, seed: int = 2024) -> str:
        """Bits and wrong bits per sequence on ``sequences`` fresh sequences (seed ``seed``,
        never the training or validation stream), and how many have a wrong bit."""
        scores = self.score(sequences, np.random.default_rng(seed))
        return (f"{sequences} fresh sequences (seed {seed}): {scores['bits'].mean():.4f} "
                f"bits/sequence, {scores['wrong'].mean():.4f} wrong bits/sequence, "
                f"{int((scores['wrong'] > 0).sum())} sequences with a wrong bit")

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = []
        curve = run_curves.learning_curve(run_dir, self.headline_metric, title=f"{self.task} / {self.model_name}")
        if curve:
            paths.append(curve)
        batch = self.task_generator.batch(1, rng)
        logits = self.predict(batch)
        paths.append(sequences.sequence_figure(
            f"{run_dir}/sample.png", batch[0][:, 0], batch[1][:, 0], 1 / (1 + np.exp(-logits[:, 0])),
            batch[2][:, 0], title=f"{self.task} / {self.model_name}: "
            f"{bits_per_sequence(logits, batch[1], batch[2]):.2f} bits"))
        return paths
