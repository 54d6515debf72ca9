"""Arithmetic word questions for the arithmetic Neural Programmer (pure NumPy).

A question is a list of words in which every number is replaced by the token ``<num>``, plus
the numbers themselves (the model points at them; it never reads their digits)::

    "multiply <num> by <num> then subtract <num>"   numbers [7, 3, 5]   answer 16

Each template carries its gold program as an expression tree over the question's numbers,
e.g. ``("subtract", ("multiply", 0, 1), 2)``, so that an induced program can be checked for
being *the right program* (equal on fresh numbers), not only for hitting one answer.

Held-out split: numbers are integers in [1, ``MAX_NUMBER``]; a tuple of numbers belongs to the
test set when ``_is_test_tuple`` says so (about one tuple in five), and training never draws one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Task, register_task

MAX_NUMBER = 20
NUMBER_TOKEN = "<num>"
PAD_TOKEN = "<pad>"

# (name, phrasing with {0} {1} {2} for the numbers in order of appearance, gold expression)
TEMPLATES: list[tuple[str, str, object]] = [
    ("plus", "what is {0} plus {1}", ("add", 0, 1)),
    ("add", "add {0} and {1}", ("add", 0, 1)),
    ("minus", "what is {0} minus {1}", ("subtract", 0, 1)),
    ("subtract_from", "subtract {0} from {1}", ("subtract", 1, 0)),
    ("times", "what is {0} times {1}", ("multiply", 0, 1)),
    ("multiply", "multiply {0} by {1}", ("multiply", 0, 1)),
    ("divided", "what is {0} divided by {1}", ("divide", 0, 1)),
    ("divide", "divide {0} by {1}", ("divide", 0, 1)),
    ("add_then_multiply", "add {0} and {1} then multiply by {2}", ("multiply", ("add", 0, 1), 2)),
    ("multiply_then_subtract", "multiply {0} by {1} then subtract {2}",
     ("subtract", ("multiply", 0, 1), 2)),
    ("subtract_from_product", "subtract {0} from the product of {1} and {2}",
     ("subtract", ("multiply", 1, 2), 0)),
    ("divide_sum", "divide the sum of {0} and {1} by {2}", ("divide", ("add", 0, 1), 2)),
    ("minus_plus", "what is {0} minus {1} plus {2}", ("add", ("subtract", 0, 1), 2)),
]

BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide}


def _words() -> list[str]:
    words = {NUMBER_TOKEN}
    for _, phrasing, _ in TEMPLATES:
        for word in phrasing.split():
            if not word.startswith("{"):
                words.add(word)
    return [PAD_TOKEN] + sorted(words)


VOCABULARY: list[str] = _words()
WORD_ID: dict[str, int] = {word: index for index, word in enumerate(VOCABULARY)}


def evaluate_expression(expression, numbers) -> float:
    """The value of a gold expression tree on ``numbers``."""
    if isinstance(expression, int):
        return float(numbers[expression])
    op, left, right = expression
    return float(BINARY[op](evaluate_expression(left, numbers), evaluate_expression(right, numbers)))


def _arity(expression) -> int:
    if isinstance(expression, int):
        return expression + 1
    return max(_arity(expression[1]), _arity(expression[2]))


def _is_test_tuple(numbers) -> bool:
    return (sum((index * 7 + 3) * int(n) for index, n in enumerate(numbers)) + len(numbers)) % 5 == 0


@dataclass
class ArithmeticQuestion:
    template: str
    words: list[str]
    numbers: list[float]
    expression: object
    answer: float = field(init=False)

    def __post_init__(self) -> None:
        self.answer = evaluate_expression(self.expression, self.numbers)

    @property
    def text(self) -> str:
        parts, index = [], 0
        for word in self.words:
            if word == NUMBER_TOKEN:
                parts.append(f"{self.numbers[index]:g}")
                index += 1
            else:
                parts.append(word)
        return " ".join(parts)


def make_question(template_index: int, numbers) -> ArithmeticQuestion:
    name, phrasing, expression = TEMPLATES[template_index]
    words = phrasing.format(*([NUMBER_TOKEN] * 3)).split()
    return ArithmeticQuestion(name, words, [float(n) for n in numbers], expression)


def is_one_step(template_index: int) -> bool:
    """Whether the template's gold program is a single operation on two question numbers."""
    _, left, right = TEMPLATES[template_index][2]
    return isinstance(left, int) and isinstance(right, int)


