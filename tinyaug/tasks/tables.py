"""Random tables and templated questions in the style of the Neural Programmer's synthetic data
(Neelakantan, Le & Sutskever 2015, §4): pure NumPy.

* A table has 30–100 rows and 3–10 numeric columns (integers 0–99) whose names are drawn,
  without repetition, from ``COLUMN_NAMES``; column order is random, so the model must match
  names, not positions.
* A question is words with numbers replaced by ``<num>`` plus the numbers; its answer is a
  scalar (sum, count, difference) or a lookup (a set of cells, e.g. the values printed).
* Every template has several phrasings; the last one is held out (test only). Numbers in
  training questions are even, in test questions odd. ``test_set()`` is the fixed held-out set.
* Each question carries its gold program (a list of (operation, column role, pivot index)) so
  that an induced program can be checked on fresh tables, not only on one answer.

Templates are "single"-column (every column mentioned is the same one) or "multi"-column.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Task, register_task

COLUMN_NAMES = ["population", "area", "age", "height", "weight", "price", "score", "year",
                "salary", "speed", "distance", "rank", "votes", "goals", "points", "income",
                "length", "width", "depth", "temperature"]
NUMBER_TOKEN, PAD_TOKEN = "<num>", "<pad>"
MIN_ROWS, MAX_ROWS, MIN_COLUMNS, MAX_COLUMNS, MAX_VALUE = 30, 100, 3, 10, 100

# name: (kind, answer type, gold program, phrasings; the last phrasing is held out).
# Placeholders: {c1} {c2} {c3} column names, {n} {m} numbers (in that order in the question).
# Gold programs are steps (operation, column placeholder or None, number placeholder or None).
TEMPLATES: dict[str, tuple] = {
    "sum": ("single", "scalar", [("sum", "c1", None)],
            ["sum of {c1}", "what is the total of {c1}", "total of {c1}"]),
    "count_greater": ("single", "scalar", [("greater", "c1", "n"), ("count", None, None)],
                      ["how many rows have {c1} greater than {n}",
                       "count rows where {c1} is greater than {n}",
                       "how many rows where {c1} greater than {n}"]),
    "count_less": ("single", "scalar", [("lesser", "c1", "n"), ("count", None, None)],
                   ["how many rows have {c1} less than {n}",
                    "count rows where {c1} is less than {n}",
                    "how many rows where {c1} less than {n}"]),
    "sum_greater": ("single", "scalar", [("greater", "c1", "n"), ("sum", "c1", None)],
                    ["sum of {c1} values greater than {n}", "total of {c1} greater than {n}",
                     "what is the sum of {c1} greater than {n}"]),
    "sum_less": ("single", "scalar", [("lesser", "c1", "n"), ("sum", "c1", None)],
                 ["sum of {c1} values less than {n}", "total of {c1} less than {n}",
                  "what is the sum of {c1} less than {n}"]),
    "count_between": ("single", "scalar",
                      [("greater", "c1", "n"), ("lesser", "c1", "m"), ("and", None, None),
                       ("count", None, None)],
                      ["how many rows have {c1} greater than {n} and less than {m}",
                       "count rows where {c1} is greater than {n} and less than {m}",
                       "how many rows where {c1} is greater than {n} and less than {m}"]),
    "print_greater": ("single", "lookup", [("greater", "c1", "n"), ("assign", "c1", None)],
                      ["print {c1} values greater than {n}", "list {c1} greater than {n}",
                       "print {c1} greater than {n}"]),
    "sum_when_greater": ("multi", "scalar", [("greater", "c2", "n"), ("sum", "c1", None)],
                         ["sum of {c1} when {c2} greater than {n}",
                          "total of {c1} where {c2} is greater than {n}",
                          "sum of {c1} where {c2} greater than {n}"]),
    "sum_when_less": ("multi", "scalar", [("lesser", "c2", "n"), ("sum", "c1", None)],
                      ["sum of {c1} when {c2} less than {n}",
                       "total of {c1} where {c2} is less than {n}",
                       "sum of {c1} where {c2} less than {n}"]),
    "count_and": ("multi", "scalar",
                  [("greater", "c1", "n"), ("lesser", "c2", "m"), ("and", None, None),
                   ("count", None, None)],
                  ["how many rows have {c1} greater than {n} and {c2} less than {m}",
                   "count rows where {c1} is greater than {n} and {c2} is less than {m}",
                   "how many rows where {c1} greater than {n} and {c2} less than {m}"]),
    "count_or": ("multi", "scalar",
                 [("greater", "c1", "n"), ("greater", "c2", "m"), ("or", None, None),
                  ("count", None, None)],
                 ["how many rows have {c1} greater than {n} or {c2} greater than {m}",
                  "count rows where {c1} is greater than {n} or {c2} is greater than {m}",
                  "how many rows where {c1} greater than {n} or {c2} greater than {m}"]),
    "lookup_and": ("multi", "lookup",
                   [("greater", "c1", "n"), ("lesser", "c2", "m"), ("and", None, None),
                    ("assign", "c3", None)],
                   ["what is {c3} of the row with {c1} greater than {n} and {c2} less than {m}",
                    "print {c3} of the row where {c1} is greater than {n} and {c2} is less than {m}",
                    "what is {c3} of the row where {c1} greater than {n} and {c2} less than {m}"]),
    "difference": ("multi", "scalar",
                   [("sum", "c1", None), ("reset", None, None), ("sum", "c2", None),
                    ("difference", None, None)],
                   ["difference between sum of {c1} and sum of {c2}",
                    "sum of {c1} minus sum of {c2}",
                    "what is the difference between sum of {c1} and sum of {c2}"]),
}
TEMPLATE_NAMES = list(TEMPLATES)


def _words() -> list[str]:
    words = {NUMBER_TOKEN, *COLUMN_NAMES}
    for _, _, _, phrasings in TEMPLATES.values():
        for phrasing in phrasings:
            words.update(w for w in phrasing.split() if not w.startswith("{"))
    return [PAD_TOKEN] + sorted(words)


VOCABULARY: list[str] = _words()
WORD_ID: dict[str, int] = {word: index for index, word in enumerate(VOCABULARY)}


@dataclass
class TableQuestion:
    """One table, one question, its answer and its gold program.

    ``table``: (rows, columns) integer values as floats; ``columns``: the column names;
    ``roles``: placeholder -> column index (``c1``...) or number index (``n``, ``m``);
    ``answer``: a float (scalar) or a (rows, columns) 0/1 array (lookup).
    """

    template: str
    phrasing: int
    table: np.ndarray
    columns: list[str]
    words: list[str]
    numbers: list[float]
    roles: dict
    answer_type: str
    answer: object

    @property
    def kind(self) -> str:
        return TEMPLATES[self.template][0]

    @property
    def text(self) -> str:
        numbers = iter(self.numbers)
        return " ".join(f"{next(numbers):g}" if w == NUMBER_TOKEN else w for w in self.words)

    def gold_program(self) -> list[tuple]:
        """Gold steps with placeholders resolved: (operation, column index or None, number index or None)."""
        return [(op, None if c is None else self.roles[c], None if n is None else self.roles[n])
                for op, c, n in TEMPLATES[self.template][2]]


def random_table(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    rows = int(rng.integers(MIN_ROWS, MAX_ROWS + 1))
    columns = int(rng.integers(MIN_COLUMNS, MAX_COLUMNS + 1))
    names = [COLUMN_NAMES[i] for i in rng.choice(len(COLUMN_NAMES), size=columns, replace=False)]
    return rng.integers(0, MAX_VALUE, size=(rows, columns)).astype(np.float64), names


def execute_steps(steps: list[tuple], table: np.ndarray, numbers, answer_type: str) -> object:
    """Run a discrete program on a table, with the model's semantics (tables.py of the model):
    steps are (operation, column index or None, number index or None). Returns the last step's
    scalar, or its lookup (a (rows, columns) 0/1 array; zeros unless the last step is assign)."""
    rows = np.ones(table.shape[0])
    history_rows, scalars = [rows, rows], [0.0, 0.0, 0.0]
    lookup = np.zeros_like(table)
    for op, column, number in steps:
        col = None if column is None else table[:, column]
        pivot = None if number is None else (numbers[number] if number < len(numbers) else 0.0)  # padded slot = 0
        new_rows, scalar, lookup = np.zeros_like(rows), 0.0, np.zeros_like(table)
        if op == "greater":
            new_rows = (col > pivot).astype(float)
        elif op == "lesser":
            new_rows = (col < pivot).astype(float)
        elif op == "and":
            new_rows = np.minimum(history_rows[-1], history_rows[-2])
        elif op == "or":
            new_rows = np.maximum(history_rows[-1], history_rows[-2])
        elif op == "reset":
            new_rows = np.ones_like(rows)
        elif op == "sum":
            scalar = float((history_rows[-1] * col).sum())
        elif op == "count":
            scalar = float(history_rows[-1].sum())
        elif op == "difference":
            scalar = scalars[-3] - scalars[-1]
        elif op == "assign":
            lookup[:, column] = history_rows[-1]
        else:
            raise ValueError(f"execute_steps: unknown operation {op!r}")
        history_rows.append(new_rows)
        scalars.append(scalar)
    return lookup if answer_type == "lookup" else scalars[-1]


def execute_gold(template: str, table: np.ndarray, roles: dict, numbers) -> object:
    """The answer of ``template`` on ``table``: its gold program run by ``execute_steps``."""
    steps = [(op, None if c is None else roles[c], None if n is None else roles[n])
             for op, c, n in TEMPLATES[template][2]]
    return execute_steps(steps, table, numbers, TEMPLATES[template][1])


def same_program(steps: list[tuple], question: "TableQuestion", trials: int = 20,
                 seed: int = 0) -> bool:
    """True when ``steps`` gives the gold answer of ``question``'s template on ``trials`` fresh
    tables of the same shape with fresh numbers (columns and number slots kept): a check that
    the induced program is the right program, not one that is lucky on this table."""
    rng = np.random.default_rng(seed)
    gold = question.gold_program()
    for _ in range(trials):
        table = rng.integers(0, MAX_VALUE, size=question.table.shape).astype(np.float64)
        numbers = [float(rng.integers(5, 95)) for _ in question.numbers]
        if len(numbers) == 2 and question.template == "count_between":
            numbers.sort()
        expected = execute_steps(gold, table, numbers, question.answer_type)
        got = execute_steps(steps, table, numbers, question.answer_type)
        if not np.array_equal(np.asarray(expected), np.asarray(got)):
            return False
    return True


def _pivot(rng: np.random.Generator, split: str, low: int = 10, high: int = 90) -> int:
    value = int(rng.integers(low, high))
    return value + (value % 2 != (split == "test"))  # even in training, odd in the test set


def _nearest(value: float, split: str, direction: int) -> int:
    """The first number strictly below (direction −1) or above (+1) ``value`` of the split's parity."""
    candidate = int(value) + direction
    while candidate % 2 != (split == "test"):
        candidate += direction
    return candidate


