"""Attentional interfaces: encoder–decoders with and without attention, and a captioner.

    tinyaug train --task dates --model seq2seq-attention     # Bahdanau attention, bi-LSTM encoder
    tinyaug train --task dates --model seq2seq               # one-vector baseline
    tinyaug train --task reversal --model seq2seq-attention  # (and --model seq2seq)
    tinyaug train --task shapes --model captioner            # attention over a conv feature grid

Metrics: ``loss`` (masked cross-entropy per target token, nats), ``token_accuracy``
(teacher-forced), ``exact_match`` (greedy decoding, the whole output right, EOS included).
``--set attention=general`` (or dot, scaled-dot, concat) switches the score; ``input_feeding``
applies to the Luong scores. The combined accuracy-against-length figure of two reversal runs:

    python -m tinyaug.experiments.attention length-figure OUT.png RUN_A RUN_B ...

``--set init_from=RUN_DIR`` starts from another run's weights (a length curriculum: reversal
on 5–30, then ``--set max_length=50``). Where a trained captioner's colour and shape words look,
and how much each step's attention matters:

    python -m tinyaug.experiments.attention word-attention CAPTIONER_RUN_DIR [SCENES]
"""
from __future__ import annotations

import csv
import os
import sys
from typing import Any, ClassVar

import numpy as np

from .. import optim
from ..autograd import no_grad, to_numpy
from ..models.seq2seq import EncoderDecoder, captioner, seq2seq
from ..tasks.dates import DateNormalisation
from ..tasks.reversal import Reversal
from ..tasks.shapes import IMAGE_SIZE, Shapes
from ..tasks.tokens import Seq2SeqBatch, exact_match
from ..plots import attention as attention_plots, curves
from ..training.experiment import Experiment, register
from . import curves as run_curves

COMMON_DEFAULTS: dict[str, Any] = {
    "steps": 3000, "batch_size": 32, "lr": 3e-3, "seed": 0, "clip_norm": 5.0,
    "eval_batch_size": 256, "beam_size": 0, "dtype": "float32",
    "eval_every": 250, "checkpoint_every": 500, "log_every": 50,
    # The learning rate falls linearly from lr to lr_final_fraction·lr over the run (1 = constant).
    "lr_final_fraction": 1.0,
    # A run folder whose saved model weights start this run (a curriculum stage, e.g. reversal
    # on 5–30 symbols before 5–50); the optimizer starts fresh. "" = random initialisation.
    "init_from": "",
}


