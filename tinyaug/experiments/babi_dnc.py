"""The DNC (Graves, Wayne et al. 2016) on bAbI-style QA and on graph tasks:
``tinyaug train --task babi --model dnc --task-id 1`` and ``--task graph-traversal --model dnc``.

bAbI: the story's words then the question's, one word embedding per step (the facts' words
each followed by '.', the question by '?'), then ``thinking_steps`` blank steps; the answer is
read from the DNC's output at the last step. Sequences are aligned at their end (blank steps
before shorter stories: zero input vectors), so every question is answered at the same step.
Graphs: the DNC reads the task's one-hot step vectors directly (the graph experiments' loop).
"""
from __future__ import annotations

import numpy as np

from ..autograd import tensor
from ..models.dnc import DNC
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


class WordDNC(Module):
    """tokens (time, N) word ids, 0 = blank step (a zero input) -> answer logits (N, answers)
    read at the last step."""

    def __init__(self, vocabulary_size: int, answer_count: int, embedding_dim: int,
                 rng: np.random.Generator, **dnc_options) -> None:
        super().__init__()
        self.embed = Embedding(vocabulary_size, embedding_dim, rng=rng)
        self.dnc = DNC(embedding_dim, answer_count, rng=rng, **dnc_options)

    def forward(self, tokens: np.ndarray, trace: dict | None = None):
        present = tensor((tokens != 0).astype(np.float32)[:, :, None])
        inputs = self.embed(tensor(tokens)) * present
        return self.dnc(inputs, trace=trace)[-1]


def _dnc_options(config) -> dict:
    return {"controller_size": int(config["controller_size"]), "memory_rows": int(config["memory_rows"]),
            "memory_width": int(config["memory_width"]), "read_heads": int(config["read_heads"]),
            "write_heads": int(config["write_heads"]), "clip": float(config["clip"])}


@register
class BabiDNC(BabiExperiment):
    """bAbI-style QA with the DNC on word embeddings (answer after the question and blank thinking steps)."""

    model_name = "dnc"
    defaults = {**DNC_QA_DEFAULTS, "embedding_dim": 32, "thinking_steps": 2, "lr": 1e-3,
                "clip_norm": 10.0, "steps": 3000, "lr_halve_every": 1000}

    def build_model(self, rng: np.random.Generator) -> Module:
        return WordDNC(self.qa.input_size, self.qa.output_size, int(self.config["embedding_dim"]),
                       rng, **_dnc_options(self.config))

    def logits(self, batch: QAData, training: bool, step: int = 0, trace: dict | None = None):
        return self.model(self.tokens(batch), trace=trace)

    def tokens(self, batch: QAData) -> np.ndarray:
        tokens, last = self.qa.sequences(batch)
        return end_aligned(tokens, last, int(self.config["thinking_steps"]))

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        """The learning curve, and the DNC's write/read weightings and read modes over one
        test story (blank steps shown as '_')."""
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
        paths.append(memory_over_story_figure(
            f"{run_dir}/memory.png", labels, trace["write_weights"][keep:, 0, 0],
            trace["read_weights"][keep:, 0], trace["read_modes"][keep:, 0],
            title=f"DNC on a bAbI-style task {self.config['task_id']} story (generated data): "
                  f"answer {answer}, predicted {predicted}"))
        return paths


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