def make_question(template: str, rng: np.random.Generator, split: str = "train",
                  phrasing: int | None = None) -> TableQuestion:
    """A fresh table and a question of ``template``; ``split`` picks phrasings and number parity."""
    kind, answer_type, _, phrasings = TEMPLATES[template]
    if phrasing is None:
        phrasing = len(phrasings) - 1 if split == "test" else int(rng.integers(len(phrasings) - 1))
    while True:
        table, names = random_table(rng)
        picks = rng.choice(table.shape[1], size=3, replace=False)
        roles = {"c1": int(picks[0]), "c2": int(picks[1]), "c3": int(picks[2])}
        if template == "lookup_and":
            # Pick the numbers around one row so that exactly that row satisfies both conditions.
            c1, c2 = table[:, roles["c1"]], table[:, roles["c2"]]
            row = int(np.argmax(c1 - c2 + rng.random(len(c1))))
            n, m = _nearest(c1[row], split, -1), _nearest(c2[row], split, +1)
            if ((c1 > n) & (c2 < m)).sum() != 1:
                continue
        else:
            n, m = _pivot(rng, split), _pivot(rng, split)
            if template == "count_between":
                n, m = min(n, m), max(n, m) + 2
        numbers = [float(n), float(m)]
        text = phrasings[phrasing]
        roles.update({"n": 0, "m": 1})
        numbers = numbers[:("{n}" in text) + ("{m}" in text)]  # only the numbers the question states
        filled = text.format(c1=names[roles["c1"]], c2=names[roles["c2"]], c3=names[roles["c3"]],
                             n=NUMBER_TOKEN, m=NUMBER_TOKEN)
        answer = execute_gold(template, table, roles, numbers)
        return TableQuestion(template, phrasing, table, names, filled.split(), numbers, roles,
                             answer_type, answer)


