"""The Neural Programmer experiments: ``arithmetic/neural-programmer`` and
``tables/neural-programmer``, plus ``explain`` (print the induced program for a question).

Both train on the final answer only — by default on its likelihood summed over the discrete
programs (``loss_form=likelihood``) — with Adam, global-norm clipping and optional Gaussian
gradient noise of variance η / (1 + t)^0.55 (Neelakantan et al. 2015, "Adding gradient noise
improves learning for very deep networks", which the Neural Programmer paper uses; 0 by default
for tables). Evaluation runs the greedy (argmax) program on the fixed held-out test set of the
task module.
"""
from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from .. import optim
from ..autograd import no_grad, ops, tensor
from ..models.programmer import arithmetic as arithmetic_model
from ..models.programmer import table_likelihood
from ..models.programmer import tables as table_model
from ..models.programmer.operations import OPERATIONS
from ..plots import programmer as programmer_plots
from ..tasks import arithmetic as arithmetic_task
from ..tasks import tables as table_task
from ..training.experiment import Experiment, register

ANSWER_TOLERANCE = 1e-6  # relative: an answer is right when |a − y| ≤ 1e-6 · max(1, |y|)
LIKELIHOOD_FLOOR = 1e-8  # keeps −log finite for questions no program answers

COMMON_DEFAULTS = {"batch_size": 32, "lr": 0.003, "clip_norm": 5.0, "gradient_noise": 0.001,
                   "embedding_size": 24, "hidden_size": 48, "eval_size": 0}


class _ProgrammerExperiment(Experiment):
    model_name = "neural-programmer"
    headline_metric = "accuracy"

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        init_rng = np.random.default_rng([int(config.get("seed", 0)), 1])
        self.model = self.build_model(init_rng)
        self.optimizer = optim.Adam(self.model.parameters(), lr=float(config["lr"]))
        self.noise_rng = np.random.default_rng([int(config.get("seed", 0)), 4])
        self.test_questions = self.make_test_set()

    def report(self, run_dir: str) -> str:
        return programs_report(self, run_dir, self.optimizer.steps)

    def explain(self, question: str, columns: list[str] | None = None) -> str:
        """The induced program for ``question`` and its answer (``tinyaug explain``)."""
        return explain(self, question, columns)

    def _update(self, loss, step: int) -> float:
        self.optimizer.zero_grad()
        loss.backward()
        eta = float(self.config["gradient_noise"])
        if eta > 0:
            deviation = np.sqrt(eta / (1.0 + step) ** 0.55)
            for p in self.model.parameters():
                if p.grad is not None:
                    noise = self.noise_rng.standard_normal(p.shape) * deviation
                    p.grad += p.xp.asarray(noise.astype(p.grad.dtype))
        norm = optim.clip_grad_norm(self.model.parameters(), float(self.config["clip_norm"]))
        self.optimizer.step()
        return norm

    def _test_subset(self) -> list:
        size = int(self.config.get("eval_size") or 0)
        if not size or size >= len(self.test_questions):
            return self.test_questions
        picks = np.linspace(0, len(self.test_questions) - 1, size).round().astype(int)
        return [self.test_questions[i] for i in picks]  # spread over every template