class Seq2SeqExperiment(Experiment):
    """Shared by every (task, encoder–decoder) pair here. Subclasses set ``task``,
    ``model_name``, ``defaults`` and implement ``make_task``, ``build_model`` and
    ``max_output_length``."""

    headline_metric: ClassVar[str] = "exact_match"
    defaults: ClassVar[dict[str, Any]] = COMMON_DEFAULTS

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        self.task_generator = self.make_task()
        self.dtype = np.dtype(config.get("dtype", "float32"))
        init_rng = np.random.default_rng([int(config.get("seed", 0)), 1])
        self.model: EncoderDecoder = self.build_model(init_rng)
        if self.dtype != np.float32:
            self.model.astype(self.dtype)
        if config.get("init_from"):
            self._initialise_from(str(config["init_from"]))
        self.optimizer = optim.Adam(self.model.parameters(), lr=float(config["lr"]))

    def _initialise_from(self, run_dir: str) -> None:
        """Copy the model weights of the run saved in ``run_dir`` (same task and model)."""
        from .. import checkpoint
        path = os.path.join(run_dir, "checkpoint.npz")
        extra = checkpoint.load(path, self.model)
        if (extra.get("task"), extra.get("model")) != (self.task, self.model_name):
            raise checkpoint.CheckpointError(
                f"init_from: {path!r} belongs to {extra.get('task')}/{extra.get('model')}, "
                f"not {self.task}/{self.model_name}")

    # -- hooks ------------------------------------------------------------------------------
    def make_task(self):
        raise NotImplementedError

    def build_model(self, rng: np.random.Generator) -> EncoderDecoder:
        raise NotImplementedError

    def max_output_length(self) -> int:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    def _source(self, batch: Seq2SeqBatch):
        source = batch.source
        return source.astype(self.dtype) if source.dtype.kind == "f" else source

    def train_step(self, step: int) -> dict[str, float]:
        self.model.train()
        progress = min(step / max(int(self.config["steps"]), 1), 1.0)
        final = float(self.config.get("lr_final_fraction", 1.0))
        self.optimizer.lr = float(self.config["lr"]) * (1.0 - (1.0 - final) * progress)
        batch = self.task_generator.batch(int(self.config["batch_size"]), self.rng)
        batch.source = self._source(batch)
        loss, logits, _ = self.model.loss(batch)
        self.optimizer.zero_grad()
        loss.backward()
        grad_norm = optim.clip_grad_norm(self.model.parameters(), float(self.config["clip_norm"])) \
            if self.config.get("clip_norm") else 0.0
        self.optimizer.step()
        predicted = to_numpy(logits).argmax(axis=-1)
        correct = ((predicted == batch.target) * batch.target_mask).sum() / batch.target_mask.sum()
        return {"loss": float(loss.item()), "token_accuracy": float(correct), "grad_norm": grad_norm}

    def decode(self, batch: Seq2SeqBatch, beam_size: int = 0):
        """Greedy (or beam) host ids (max_length, batch) and greedy weights (or None)."""
        self.model.eval()
        source = self._source(batch)
        if beam_size:
            return self.model.beam_search(source, batch.source_mask, self.max_output_length(), beam_size), None
        return self.model.greedy(source, batch.source_mask, self.max_output_length())

    def batch_metrics(self, batch: Seq2SeqBatch, prefix: str = "") -> dict[str, float]:
        with no_grad():
            batch.source = self._source(batch)
            loss, logits, _ = self.model.loss(batch)
        predicted = to_numpy(logits).argmax(axis=-1)
        token_accuracy = ((predicted == batch.target) * batch.target_mask).sum() / batch.target_mask.sum()
        ids, _ = self.decode(batch)
        metrics = {f"{prefix}loss": float(loss.item()), f"{prefix}token_accuracy": float(token_accuracy),
                   f"{prefix}exact_match": float(exact_match(ids, batch.target, batch.target_mask).mean())}
        beam = int(self.config.get("beam_size") or 0)
        if beam:
            beam_ids, _ = self.decode(batch, beam)
            metrics[f"{prefix}beam_exact_match"] = float(exact_match(beam_ids, batch.target, batch.target_mask).mean())
        return metrics

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        return self.batch_metrics(self.task_generator.batch(int(self.config["eval_batch_size"]), rng))

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        curve = run_curves.learning_curve(run_dir, self.headline_metric, title=f"{self.task} / {self.model_name}")
        return [curve] if curve else []


# -- dates -------------------------------------------------------------------------------------
class DatesExperiment(Seq2SeqExperiment):
    task = "dates"
    defaults = {"embedding_size": 32, "hidden_size": 64, "attention_size": 64, "input_feeding": True}

    def make_task(self):
        return DateNormalisation()

    def max_output_length(self) -> int:
        return 11  # "yyyy-mm-dd" and EOS

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        """Validation dates, and held-out test dates (``test_``)."""
        size = int(self.config["eval_batch_size"])
        metrics = self.batch_metrics(self.task_generator.batch(size, rng, split="validation"))
        metrics.update(self.batch_metrics(self.task_generator.batch(size, rng, split="test"), prefix="test_"))
        return metrics

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = super().plot(run_dir, rng)
        if self.model.decoder.attention is not None:
            paths.append(alignment_figure(self, os.path.join(run_dir, "alignment.png"), rng))
        return paths


def alignment_figure(experiment: DatesExperiment, path: str, rng: np.random.Generator,
                     format_names=("weekday, month d, yyyy", "mm/dd/yy", "dth of month yyyy")) -> str:
    """Attention weights (output character × input character) for test dates in a few formats."""
    task = experiment.task_generator
    days = rng.choice(task._days["test"], size=len(format_names))
    batch = task.encode(*task.examples(days, list(format_names)))
    ids, weights = experiment.decode(batch)
    panels = []
    for column, text in enumerate(batch.info["texts"]):
        output = list(task.target_vocab.decode(ids[:, column], stop_at_eos=False))[:10]
        panels.append((text, output, weights[:len(output), column, :len(text)]))
    return attention_plots.alignment_figure(path, panels)


@register
class DatesAttention(DatesExperiment):
    """dates → ISO with a bi-LSTM encoder and an attending decoder (Bahdanau additive default)"""
    model_name = "seq2seq-attention"
    defaults = {"attention": "additive"}

    def build_model(self, rng):
        task = self.task_generator
        return seq2seq(len(task.source_vocab), len(task.target_vocab), int(self.config["embedding_size"]),
                       int(self.config["hidden_size"]), str(self.config["attention"]),
                       int(self.config["attention_size"]), bool(self.config["input_feeding"]), rng=rng)