def sample_question(rng: np.random.Generator, split: str = "train",
                    templates: list[str] | None = None) -> TableQuestion:
    names = templates or TEMPLATE_NAMES
    return make_question(names[int(rng.integers(len(names)))], rng, split)


def test_set(per_template: int = 60, seed: int = 1511_04834) -> list[TableQuestion]:
    """The fixed held-out set: held-out phrasings, odd numbers, fresh tables."""
    rng = np.random.default_rng(seed)
    return [make_question(name, rng, "test") for name in TEMPLATE_NAMES for _ in range(per_template)]


@dataclass
class TableBatch:
    """Padded arrays for a batch of questions.

    ``word_ids``/``word_mask`` (batch, length), left-padded; ``number_positions``, ``numbers``,
    ``number_mask`` (batch, K); ``table`` (batch, rows, columns); ``row_mask`` (batch, rows);
    ``column_mask`` (batch, columns); ``column_ids`` (batch, columns) word ids of the names;
    ``is_lookup`` (batch,); ``scalar_answer`` (batch,); ``lookup_answer`` (batch, rows, columns).
    """

    questions: list[TableQuestion]
    word_ids: np.ndarray
    word_mask: np.ndarray
    number_positions: np.ndarray
    numbers: np.ndarray
    number_mask: np.ndarray
    table: np.ndarray
    row_mask: np.ndarray
    column_mask: np.ndarray
    column_ids: np.ndarray
    is_lookup: np.ndarray
    scalar_answer: np.ndarray
    lookup_answer: np.ndarray