@register
class ArithmeticNeuralProgrammer(_ProgrammerExperiment):
    """Arithmetic Neural Programmer: soft operations over pointed-to numbers, greedy at test."""

    task = "arithmetic"
    defaults = {**COMMON_DEFAULTS, "program_steps": 2, "batch_size": 64,
                "previous_step_bias": 0.0, "curriculum_steps": 0, "loss_form": "likelihood"}

    def build_model(self, rng):
        return arithmetic_model.ArithmeticProgrammer(
            len(arithmetic_task.VOCABULARY), int(self.config["embedding_size"]),
            int(self.config["hidden_size"]), int(self.config["program_steps"]),
            previous_step_bias=float(self.config["previous_step_bias"]), rng=rng)

    def make_test_set(self):
        return arithmetic_task.test_set()

    def loss(self, record, batch):
        """``loss_form``:
        * ``soft``: Huber on the relative error of the soft (averaged) program's answer (the
          paper's training);
        * ``expected``: the expected Huber relative error over the discrete programs;
        * ``likelihood``: −log P(the program's answer is right) = −log Σ_programs P(program)
          · [|answer − y| ≤ tolerance], summed over every discrete program
          (``expected_program_loss``). All three see the final answer only."""
        form = self.config["loss_form"]
        xp = record["answer"].xp
        if form in ("expected", "likelihood"):
            if form == "expected":
                def outcome_loss(values, answers):
                    error = xp.abs(values - answers) / (1.0 + xp.abs(answers))
                    return xp.where(error <= 1.0, 0.5 * error ** 2, error - 0.5)
            else:
                def outcome_loss(values, answers):
                    return (xp.abs(values - answers) <= ANSWER_TOLERANCE * xp.maximum(1.0, xp.abs(answers))) * 1.0
            value = arithmetic_model.expected_program_loss(record, batch.numbers, batch.number_mask,
                                                           batch.answers, outcome_loss,
                                                           reduce=form == "expected")
            if form == "expected":
                return value
            return -ops.mean(ops.log(value + LIKELIHOOD_FLOOR))
        if form != "soft":
            raise ValueError(f"arithmetic neural-programmer: loss_form must be 'soft', 'expected' or "
                             f"'likelihood', got {form!r}")
        scale = 1.0 / (1.0 + np.abs(batch.answers))  # Huber on the relative error
        target = tensor((batch.answers * scale).astype(np.float32))
        return ops.huber(record["answer"] * tensor(scale.astype(np.float32)), target, delta=1.0)

    def train_step(self, step: int) -> dict[str, float]:
        # curriculum: only one-operation questions for the first ``curriculum_steps`` steps
        templates = arithmetic_task.ONE_STEP_TEMPLATES if step < int(self.config["curriculum_steps"]) else None
        batch = arithmetic_task.sample_batch(int(self.config["batch_size"]), self.rng, templates=templates)
        record = self.model(batch)
        loss = self.loss(record, batch)
        norm = self._update(loss, step)
        return {"loss": float(loss.item()), "grad_norm": norm}

    def predictions(self, questions, greedy: bool = True):
        """(greedy answers, programs) for a list of questions."""
        answers, programs = [], []
        with no_grad():
            for start in range(0, len(questions), 250):
                batch = arithmetic_task.encode(questions[start:start + 250])
                record = self.model(batch, greedy=greedy)
                answers.append(record["answer"].numpy().astype(np.float64))
                slots = batch.numbers.shape[1]
                programs += [arithmetic_model.describe_program(record, i, q.numbers, slots)
                             for i, q in enumerate(batch.questions)]
        return np.concatenate(answers), programs

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        questions = self._test_subset()
        answers, programs = self.predictions(questions)
        exact = [abs(run_program_value(p, q) - q.answer) <= ANSWER_TOLERANCE * max(1.0, abs(q.answer))
                 for p, q in zip(programs, questions)]
        close = np.abs(answers - np.array([q.answer for q in questions])) <= 1e-3 * np.maximum(
            1.0, np.abs([q.answer for q in questions]))
        return {"accuracy": float(np.mean(exact)), "float_accuracy": float(np.mean(close))}

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        return [programmer_plots.arithmetic_heatmap(
            self.steps_shown(self.test_questions[:4]),
            os.path.join(run_dir, "programmer_arithmetic_steps.png"))]

    def steps_shown(self, questions) -> list[programmer_plots.ArithmeticSteps]:
        """What the figure shows of each question: the soft pass's operation probabilities
        and argument pointers per step, and the greedy program."""
        batch = arithmetic_task.encode(questions)
        slots = batch.numbers.shape[1]
        with no_grad():
            soft = self.model(batch)
            hard = self.model(batch, greedy=True)
        steps = len(soft["first_pointer"])
        shown = []
        for i, q in enumerate(questions):
            operations = np.stack([w.numpy()[i] for w in soft["operation_weights"]], axis=1)
            pointers = np.zeros((slots + steps, 2 * steps))
            for t, (a, b) in enumerate(zip(soft["first_pointer"], soft["second_pointer"])):
                width = a.shape[1]
                pointers[:width, 2 * t] = a.numpy()[i]
                pointers[:width, 2 * t + 1] = b.numpy()[i]
            program = arithmetic_model.format_program(
                arithmetic_model.describe_program(hard, i, q.numbers, slots), q.numbers)
            shown.append(programmer_plots.ArithmeticSteps(
                operations, pointers, list(arithmetic_model.ARITHMETIC_OPERATIONS),
                [f"n{k}" for k in range(slots)] + [f"s{t}" for t in range(steps)], q.text, program))
        return shown


