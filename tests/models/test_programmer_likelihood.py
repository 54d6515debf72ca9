"""The table programmer's exact answer likelihood equals brute-force enumeration of every
discrete 4-step program (executed with the task's reference executor), and its gradient is
right."""
import itertools

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.autograd import ops
from tinyaug.models.programmer import operations as O
from tinyaug.models.programmer import table_likelihood as L
from tinyaug.models.programmer import tables as TM
from tinyaug.tasks import tables as T


def _question(rng, rows, answer_type, numbers, program):
    """A question on a small 2-column table with values 0–4 (so that many programs tie), whose
    answer is what ``program`` computes."""
    table = rng.integers(0, 5, size=(rows, 2)).astype(np.float64)
    answer = T.execute_steps(program, table, numbers, answer_type)
    return T.TableQuestion("user", 0, table, ["age", "price"],
                           "how many rows have age greater than".split() + [T.NUMBER_TOKEN] * len(numbers), list(numbers),
                           {}, answer_type, answer)


def _choices(columns, numbers):
    for op in O.OPERATIONS:
        cols = range(columns) if op in TM.USES_COLUMN else [None]
        pivots = range(numbers) if op in TM.USES_PIVOT else [None]
        for c in cols:
            for k in pivots:
                yield op, c, k


def _random_record(rng, batch_size, columns, numbers, steps=4):
    def distribution(*shape):
        weights = rng.random(shape) + 0.05
        return weights / weights.sum(axis=-1, keepdims=True)
    return {"operation_weights": [ta.tensor(distribution(batch_size, len(O.OPERATIONS))) for _ in range(steps)],
            "column_weights": [ta.tensor(distribution(batch_size, columns)) for _ in range(steps)],
            "pivot_weights": [ta.tensor(distribution(batch_size, numbers)) for _ in range(steps)]}


def _brute_force(record, question, index):
    """Σ over every program of Π_t P_t(choice) · [answer right], by executing each program."""
    columns, numbers = question.table.shape[1], max(len(question.numbers), 1)
    per_step = []
    for t in range(4):
        w = ta.to_numpy(record["operation_weights"][t])[index]
        a = ta.to_numpy(record["column_weights"][t])[index]
        b = ta.to_numpy(record["pivot_weights"][t])[index]
        per_step.append([(choice, w[O.OPERATIONS.index(choice[0])] * (1 if choice[1] is None else a[choice[1]])
                          * (1 if choice[2] is None else b[choice[2]])) for choice in _choices(columns, numbers)])
    total = 0.0
    for program in itertools.product(*per_step):
        steps = [choice for choice, _ in program]
        got = T.execute_steps(steps, question.table, question.numbers, question.answer_type)
        if np.array_equal(np.asarray(got), np.asarray(question.answer)):
            total += float(np.prod([p for _, p in program]))
    return total


def test_answer_likelihood_equals_brute_force_enumeration():
    rng = np.random.default_rng(0)
    questions = [
        _question(rng, 6, "scalar", [2.0], [("greater", 0, 0), ("lesser", 1, 0), ("and", None, None),
                                              ("count", None, None)]),
        _question(rng, 5, "scalar", [3.0], [("sum", 0, None), ("reset", None, None), ("sum", 1, None),
                                              ("difference", None, None)]),
        _question(rng, 6, "lookup", [1.0], [("greater", 0, 0), ("lesser", 1, 0), ("or", None, None),
                                              ("assign", 1, None)]),
    ]
    batch = T.encode(questions)
    record = _random_record(rng, len(questions), 2, 1)
    likelihood = ta.to_numpy(L.answer_likelihood(record, batch))
    for i, q in enumerate(questions):
        assert likelihood[i] == pytest.approx(_brute_force(record, q, i), rel=1e-9, abs=1e-12)
    assert likelihood.min() > 1e-4  # some programs are right for every question: a real check


def test_answer_likelihood_respects_padded_columns_and_rows():
    # The same question alone and padded next to a wider, longer table: same likelihood.
    rng = np.random.default_rng(1)
    small = _question(rng, 5, "scalar", [2.0], [("greater", 1, 0), ("count", None, None),
                                                  ("reset", None, None), ("sum", 0, None)])
    wide = T.make_question("count_and", rng)
    alone = _random_record(np.random.default_rng(2), 1, 2, 1)
    padded = _random_record(np.random.default_rng(3), 2, wide.table.shape[1], 2)
    for key in alone:
        for t in range(4):
            merged = ta.to_numpy(padded[key][t]).copy()
            values = ta.to_numpy(alone[key][t])[0]
            merged[0] = 0.0
            merged[0, :len(values)] = values
            padded[key][t] = ta.tensor(merged)
    single = ta.to_numpy(L.answer_likelihood(alone, T.encode([small])))[0]
    pair = ta.to_numpy(L.answer_likelihood(padded, T.encode([small, wide])))
    assert pair[0] == pytest.approx(single, rel=1e-9)
    assert 0.0 <= pair[1] <= 1.0


def test_answer_likelihood_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    question = T.make_question("sum_when_greater", rng)
    question.table = question.table[:8, :3]
    question.columns = question.columns[:3]
    question.roles.update(c1=0, c2=1, c3=2)
    question.answer = T.execute_gold("sum_when_greater", question.table, question.roles, question.numbers)
    batch = T.encode([question])
    logits = [rng.standard_normal((1, len(O.OPERATIONS))) for _ in range(4)]
    columns = rng.standard_normal((1, 3))

    def likelihood(*arrays):
        record = {"operation_weights": [ops.softmax(a, axis=-1) for a in arrays[:4]],
                  "column_weights": [ops.softmax(arrays[4], axis=-1)] * 4,
                  "pivot_weights": [ta.tensor(np.ones((1, 1)))] * 4}
        return L.answer_likelihood(record, batch)
    inputs = [ta.tensor(a, requires_grad=True) for a in logits + [columns]]
    assert ta.gradcheck(likelihood, inputs)


def test_answer_likelihood_rejects_other_step_counts():
    rng = np.random.default_rng(5)
    batch = T.sample_batch(2, rng)
    record = _random_record(rng, 2, batch.table.shape[2], batch.numbers.shape[1], steps=3)
    with pytest.raises(ValueError, match="answer_likelihood: .*4 program steps, got 3"):
        L.answer_likelihood(record, batch)
