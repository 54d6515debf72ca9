"""The DNC (Graves, Wayne et al. 2016) on bAbI-style QA and on graph tasks:
``tinyaug train --task babi --model dnc --task-id 1`` and ``--task graph-traversal --model dnc``;
the NTM baseline on bAbI-style QA the same way (``--model ntm``).

bAbI: the story's words then the question's, one word embedding per step (the facts' words
each followed by '.', the question by '?'), then ``thinking_steps`` blank steps; the answer is
read from the DNC's output at the last step. Sequences are aligned at their end (blank steps
before shorter stories: zero input vectors), so every question is answered at the same step.
Graphs: the DNC reads the task's one-hot step vectors directly (the graph experiments' loop).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..autograd import tensor
from ..models.dnc import DNC
from ..models.ntm import NTM
from ..nn import Embedding, Module
from ..tasks.babi.encode import QAData
from ..training.experiment import register
from .babi import BabiExperiment
from .graphs import GraphExperiment

DNC_QA_DEFAULTS = {"controller_size": 64, "memory_rows": 32, "memory_width": 16, "read_heads": 2,
                   "write_heads": 1, "clip": 20.0}


def end_aligned(tokens: np.ndarray, last: np.ndarray, thinking_steps: int) -> np.ndarray:
    """Right-padded ``tokens`` (time, N) whose column n ends at ``last[n]`` -> tokens aligned at
    their end, followed by ``thinking_steps`` blank (0) steps: (time + thinking_steps, N)."""
    length = tokens.shape[0]
    aligned = np.zeros((length + thinking_steps, tokens.shape[1]), dtype=tokens.dtype)
    for n, end in enumerate(last):
        aligned[length - 1 - end:length, n] = tokens[:end + 1, n]
    return aligned


class WordMemoryNet(Module):
    """tokens (time, N) word ids, 0 = blank step (a zero input) -> answer logits (N, answers)
    read at the last step of the core ``make_core(rng)`` builds (a DNC or an NTM:
    (time, N, embedding_dim) -> (time, N, answers)), after the embedding draws from ``rng``."""

    def __init__(self, vocabulary_size: int, embedding_dim: int,
                 make_core: Callable[[np.random.Generator], Module], rng: np.random.Generator) -> None:
        super().__init__()
        self.embed = Embedding(vocabulary_size, embedding_dim, rng=rng)
        self.core = make_core(rng)

    def forward(self, tokens: np.ndarray, trace: dict | None = None):
        present = tensor((tokens != 0).astype(np.float32)[:, :, None])
        inputs = self.embed(tensor(tokens)) * present
        return self.core(inputs, trace=trace)[-1]


def _dnc_options(config) -> dict:
    return {"controller_size": int(config["controller_size"]), "memory_rows": int(config["memory_rows"]),
            "memory_width": int(config["memory_width"]), "read_heads": int(config["read_heads"]),
            "write_heads": int(config["write_heads"]), "clip": float(config["clip"])}


class BabiMemoryExperiment(BabiExperiment):
    """A memory model on word embeddings, reading the end-aligned story, question and blank
    thinking steps; subclasses build the core (``build_core``)."""

    defaults = {"embedding_dim": 32, "thinking_steps": 2, "lr": 1e-3, "clip_norm": 10.0,
                "steps": 3000, "lr_halve_every": 1000}
    #: The name the figure's title gives the model.
    label = "memory model"

    def build_core(self, input_size: int, output_size: int, rng: np.random.Generator) -> Module:
        raise NotImplementedError

    def build_model(self, rng: np.random.Generator) -> Module:
        embedding = int(self.config["embedding_dim"])
        return WordMemoryNet(self.qa.input_size, embedding,
                             lambda core_rng: self.build_core(embedding, self.qa.output_size, core_rng), rng)

    def logits(self, batch: QAData, training: bool, step: int = 0, trace: dict | None = None):
        return self.model(self.tokens(batch), trace=trace)

    def tokens(self, batch: QAData) -> np.ndarray:
        tokens, last = self.qa.sequences(batch)
        return end_aligned(tokens, last, int(self.config["thinking_steps"]))

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        """The learning curve, and the model's write/read weightings (and the DNC's read modes)
        over one test story (blank steps shown as '_')."""
        from ..plots.babi import memory_over_story_figure
        paths = super().plot(run_dir, rng)
        test = self.qa.all("test")
        example = test.take(np.array([int(rng.integers(len(test)))]))
        trace: dict = {}
        logits = self.predict(example, trace=trace)
        tokens = self.tokens(example)[:, 0]
        keep = np.flatnonzero(tokens)[0]              # from the story's first word on
        labels = [self.qa.vocabulary[w] if w else "_" for w in tokens[keep:]]
        answer, predicted = (self.qa.answers[int(i)] for i in (example.answer[0], logits[0].argmax()))
        modes = trace.get("read_modes")
        paths.append(memory_over_story_figure(
            f"{run_dir}/memory.png", labels, trace["write_weights"][keep:, 0, 0],
            trace["read_weights"][keep:, 0], None if modes is None else modes[keep:, 0],
            title=f"{self.label} on a bAbI-style task {self.config['task_id']} story (generated data): "
                  f"answer {answer}, predicted {predicted}"))
        return paths


@register
class BabiDNC(BabiMemoryExperiment):
    """bAbI-style QA with the DNC on word embeddings (answer after the question and blank thinking steps)."""

    model_name = "dnc"
    label = "DNC"
    defaults = dict(DNC_QA_DEFAULTS)

    def build_core(self, input_size: int, output_size: int, rng: np.random.Generator) -> Module:
        return DNC(input_size, output_size, rng=rng, **_dnc_options(self.config))


@register
class BabiNTM(BabiMemoryExperiment):
    """bAbI-style QA with the NTM (LSTM controller) on word embeddings, read like the DNC's: the
    NTM baseline of the DNC paper's bAbI table."""

    model_name = "ntm"
    label = "NTM"
    defaults = {"controller_size": 64, "memory_rows": 32, "memory_width": 16, "read_heads": 1,
                "write_heads": 1}

    def build_core(self, input_size: int, output_size: int, rng: np.random.Generator) -> Module:
        return NTM(input_size, output_size, controller="lstm",
                   controller_size=int(self.config["controller_size"]),
                   memory_rows=int(self.config["memory_rows"]), memory_width=int(self.config["memory_width"]),
                   read_heads=int(self.config["read_heads"]), write_heads=int(self.config["write_heads"]),
                   rng=rng)


class GraphDNC(GraphExperiment):
    model_name = "dnc"
    defaults = {**DNC_QA_DEFAULTS, "memory_rows": 64, "memory_width": 24, "controller_size": 128,
                "read_heads": 2, "lr": 1e-3}

    def build_model(self, input_size: int, output_size: int, rng: np.random.Generator) -> Module:
        return DNC(input_size, output_size, rng=rng, **_dnc_options(self.config))


@register
class TraversalDNC(GraphDNC):
    """Graph traversal with the DNC: random graphs with a curriculum, city map test."""

    task = "graph-traversal"


@register
class ShortestPathDNC(GraphDNC):
    """Shortest path with the DNC (curriculum; city map test)."""

    task = "graph-shortest-path"


@register
class InferenceDNC(GraphDNC):
    """Family-tree inference with the DNC."""

    task = "graph-inference"