def run_program_value(program, question) -> float:
    """The discrete program's answer in float64 (the model's greedy pass runs in float32)."""
    return arithmetic_model.run_program(program, question.numbers)


@register
class TableNeuralProgrammer(_ProgrammerExperiment):
    """Table Neural Programmer (Neelakantan et al. 2015) on synthetic table questions; by default
    trained on the exact answer likelihood over 4-step programs with word-match question
    features and anonymized column names (docs/sections/programmer.md: 100 % held-out, 3 seeds)."""

    task = "tables"
    defaults = {**COMMON_DEFAULTS, "program_steps": 4, "embedding_size": 32, "hidden_size": 48,
                "batch_size": 20, "huber_delta": 1.0, "value_scale": 100.0, "lookup_weight": 1.0,
                "templates": "all", "test_per_template": 60, "loss_form": "likelihood",
                "question_features": "match", "anonymize_columns": True, "word_dropout": 0.0, "steps": 2000, "eval_every": 500, "gradient_noise": 0.0}

    def build_model(self, rng):
        return table_model.TableProgrammer(
            len(table_task.VOCABULARY), int(self.config["embedding_size"]),
            int(self.config["hidden_size"]), int(self.config["program_steps"]),
            question_features=str(self.config["question_features"]),
            anonymize_columns=bool(self.config["anonymize_columns"]), rng=rng)

    def _templates(self):
        chosen = str(self.config["templates"])
        if chosen in ("all", ""):
            return None
        if chosen in ("single", "multi"):
            return [n for n in table_task.TEMPLATE_NAMES if table_task.TEMPLATES[n][0] == chosen]
        return chosen.split(",")

    def make_test_set(self):
        questions = table_task.test_set(int(self.config["test_per_template"]))
        wanted = self._templates()
        return [q for q in questions if wanted is None or q.template in wanted]

    def train_step(self, step: int) -> dict[str, float]:
        batch = table_task.sample_batch(int(self.config["batch_size"]), self.rng,
                                        templates=self._templates())
        rate = float(self.config["word_dropout"])
        if rate > 0:
            batch = table_task.drop_words(batch, rate, self.rng)
        loss = self.loss(batch)
        norm = self._update(loss, step)
        return {"loss": float(loss.item()), "grad_norm": norm}

    def loss(self, batch):
        """``loss_form``: ``likelihood`` (default): −log P(the discrete program's answer is
        right), summed exactly over every 4-step program (``table_likelihood``); ``soft``: the
        paper's Huber / log loss on the soft program's answer. Both see the final answer only."""
        form = self.config["loss_form"]
        if form == "likelihood":
            return table_likelihood.likelihood_loss(self.model(batch, execute=False), batch, LIKELIHOOD_FLOOR)
        if form != "soft":
            raise ValueError(f"tables neural-programmer: loss_form must be 'likelihood' or 'soft', got {form!r}")
        return table_model.loss(self.model(batch), batch, float(self.config["huber_delta"]),
                                float(self.config["value_scale"]), float(self.config["lookup_weight"]))

    def predictions(self, questions):
        """(correct flags, programs) under greedy execution."""
        flags, programs = [], []
        with no_grad():
            for start in range(0, len(questions), 100):
                batch = table_task.encode(questions[start:start + 100])
                record = self.model(batch, greedy=True)
                flags.append(table_model.correct(record, batch))
                programs += [table_model.describe_program(record, i) for i in range(len(batch.questions))]
        return np.concatenate(flags), programs

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        questions = self._test_subset()
        flags, _ = self.predictions(questions)
        kinds = np.array([q.kind for q in questions])
        metrics = {"accuracy": float(flags.mean())}
        for kind in ("single", "multi"):
            if (kinds == kind).any():
                metrics[f"{kind}_accuracy"] = float(flags[kinds == kind].mean())
        return metrics

    def per_template(self) -> dict[str, float]:
        flags, _ = self.predictions(self.test_questions)
        names = np.array([q.template for q in self.test_questions])
        return {name: float(flags[names == name].mean()) for name in dict.fromkeys(names)}

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        picks = [next(q for q in self.test_questions if q.template == name)
                 for name in ("count_and", "sum_when_greater", "lookup_and")
                 if any(q.template == name for q in self.test_questions)]
        return [programmer_plots.table_heatmap(
            self.steps_shown(picks or self.test_questions[:3]),
            os.path.join(run_dir, "programmer_tables_steps.png"))]

    def steps_shown(self, questions) -> list[programmer_plots.TableSteps]:
        """What the figure shows of each question: the soft pass's operation and column
        selector probabilities per step, and the greedy program."""
        batch = table_task.encode(questions)
        with no_grad():
            soft = self.model(batch)
            hard = self.model(batch, greedy=True)
        shown = []
        for i, q in enumerate(questions):
            operations = np.stack([w.numpy()[i] for w in soft["operation_weights"]], axis=1)
            columns = np.stack([w.numpy()[i, :len(q.columns)] for w in soft["column_weights"]], axis=1)
            program = table_model.format_program(table_model.describe_program(hard, i),
                                                 q.columns, q.numbers)
            shown.append(programmer_plots.TableSteps(operations, columns, list(OPERATIONS),
                                                     list(q.columns), q.text, program))
        return shown