@register
class DatesBaseline(DatesExperiment):
    """dates → ISO with the whole input squeezed into one vector (no attention)"""
    model_name = "seq2seq"

    def build_model(self, rng):
        task = self.task_generator
        return seq2seq(len(task.source_vocab), len(task.target_vocab), int(self.config["embedding_size"]),
                       int(self.config["hidden_size"]), None, rng=rng)


# -- reversal ----------------------------------------------------------------------------------
class ReversalExperiment(Seq2SeqExperiment):
    task = "reversal"
    # Lengths 5–50 (the attending model reaches 100 % at every length in ~1,250 steps from scratch).
    defaults = {**Reversal.defaults, "embedding_size": 16, "hidden_size": 64,
                "attention_size": 64, "input_feeding": True, "eval_lengths": "5,10,20,30,40,50", "steps": 2000}

    def make_task(self):
        return Reversal(int(self.config["min_length"]), int(self.config["max_length"]), int(self.config["symbols"]))

    def max_output_length(self) -> int:
        return max(self.eval_lengths() + [int(self.config["max_length"])]) + 1

    def eval_lengths(self) -> list[int]:
        return [int(x) for x in str(self.config["eval_lengths"]).split(",") if x.strip()]

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        """Lengths drawn as in training, then every fixed length of ``eval_lengths``."""
        size = int(self.config["eval_batch_size"])
        metrics = self.batch_metrics(self.task_generator.batch(size, rng))
        for length in self.eval_lengths():
            batch = self.task_generator.batch(max(size // 4, 16), rng, length=length)
            ids, _ = self.decode(batch)
            metrics[f"exact_match_at_{length}"] = float(exact_match(ids, batch.target, batch.target_mask).mean())
        return metrics

    def report(self, run_dir: str, strings: int = 256) -> str:
        """Exact match (greedy decoding) against string length: ``strings`` fresh strings of
        each length 5, 10, ..., max_length, drawn from the generator seeded ``[seed, 5]``."""
        rng = np.random.default_rng([int(self.config["seed"]), 5])
        cells = []
        for length in range(5, int(self.config["max_length"]) + 1, 5):
            batch = self.task_generator.batch(strings, rng, length=length)
            ids, _ = self.decode(batch)
            cells.append(f"{length}: {exact_match(ids, batch.target, batch.target_mask).mean():.4f}")
        return f"exact match by length ({strings} fresh strings each, rng [seed, 5]): " + "; ".join(cells)

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = super().plot(run_dir, rng)
        table = os.path.join(run_dir, "length_accuracy.csv")
        lengths = list(range(5, int(self.config["max_length"]) + 1, 5))
        with open(table, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["length", "exact_match", "sequences", "model"])
            for length in lengths:
                batch = self.task_generator.batch(int(self.config["eval_batch_size"]), rng, length=length)
                ids, _ = self.decode(batch)
                writer.writerow([length, float(exact_match(ids, batch.target, batch.target_mask).mean()),
                                 batch.batch_size, self.model_name])
        paths.append(table)
        paths.append(length_figure(os.path.join(run_dir, "length_accuracy.png"), [run_dir]))
        return paths


def length_figure(path: str, run_dirs: list[str]) -> str:
    """Exact match against input length, one line per run (reads each run's length_accuracy.csv)."""
    lines = {}
    for run_dir in run_dirs:
        with open(os.path.join(run_dir, "length_accuracy.csv"), newline="") as file:
            rows = list(csv.DictReader(file))
        label = {"seq2seq": "no attention (one vector)", "seq2seq-attention": "with attention"}.get(
            rows[0]["model"], rows[0]["model"])
        lines[label] = ([int(r["length"]) for r in rows], [100 * float(r["exact_match"]) for r in rows])
    return curves.compare_curves(lines, path, "input length (symbols)", "sequences exactly right (%)",
                                 title="string reversal", ylim=(-3, 103), figsize=(5.5, 3.6),
                                 markersize=6, linewidth=1.5)


@register
class ReversalAttention(ReversalExperiment):
    """string reversal with a bi-LSTM encoder and an attending decoder"""
    model_name = "seq2seq-attention"
    defaults = {"attention": "additive"}

    def build_model(self, rng):
        vocab = len(self.task_generator.source_vocab)
        return seq2seq(vocab, vocab, int(self.config["embedding_size"]), int(self.config["hidden_size"]),
                       str(self.config["attention"]), int(self.config["attention_size"]),
                       bool(self.config["input_feeding"]), rng=rng)


@register
class ReversalBaseline(ReversalExperiment):
    """string reversal through one fixed vector (no attention)"""
    model_name = "seq2seq"

    def build_model(self, rng):
        vocab = len(self.task_generator.source_vocab)
        return seq2seq(vocab, vocab, int(self.config["embedding_size"]), int(self.config["hidden_size"]),
                       None, rng=rng)


# -- shapes ------------------------------------------------------------------------------------
@register
class ShapesCaptioner(Seq2SeqExperiment):
    """name coloured shapes left to right, attending over a conv feature grid"""
    task = "shapes"
    model_name = "captioner"
    defaults = {**Shapes.defaults, "embedding_size": 16, "hidden_size": 64, "attention_size": 32,
                "attention": "additive", "input_feeding": True, "steps": 4000,
                "lr_final_fraction": 0.05}

    def make_task(self):
        c = self.config
        return Shapes(int(c["min_objects"]), int(c["max_objects"]), int(c["min_size"]), int(c["max_size"]))

    def build_model(self, rng):
        return captioner(len(self.task_generator.target_vocab), int(self.config["embedding_size"]),
                         int(self.config["hidden_size"]), attention=str(self.config["attention"]),
                         attention_size=int(self.config["attention_size"]),
                         input_feeding=bool(self.config["input_feeding"]), rng=rng)

    def max_output_length(self) -> int:
        return 2 * int(self.config["max_objects"]) + 1

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        batch = self.task_generator.batch(int(self.config["eval_batch_size"]), rng)
        metrics = self.batch_metrics(batch)
        metrics["attention_in_box"] = attention_in_box(self, batch)
        return metrics

    def report(self, run_dir: str, scenes: int = 1024) -> str:
        """Where the correctly decoded colour and shape words look, and how much each step's
        attention matters (``word_attention_report``), on ``scenes`` fresh scenes drawn from
        the generator seeded ``[seed, 7]``."""
        import json
        batch = self.task_generator.batch(scenes, np.random.default_rng([int(self.config["seed"]), 7]))
        return (f"word attention on {scenes} fresh scenes (rng [seed, 7]):\n"
                + json.dumps(word_attention_report(self, batch), indent=2))

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = super().plot(run_dir, rng)
        paths.append(overlay_figure(self, os.path.join(run_dir, "attention_overlay.png"), rng))
        return paths


def _peak_cells(weights: np.ndarray, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each weight vector's largest entry on a grid×grid feature map."""
    peak = weights.argmax(axis=-1)
    return peak // grid, peak % grid


def attention_in_box(experiment: ShapesCaptioner, batch: Seq2SeqBatch) -> float:
    """Fraction of correctly decoded words whose attention peak cell (a cell_size × cell_size
    block of pixels) overlaps the box of the object the word names."""
    ids, weights = experiment.decode(batch)
    grid = int(round(np.sqrt(weights.shape[-1])))
    cell = IMAGE_SIZE // grid
    inside = total = 0
    for b, boxes in enumerate(batch.info["boxes"]):
        for word in range(2 * len(boxes)):
            if ids[word, b] != batch.target[word, b]:
                continue
            row, col = _peak_cells(weights[word, b], grid)
            x0, y0, x1, y1 = boxes[word // 2]
            overlaps = (col * cell < x1) and ((col + 1) * cell > x0) and (row * cell < y1) and ((row + 1) * cell > y0)
            inside += bool(overlaps)
            total += 1
    return inside / max(total, 1)


def word_attention_report(experiment: ShapesCaptioner, batch: Seq2SeqBatch) -> dict[str, dict[str, float]]:
    """Where the captioner looks for each kind of word, and whether it needs to.

    ``colour`` / ``shape``: over correctly decoded (greedy) words of that kind, the fraction
    whose attention peak cell overlaps the named object's box (``own_box``), its columns only
    (``own_columns``), the next object's box / columns, and the mean attention entropy (nats;
    uniform over the grid is log(cells)). ``teacher_forced``: word accuracy of each kind with
    the real contexts, and with the context of every shape (or colour) step replaced by the
    mean annotation, i.e. that step's attention switched off (``shape_steps_mean``,
    ``colour_steps_mean``)."""
    ids, weights = experiment.decode(batch)
    grid = int(round(np.sqrt(weights.shape[-1])))
    cell = IMAGE_SIZE // grid

    def overlaps(row, col, box, columns_only=False):
        x0, y0, x1, y1 = box
        across = (col * cell < x1) and ((col + 1) * cell > x0)
        return across if columns_only else across and (row * cell < y1) and ((row + 1) * cell > y0)

    keys = ("own_box", "own_columns", "next_box", "next_columns", "entropy")
    sums = {kind: dict.fromkeys(keys, 0.0) for kind in ("colour", "shape")}
    counts = {"colour": 0, "shape": 0}
    for b, boxes in enumerate(batch.info["boxes"]):
        for word in range(2 * len(boxes)):
            if ids[word, b] != batch.target[word, b]:
                continue
            kind, index = ("colour", "shape")[word % 2], word // 2
            row, col = _peak_cells(weights[word, b], grid)
            entry = sums[kind]
            counts[kind] += 1
            entry["own_box"] += overlaps(row, col, boxes[index])
            entry["own_columns"] += overlaps(row, col, boxes[index], columns_only=True)
            if index + 1 < len(boxes):
                entry["next_box"] += overlaps(row, col, boxes[index + 1])
                entry["next_columns"] += overlaps(row, col, boxes[index + 1], columns_only=True)
            probabilities = weights[word, b]
            entry["entropy"] += float(-(probabilities * np.log(probabilities + 1e-12)).sum())
    report = {kind: {k: v / max(counts[kind], 1) for k, v in sums[kind].items()} for kind in sums}
    report["teacher_forced"] = {}
    for ablated in (None, "shape", "colour"):
        accuracy = _teacher_forced_word_accuracy(experiment, batch, ablated)
        for kind, value in accuracy.items():
            name = f"{kind}_words" if ablated is None else f"{kind}_words_{ablated}_steps_mean"
            report["teacher_forced"][name] = value
    return report


def _teacher_forced_word_accuracy(experiment: ShapesCaptioner, batch: Seq2SeqBatch,
                                  ablated_kind: str | None) -> dict[str, float]:
    """Teacher-forced accuracy of colour and shape words; at the steps that emit words of
    ``ablated_kind`` the context is the mean annotation instead of the attended one."""
    from ..tasks.tokens import EOS
    model = experiment.model
    model.eval()
    decoder = model.decoder
    inputs = batch.decoder_inputs()
    correct, total = {"colour": 0, "shape": 0}, {"colour": 0, "shape": 0}
    with no_grad():
        memory = decoder.prepare(model.encoder(experiment._source(batch), None))
        state = decoder.initial_state(memory)
        for t in range(inputs.shape[0]):
            kind = ("colour", "shape")[t % 2]   # words 2k and 2k+1 name object k
            override = memory.summary if kind == ablated_kind else None
            logits, state, _ = decoder.step(inputs[t], state, memory, context_override=override)
            words = (batch.target_mask[t] > 0) & (batch.target[t] != EOS)
            predicted = to_numpy(logits).argmax(axis=-1)
            correct[kind] += int(((predicted == batch.target[t]) & words).sum())
            total[kind] += int(words.sum())
    return {kind: correct[kind] / max(total[kind], 1) for kind in correct}


def overlay_figure(experiment: ShapesCaptioner, path: str, rng: np.random.Generator, examples: int = 2) -> str:
    """Each generated word with its attention map over the image (Xu et al. 2015, fig. 3 style)."""
    batch = experiment.task_generator.batch(examples, rng)
    ids, weights = experiment.decode(batch)
    vocab = experiment.task_generator.target_vocab
    captions = [vocab.decode(ids[:, b]) for b in range(examples)]
    return attention_plots.overlay_figure(path, batch.source, captions, weights,
                                          experiment.max_output_length())


def main(argv: list[str] | None = None) -> int:
    """``length-figure OUT.png RUN_DIR ...`` or ``word-attention RUN_DIR [SCENES]`` (captioner)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 3 and argv[0] == "length-figure":
        print(length_figure(argv[1], argv[2:]))
        return 0
    if len(argv) in (2, 3) and argv[0] == "word-attention":
        from ..training import loop   # this module's experiments are registered by now
        experiment, _, _, _ = loop.restore_run(argv[1])
        print(experiment.report(argv[1], int(argv[2]) if len(argv) == 3 else 1024))
        return 0
    print("usage: python -m tinyaug.experiments.attention length-figure OUT.png RUN_DIR [RUN_DIR ...]\n"
          "       python -m tinyaug.experiments.attention word-attention CAPTIONER_RUN_DIR [SCENES]")
    return 2


if __name__ == "__main__":
    sys.exit(main())