ONE_STEP_TEMPLATES: list[int] = [i for i in range(len(TEMPLATES)) if is_one_step(i)]


def sample_question(rng: np.random.Generator, split: str = "train",
                    templates: list[int] | None = None) -> ArithmeticQuestion:
    """One question of a template drawn uniformly from ``templates`` (indices into
    ``TEMPLATES``; default all), its numbers from ``split`` ("train"/"test")."""
    if templates is None:
        template_index = int(rng.integers(len(TEMPLATES)))
    else:
        template_index = int(templates[int(rng.integers(len(templates)))])
    count = _arity(TEMPLATES[template_index][2])
    while True:
        numbers = rng.integers(1, MAX_NUMBER + 1, size=count)
        if _is_test_tuple(numbers) == (split == "test"):
            return make_question(template_index, numbers)


def test_set(size: int = 1000, seed: int = 20151104) -> list[ArithmeticQuestion]:
    """The fixed held-out questions (number tuples never drawn in training)."""
    rng = np.random.default_rng(seed)
    return [sample_question(rng, "test") for _ in range(size)]


@dataclass
class ArithmeticBatch:
    """``word_ids`` (batch, length), left-padded with 0; ``word_mask`` (batch, length);
    ``number_positions`` (batch, K) indices of the ``<num>`` tokens; ``numbers`` (batch, K);
    ``number_mask`` (batch, K); ``answers`` (batch,)."""

    questions: list[ArithmeticQuestion]
    word_ids: np.ndarray
    word_mask: np.ndarray
    number_positions: np.ndarray
    numbers: np.ndarray
    number_mask: np.ndarray
    answers: np.ndarray


def encode(questions: list[ArithmeticQuestion]) -> ArithmeticBatch:
    """Pack questions into padded arrays."""
    batch = len(questions)
    length = max(len(q.words) for q in questions)
    slots = max(len(q.numbers) for q in questions)
    word_ids = np.zeros((batch, length), dtype=np.int64)
    word_mask = np.zeros((batch, length))
    positions = np.zeros((batch, slots), dtype=np.int64)
    numbers = np.zeros((batch, slots))
    number_mask = np.zeros((batch, slots))
    for b, question in enumerate(questions):
        offset = length - len(question.words)
        word_ids[b, offset:] = [WORD_ID[w] for w in question.words]
        word_mask[b, offset:] = 1.0
        found = [offset + i for i, w in enumerate(question.words) if w == NUMBER_TOKEN]
        positions[b, :len(found)] = found
        numbers[b, :len(found)] = question.numbers
        number_mask[b, :len(found)] = 1.0
    answers = np.array([q.answer for q in questions])
    return ArithmeticBatch(questions, word_ids, word_mask, positions, numbers, number_mask, answers)


def sample_batch(batch_size: int, rng: np.random.Generator, split: str = "train",
                 templates: list[int] | None = None) -> ArithmeticBatch:
    """``batch_size`` questions from ``sample_question`` (templates: default all)."""
    return encode([sample_question(rng, split, templates) for _ in range(batch_size)])


@register_task
class ArithmeticQuestions(Task):
    """``batch(batch_size, rng, split="train")`` -> ``ArithmeticBatch`` of questions of
    ``templates`` (indices into ``TEMPLATES``; None = all), numbers from ``split``."""

    name = "arithmetic"
    defaults = {"templates": None}

    def __init__(self, templates: list[int] | None = None) -> None:
        super().__init__()
        self.templates = templates

    def batch(self, batch_size: int, rng: np.random.Generator, split: str = "train") -> ArithmeticBatch:
        return sample_batch(batch_size, rng, split, self.templates)