# -- explain ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _words_and_numbers(question: str, vocabulary: dict) -> tuple[list[str], list[float]]:
    words, numbers = [], []
    for token in question.lower().replace("?", " ").replace(",", " ").split():
        if _NUMBER.match(token):
            words.append("<num>")
            numbers.append(float(token))
        elif token in vocabulary:
            words.append(token)
        else:
            raise ValueError(f"explain: the word {token!r} is not in the model's vocabulary")
    return words, numbers


def explain(experiment: Experiment, question: str, columns: list[str] | None = None,
            seed: int = 0) -> str:
    """The induced (greedy) program for ``question`` as text, e.g.
    ``greater(population, 40) -> count``, and the answer it gives.

    For tables, the program is run on a random table whose columns are ``columns`` (default:
    the column names that appear in the question plus two others)."""
    if isinstance(experiment, ArithmeticNeuralProgrammer):
        words, numbers = _words_and_numbers(question, arithmetic_task.WORD_ID)
        q = arithmetic_task.ArithmeticQuestion("user", words, numbers, 0)
        batch = arithmetic_task.encode([q])
        with no_grad():
            record = experiment.model(batch, greedy=True)
        program = arithmetic_model.describe_program(record, 0, numbers)
        value = arithmetic_model.run_program(program, numbers)
        return f"{arithmetic_model.format_program(program, numbers)}  = {value:g}"
    words, numbers = _words_and_numbers(question, table_task.WORD_ID)
    rng = np.random.default_rng(seed)
    if columns is None:
        columns = [w for w in dict.fromkeys(words) if w in table_task.COLUMN_NAMES]
        others = [c for c in table_task.COLUMN_NAMES if c not in columns]
        columns = columns + list(rng.choice(others, size=2, replace=False))
    table = rng.integers(0, table_task.MAX_VALUE, size=(40, len(columns))).astype(np.float64)
    q = table_task.TableQuestion("user", 0, table, list(columns), words, numbers, {}, "scalar", 0.0)
    batch = table_task.encode([q])
    with no_grad():
        record = experiment.model(batch, greedy=True)
    program = table_model.describe_program(record, 0)
    text = table_model.format_program(program, list(columns), numbers)
    final = program[-1][0]
    answer_type = "lookup" if final == "assign" else "scalar"
    answer = table_task.execute_steps(program, table, numbers, answer_type)
    shown = (f"{answer:g}" if answer_type == "scalar"
             else f"cells {[(int(i), columns[int(j)]) for i, j in zip(*np.nonzero(answer))][:8]}")
    return f"{text}  (full: {table_model.format_program(program, list(columns), numbers, full=True)}; " \
           f"answer on a random 40-row table: {shown})"


