"""Graph reasoning (``tinyaug train --task graph-traversal --model lstm``; also
``graph-shortest-path`` and ``graph-inference``): random graphs with a curriculum on graph
size and path length, evaluated at the current level, at the top level and (traversal,
shortest path) on the shipped synthetic city map (zone 1: 60 stations, 222 directed edges).

Curriculum (``CURRICULUM`` in tasks/graphs/task.py: (max_nodes, max_path) levels): the level
rises when the training questions of the last ``curriculum_window`` steps were answered
with accuracy ≥ ``curriculum_threshold``. A question counts as answered when every answer
node is right.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .. import optim
from ..autograd import no_grad, tensor, to_numpy
from ..autograd.ops import cross_entropy
from ..nn.lstm import LSTM
from ..nn import Linear, Module
from ..tasks import TASKS, make_task
from ..tasks.graphs import CURRICULUM
from ..training.curriculum import ThresholdCurriculum
from ..training.experiment import Experiment, register
from .curves import learning_curve

GRAPH_DEFAULTS: dict[str, Any] = {
    "steps": 20000, "batch_size": 16, "lr": 1e-3, "seed": 0, "clip_norm": 10.0,
    "eval_every": 1000, "checkpoint_every": 1000, "log_every": 100, "eval_batch_size": 64,
    "curriculum_threshold": 0.9, "curriculum_window": 200, "start_level": 0,
    "map_eval_batch_size": 16,
}


def question_accuracy(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> float:
    """Share of questions (batch columns) whose every masked step is right."""
    wrong = (logits.argmax(-1) != targets) & (mask > 0)
    return float(np.mean(~wrong.any(axis=0)))


class GraphExperiment(Experiment):
    """A (graph task, sequence model) pair; subclasses implement ``build_model``."""

    headline_metric: ClassVar[str] = "accuracy"

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {**GRAPH_DEFAULTS, **TASKS[cls.task].defaults, **super().default_config()}

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        params = {k: config[k] for k in TASKS[self.task].defaults}
        self.generator = make_task(self.task, **params)
        self.map_generator = None
        if self.task != "graph-inference":
            self.map_generator = make_task(self.task, **{**params, "graph": "city",
                                                          "max_path": max(4, params["max_path"])})
        self.curriculum = ThresholdCurriculum(int(config["start_level"]), int(config["curriculum_window"]),
                                              float(config["curriculum_threshold"]), rise_when="above",
                                              top=len(CURRICULUM) - 1)
        self.model = self.build_model(self.generator.input_size, self.generator.output_size,
                                      np.random.default_rng([int(config["seed"]), 1]))
        self.optimizer = optim.Adam(self.model.parameters(), lr=float(config["lr"]))

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> Module:
        raise NotImplementedError

    def level_limits(self, level: int) -> dict[str, int]:
        nodes, path = CURRICULUM[min(level, len(CURRICULUM) - 1)]
        if self.task == "graph-inference":      # chains of 2, then also 3, parent steps
            return {"min_path": 2, "max_path": 2 if level == 0 else 3}
        return {"max_nodes": nodes, "max_path": path, "min_nodes": min(self.generator.min_nodes, nodes)}

    def train_step(self, step: int) -> dict[str, float]:
        self.model.train()
        inputs, targets, mask = self.generator.batch(int(self.config["batch_size"]), self.rng,
                                                     **self.level_limits(self.level))
        logits = self.model(tensor(inputs.astype(np.float32)))
        loss = cross_entropy(logits, tensor(targets), mask=tensor(mask.astype(np.float32)))
        self.optimizer.zero_grad()
        loss.backward()
        grad_norm = optim.clip_grad_norm(self.model.parameters(), float(self.config["clip_norm"]))
        self.optimizer.step()
        accuracy = question_accuracy(to_numpy(logits.data), targets, mask)
        self.curriculum.record(accuracy)
        return {"loss": float(loss.item()), "accuracy": accuracy, "level": float(self.level),
                "grad_norm": grad_norm}

    def _accuracy(self, batch) -> float:
        self.model.eval()
        with no_grad():
            logits = to_numpy(self.model(tensor(batch[0].astype(np.float32))).data)
        return question_accuracy(logits, batch[1], batch[2])

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        size = int(self.config["eval_batch_size"])
        metrics = {"accuracy": self._accuracy(self.generator.batch(size, rng, **self.level_limits(self.level))),
                   "top_level_accuracy": self._accuracy(self.generator.batch(
                       size, rng, **self.level_limits(len(CURRICULUM) - 1))),
                   "level": float(self.level)}
        if self.map_generator is not None:
            metrics["map_accuracy"] = self._accuracy(self.map_generator.batch(
                int(self.config["map_eval_batch_size"]), rng))
        return metrics

    @property
    def level(self) -> int:
        return self.curriculum.level

    def extra_state(self) -> dict[str, np.ndarray]:
        return self.curriculum.state("level", "recent")

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        self.curriculum.load(state, "level", "recent")

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        path = learning_curve(run_dir, "accuracy", title=f"{self.task} / {self.model_name}")
        return [path] if path else []


class SequenceClassifier(Module):
    """inputs (time, batch, features) -> logits (time, batch, classes): an LSTM stack and a
    linear read-out at every step."""

    def __init__(self, input_size: int, output_size: int, hidden_size: int, num_layers: int,
                 rng: np.random.Generator) -> None:
        super().__init__()
        self.lstm = LSTM(input_size, hidden_size, num_layers=num_layers, rng=rng)
        self.readout = Linear(hidden_size, output_size, rng=rng)

    def forward(self, inputs):
        hidden, _ = self.lstm(inputs)
        return self.readout(hidden)


class GraphLSTM(GraphExperiment):
    model_name = "lstm"
    defaults = {"hidden_size": 256, "num_layers": 1}

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> Module:
        return SequenceClassifier(input_size, output_size, int(self.config["hidden_size"]),
                                  int(self.config["num_layers"]), rng)


@register
class TraversalLSTM(GraphLSTM):
    """Graph traversal (DNC paper, Fig. 3) with an LSTM: random graphs with a curriculum, city map test."""

    task = "graph-traversal"


@register
class ShortestPathLSTM(GraphLSTM):
    """Shortest path on random graphs (curriculum) with an LSTM; city map test."""

    task = "graph-shortest-path"


@register
class InferenceLSTM(GraphLSTM):
    """Family-tree inference (compound relations) with an LSTM."""

    task = "graph-inference"