def encode(questions: list[TableQuestion]) -> TableBatch:
    batch = len(questions)
    length = max(len(q.words) for q in questions)
    slots = max(max(len(q.numbers) for q in questions), 1)
    rows = max(q.table.shape[0] for q in questions)
    columns = max(q.table.shape[1] for q in questions)
    word_ids = np.zeros((batch, length), dtype=np.int64)
    word_mask = np.zeros((batch, length))
    positions = np.zeros((batch, slots), dtype=np.int64)
    numbers = np.zeros((batch, slots))
    number_mask = np.zeros((batch, slots))
    table = np.zeros((batch, rows, columns))
    row_mask = np.zeros((batch, rows))
    column_mask = np.zeros((batch, columns))
    column_ids = np.zeros((batch, columns), dtype=np.int64)
    is_lookup = np.zeros(batch)
    scalar_answer = np.zeros(batch)
    lookup_answer = np.zeros((batch, rows, columns))
    for b, q in enumerate(questions):
        offset = length - len(q.words)
        word_ids[b, offset:] = [WORD_ID[w] for w in q.words]
        word_mask[b, offset:] = 1.0
        found = [offset + i for i, w in enumerate(q.words) if w == NUMBER_TOKEN]
        positions[b, :len(found)] = found
        numbers[b, :len(found)] = q.numbers
        number_mask[b, :len(found)] = 1.0
        r, c = q.table.shape
        table[b, :r, :c] = q.table
        row_mask[b, :r] = 1.0
        column_mask[b, :c] = 1.0
        column_ids[b, :c] = [WORD_ID[name] for name in q.columns]
        if q.answer_type == "lookup":
            is_lookup[b] = 1.0
            lookup_answer[b, :r, :c] = q.answer
        else:
            scalar_answer[b] = q.answer
    return TableBatch(questions, word_ids, word_mask, positions, numbers, number_mask, table,
                      row_mask, column_mask, column_ids, is_lookup, scalar_answer, lookup_answer)


def sample_batch(batch_size: int, rng: np.random.Generator, split: str = "train",
                 templates: list[str] | None = None) -> TableBatch:
    return encode([sample_question(rng, split, templates) for _ in range(batch_size)])


def drop_words(batch: TableBatch, rate: float, rng: np.random.Generator) -> TableBatch:
    """A copy of ``batch`` in which each word that is neither a number nor a column name of the
    question's table is replaced by ``PAD_TOKEN`` with probability ``rate`` (word dropout, a
    regulariser: the controller cannot rely on one phrasing's exact words). ``word_mask`` is
    unchanged, so a dropped word is read as an unknown word, not skipped."""
    keep_always = ((batch.word_ids == WORD_ID[NUMBER_TOKEN])
                   | (batch.word_ids[:, :, None] == np.where(batch.column_mask > 0, batch.column_ids, -1)[:, None, :]).any(axis=2)
                   | (batch.word_mask == 0))
    dropped = (rng.random(batch.word_ids.shape) < rate) & ~keep_always
    word_ids = np.where(dropped, WORD_ID[PAD_TOKEN], batch.word_ids)
    return TableBatch(**{**batch.__dict__, "word_ids": word_ids})


@register_task
class TableQuestions(Task):
    """``batch(batch_size, rng, split="train")`` -> ``TableBatch`` of questions of
    ``templates`` (names in ``TEMPLATES``; None = all) on fresh random tables."""

    name = "tables"
    defaults = {"templates": None}

    def __init__(self, templates: list[str] | None = None) -> None:
        super().__init__()
        self.templates = templates

    def batch(self, batch_size: int, rng: np.random.Generator, split: str = "train") -> TableBatch:
        return sample_batch(batch_size, rng, split, self.templates)