def explain_command(run_dir: str, question: str, columns: list[str] | None = None) -> str:
    """What ``tinyaug explain RUN_DIR "question" [--columns a,b,c]`` prints."""
    from ..training import loop
    experiment, _, _, _ = loop.restore_run(run_dir)
    return explain(experiment, question, columns)


def report(run_dir: str, programs: int = 10) -> str:
    """What ``tinyaug eval RUN`` prints after the evaluation for a Neural Programmer run
    (``_ProgrammerExperiment.report``)."""
    from ..training import loop
    experiment, _, step, _ = loop.restore_run(run_dir)
    return programs_report(experiment, run_dir, step, programs)


def programs_report(experiment: "_ProgrammerExperiment", run_dir: str, step: int,
                    programs: int = 10) -> str:
    """Markdown: greedy accuracy on the whole held-out set, per template, and ``programs``
    induced programs of held-out questions, each checked with ``same_program`` (tables) or on
    fresh numbers (arithmetic) to be the right program, not a lucky answer."""
    questions = experiment.test_questions
    lines = [f"run `{run_dir}` at step {step}, {len(questions)} held-out questions", ""]
    if isinstance(experiment, TableNeuralProgrammer):
        flags, induced = experiment.predictions(questions)
        right = lambda p, q: table_task.same_program(p, q)  # noqa: E731
        show = lambda p, q: table_model.format_program(p, q.columns, q.numbers)  # noqa: E731
    else:
        _, induced = experiment.predictions(questions)
        flags = np.array([abs(run_program_value(p, q) - q.answer) <= 1e-6 * max(1.0, abs(q.answer))
                          for p, q in zip(induced, questions)])
        right = _same_arithmetic_program
        show = lambda p, q: arithmetic_model.format_program(p, q.numbers)  # noqa: E731
    kinds = np.array([getattr(q, "kind", "all") for q in questions])
    templates = np.array([q.template for q in questions])
    lines += ["| template | kind | greedy accuracy | right program |", "|---|---|---|---|"]
    for name in dict.fromkeys(templates):
        chosen = np.nonzero(templates == name)[0]
        programs_ok = np.mean([right(induced[i], questions[i]) for i in chosen[:20]])
        lines.append(f"| {name} | {kinds[chosen[0]]} | {flags[chosen].mean():.3f} | {programs_ok:.2f} |")
    lines.append("")
    for kind in dict.fromkeys(kinds):
        lines.append(f"- {kind}: {flags[kinds == kind].mean():.3f}")
    lines.append(f"- overall: {flags.mean():.3f}")
    lines += ["", "| held-out question | induced program | answer correct | right program |", "|---|---|---|---|"]
    rng = np.random.default_rng(7)
    for i in rng.choice(len(questions), size=min(programs, len(questions)), replace=False):
        q = questions[int(i)]
        lines.append(f"| {q.text} | `{show(induced[i], q)}` | {bool(flags[i])} | {right(induced[i], q)} |")
    return "\n".join(lines)


def _same_arithmetic_program(program, question, trials: int = 20) -> bool:
    """The program equals the gold expression on ``trials`` fresh tuples of numbers."""
    rng = np.random.default_rng(0)
    for _ in range(trials):
        numbers = [float(n) for n in rng.integers(1, arithmetic_task.MAX_NUMBER + 1, size=len(question.numbers))]
        expected = arithmetic_task.evaluate_expression(question.expression, numbers)
        if abs(arithmetic_model.run_program(program, numbers) - expected) > 1e-6 * max(1.0, abs(expected)):
            return False
    return True


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Neural Programmer: report a run, or explain a question")
    parser.add_argument("command", choices=("report", "explain"))
    parser.add_argument("run_dir")
    parser.add_argument("question", nargs="?")
    parser.add_argument("--columns", help="comma-separated column names (tables)")
    args = parser.parse_args()
    if args.command == "report":
        print(report(args.run_dir))
    else:
        print(explain_command(args.run_dir, args.question, args.columns.split(",") if args.columns else None))
