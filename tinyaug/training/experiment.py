"""``Experiment``: one (task, model) pairing that the ``tinyaug`` command can train.

The command owns the loop (progress, metrics.csv, checkpoints, resume, Ctrl-C); an experiment
owns everything specific to its model and task. A subclass sets ``task``, ``model_name`` and
``defaults`` and implements the four methods below; ``@register`` makes it reachable as
``tinyaug train --task <task> --model <model_name>``.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

EXPERIMENTS: dict[tuple[str, str], type["Experiment"]] = {}


def register(cls: type["Experiment"]) -> type["Experiment"]:
    """Class decorator: add an experiment to the registry under (task, model_name)."""
    key = (cls.task, cls.model_name)
    if key in EXPERIMENTS and EXPERIMENTS[key] is not cls:
        raise ValueError(f"experiment {key} is registered twice")
    EXPERIMENTS[key] = cls
    return cls


class Experiment:
    """Base class. ``config`` holds ``defaults`` overridden by the command line.

    Attributes the subclass must create in ``__init__``: ``self.model`` (a ``Module``) and
    ``self.optimizer`` (an ``optim.Optimizer`` over ``self.model.parameters()``).
    """

    task: ClassVar[str] = ""
    model_name: ClassVar[str] = ""
    #: Default hyper-parameters; every key can be overridden with ``--set key=value``, and
    #: the common ones (steps, batch_size, lr, seed, ...) have their own flags.
    defaults: ClassVar[dict[str, Any]] = {}
    #: The metric the progress bar and the learning curve show next to the loss.
    headline_metric: ClassVar[str] = "loss"

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        """The full default configuration the command starts from: the ``defaults`` of every
        class in the hierarchy merged, base classes first (a subclass's ``defaults`` adds to
        and overrides its parents')."""
        return _merged_defaults(cls)

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        self.config = config
        self.rng = rng

    def train_step(self, step: int) -> dict[str, float]:
        """One optimisation step on a fresh batch drawn from ``self.rng``: forward, loss,
        backward, clipping, ``optimizer.step()``. Returns metrics; must include ``"loss"``."""
        raise NotImplementedError

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        """Metrics on fresh data drawn from ``rng`` (never from ``self.rng``, so that
        evaluating does not change the training stream), computed under ``no_grad``."""
        raise NotImplementedError

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        """Write this experiment's figures into ``run_dir``; return their paths
        (``tinyaug plot RUN``)."""
        return []

    def report(self, run_dir: str) -> str:
        """The run's numbers beyond ``evaluate`` (scores on many fresh examples from fixed
        seeds, per-length generalisation, per-template accuracy, ...) as text, printed by
        ``tinyaug eval RUN`` after the evaluation; "" when there is nothing more."""
        return ""

    def extra_state(self) -> dict[str, np.ndarray]:
        """Arrays besides model and optimizer that a checkpoint must keep (default none)."""
        return {}

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        pass


def _merged_defaults(cls: type) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        merged.update(klass.__dict__.get("defaults", {}))
    return merged
