"""The Neural Programmer's data: random tables, templated questions, held-out split, gold programs."""
import numpy as np
import pytest

from tinyaug.tasks import arithmetic as A
from tinyaug.tasks import tables as T


def test_tables_have_the_papers_sizes_and_distinct_column_names():
    rng = np.random.default_rng(0)
    for _ in range(50):
        table, names = T.random_table(rng)
        assert T.MIN_ROWS <= table.shape[0] <= T.MAX_ROWS
        assert T.MIN_COLUMNS <= table.shape[1] <= T.MAX_COLUMNS
        assert len(set(names)) == len(names) == table.shape[1]
        assert table.min() >= 0 and table.max() < T.MAX_VALUE


@pytest.mark.parametrize("template", T.TEMPLATE_NAMES)
def test_gold_answers_match_a_direct_computation(template):
    rng = np.random.default_rng(1)
    for _ in range(5):
        q = T.make_question(template, rng)
        t, r, n = q.table, q.roles, q.numbers
        c1, c2 = t[:, r["c1"]], t[:, r["c2"]]
        direct = {
            "sum": lambda: c1.sum(), "count_greater": lambda: (c1 > n[0]).sum(),
            "count_less": lambda: (c1 < n[0]).sum(), "sum_greater": lambda: c1[c1 > n[0]].sum(),
            "sum_less": lambda: c1[c1 < n[0]].sum(),
            "count_between": lambda: ((c1 > n[0]) & (c1 < n[1])).sum(),
            "sum_when_greater": lambda: c1[c2 > n[0]].sum(), "sum_when_less": lambda: c1[c2 < n[0]].sum(),
            "count_and": lambda: ((c1 > n[0]) & (c2 < n[1])).sum(),
            "count_or": lambda: ((c1 > n[0]) | (c2 > n[1])).sum(),
            "difference": lambda: c1.sum() - c2.sum(),
        }
        if template in direct:
            assert q.answer == pytest.approx(float(direct[template]()))
        elif template == "print_greater":
            assert np.array_equal(np.nonzero(q.answer)[0], np.nonzero(c1 > n[0])[0])
            assert set(np.nonzero(q.answer)[1]) <= {r["c1"]}
        else:  # lookup_and: exactly one cell, in column c3
            rows, columns = np.nonzero(q.answer)
            assert len(rows) == 1 and columns[0] == r["c3"]
            assert c1[rows[0]] > n[0] and c2[rows[0]] < n[1]


def test_held_out_phrasings_and_numbers_never_appear_in_training():
    rng = np.random.default_rng(2)
    train = [T.sample_question(rng) for _ in range(300)]
    test = T.test_set(per_template=5)
    held_out = {name: spec[3][-1] for name, spec in T.TEMPLATES.items()}
    assert all(q.phrasing < len(T.TEMPLATES[q.template][3]) - 1 for q in train)
    assert all(q.phrasing == len(T.TEMPLATES[q.template][3]) - 1 for q in test)
    train_texts = {" ".join(q.words) for q in train}
    assert not any(held_out[q.template].split()[0] == "{" for q in test)
    assert all(" ".join(q.words) not in train_texts for q in test)
    assert all(n % 2 == 0 for q in train for n in q.numbers)
    assert all(n % 2 == 1 for q in test for n in q.numbers)


def test_test_set_is_fixed_and_every_word_is_in_the_vocabulary():
    first, second = T.test_set(per_template=3), T.test_set(per_template=3)
    assert [q.text for q in first] == [q.text for q in second]
    assert all(w in T.WORD_ID for q in first for w in q.words)


def test_encode_pads_and_points_at_the_numbers():
    rng = np.random.default_rng(3)
    questions = [T.sample_question(rng) for _ in range(6)]
    batch = T.encode(questions)
    for b, q in enumerate(questions):
        assert batch.word_mask[b].sum() == len(q.words)
        for k, _ in enumerate(q.numbers):
            assert T.VOCABULARY[batch.word_ids[b, batch.number_positions[b, k]]] == T.NUMBER_TOKEN
        assert batch.row_mask[b].sum() == q.table.shape[0]
        assert [T.VOCABULARY[i] for i in batch.column_ids[b, :len(q.columns)]] == q.columns


def test_same_program_accepts_gold_and_rejects_a_wrong_program():
    rng = np.random.default_rng(4)
    q = T.make_question("count_and", rng)
    gold = q.gold_program()
    assert T.same_program(gold, q)
    padded = [("reset", None, None)] + gold[:-1] + [gold[-1]]
    assert not T.same_program(padded[1:-1] + [("sum", gold[0][1], None)], q)
    swapped = [("lesser",) + gold[0][1:]] + gold[1:]
    assert not T.same_program(swapped, q)


def test_arithmetic_questions_answers_and_split():
    rng = np.random.default_rng(5)
    train = [A.sample_question(rng) for _ in range(300)]
    test = A.test_set(200)
    train_tuples = {tuple(q.numbers) for q in train}
    assert not train_tuples & {tuple(q.numbers) for q in test}
    q = A.make_question([t[0] for t in A.TEMPLATES].index("subtract_from_product"), [2, 3, 4])
    assert q.answer == 3 * 4 - 2 and q.text == "subtract 2 from the product of 3 and 4"
    batch = A.encode(train[:8])
    for b, question in enumerate(train[:8]):
        for k in range(len(question.numbers)):
            assert A.VOCABULARY[batch.word_ids[b, batch.number_positions[b, k]]] == A.NUMBER_TOKEN


def test_curriculum_sampling_draws_only_one_step_templates():
    assert [A.TEMPLATES[i][0] for i in A.ONE_STEP_TEMPLATES] == \
        ["plus", "add", "minus", "subtract_from", "times", "multiply", "divided", "divide"]
    batch = A.sample_batch(200, np.random.default_rng(5), templates=A.ONE_STEP_TEMPLATES)
    names = {q.template for q in batch.questions}
    assert names == {A.TEMPLATES[i][0] for i in A.ONE_STEP_TEMPLATES}
    assert batch.number_mask.shape[1] == 2


def test_word_dropout_keeps_numbers_column_names_and_padding():
    rng = np.random.default_rng(6)
    batch = T.sample_batch(40, rng)
    dropped = T.drop_words(batch, 0.5, np.random.default_rng(0))
    changed = dropped.word_ids != batch.word_ids
    assert 0.3 < changed.sum() / (batch.word_mask.sum() - 40 * 3) < 0.7   # about half the other words
    assert np.all(dropped.word_ids[changed] == T.WORD_ID[T.PAD_TOKEN])
    for b, q in enumerate(batch.questions):
        words = [T.VOCABULARY[i] for i in dropped.word_ids[b][batch.word_mask[b] > 0]]
        kept = [w for w, original in zip(words, q.words) if original == T.NUMBER_TOKEN or original in q.columns]
        assert kept == [w for w in q.words if w == T.NUMBER_TOKEN or w in q.columns]
    np.testing.assert_array_equal(dropped.word_mask, batch.word_mask)
    assert np.array_equal(T.drop_words(batch, 0.0, rng).word_ids, batch.word_ids)
