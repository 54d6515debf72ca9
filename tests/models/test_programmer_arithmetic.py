"""The arithmetic programmer's answer-only losses: the enumerated program distribution is a
distribution, it agrees with executing each program, and training on it finds two-step programs."""
import itertools

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.experiments import programmer as experiments
from tinyaug.models.programmer import arithmetic as AM
from tinyaug.tasks import arithmetic as A
from tinyaug.training import loop


def _model(seed=0, **kwargs):
    return AM.ArithmeticProgrammer(len(A.VOCABULARY), 8, 12, rng=np.random.default_rng(seed), **kwargs)


def _slot_name(slot, count):
    return f"n{slot}" if slot < count else f"s{slot - count}"


def test_enumerated_programs_match_brute_force_execution():
    # P(answer right) from expected_program_loss equals the sum, over every discrete program,
    # of its probability times whether run_program's answer is right.
    batch = A.encode([A.make_question(8, [3, 4, 5]), A.make_question(2, [9, 2]), A.make_question(11, [6, 2, 4])])
    with ta.no_grad():
        record = _model(1)(batch)

    def right(values, answers):
        return (np.abs(ta.to_numpy(values) - ta.to_numpy(answers)) <= 1e-6 * np.maximum(1, np.abs(ta.to_numpy(answers)))) * 1.0

    xp = record["answer"].xp
    got = ta.to_numpy(AM.expected_program_loss(record, batch.numbers, batch.number_mask, batch.answers,
                                               lambda v, a: xp.asarray(right(v, a)), reduce=False).data)
    count = batch.numbers.shape[1]
    for b, question in enumerate(batch.questions):
        total = 0.0
        choices = [range(len(AM.ARITHMETIC_OPERATIONS)), range(count), range(count),
                   range(len(AM.ARITHMETIC_OPERATIONS)), range(count + 1), range(count + 1)]
        for o1, a1, b1, o2, a2, b2 in itertools.product(*choices):
            probability = 1.0
            for t, (o, x, y) in enumerate([(o1, a1, b1), (o2, a2, b2)]):
                probability *= (record["operation_weights"][t].numpy()[b, o]
                                * record["first_pointer"][t].numpy()[b, x] * record["second_pointer"][t].numpy()[b, y])
            if probability == 0.0:
                continue  # a padded number slot
            program = [(AM.ARITHMETIC_OPERATIONS[o1], _slot_name(a1, count), _slot_name(b1, count)),
                       (AM.ARITHMETIC_OPERATIONS[o2], _slot_name(a2, count), _slot_name(b2, count))]
            value = AM.run_program(program, list(batch.numbers[b]))
            total += probability * float(abs(value - question.answer) <= 1e-6 * max(1, abs(question.answer)))
        assert got[b] == pytest.approx(total, rel=1e-4, abs=1e-7)
        assert 0 < got[b] < 1


def test_program_probabilities_sum_to_one_and_reach_the_selectors():
    batch = A.sample_batch(6, np.random.default_rng(2))
    model = _model(3)
    record = model(batch)
    xp = record["answer"].xp
    ones = AM.expected_program_loss(record, batch.numbers, batch.number_mask, batch.answers,
                                    lambda v, a: xp.ones(v.shape), reduce=False)
    np.testing.assert_allclose(ones.numpy(), 1.0, rtol=1e-5)
    loss = AM.expected_program_loss(record, batch.numbers, batch.number_mask, batch.answers,
                                    lambda v, a: xp.abs(v - a))
    loss.backward()
    assert float(np.abs(ta.to_numpy(model.first_query.weight.grad)).sum()) > 0
    assert float(np.abs(ta.to_numpy(model.operation_embeddings.grad)).sum()) > 0


def test_too_many_programs_is_a_clear_error():
    batch = A.sample_batch(2, np.random.default_rng(0))
    model = AM.ArithmeticProgrammer(len(A.VOCABULARY), 8, 12, steps=4, rng=np.random.default_rng(0))
    record = model(batch)
    with pytest.raises(ValueError, match="expected_program_loss: .* programs per question"):
        AM.expected_program_loss(record, batch.numbers, batch.number_mask, batch.answers,
                                 lambda v, a: v * 0)


def test_previous_step_bias_favours_the_previous_output():
    batch = A.sample_batch(8, np.random.default_rng(4))
    with ta.no_grad():
        plain = _model(0)(batch)["first_pointer"][1].numpy()
        biased = _model(0, previous_step_bias=5.0)(batch)["first_pointer"][1].numpy()
    assert np.all(biased[:, -1] > plain[:, -1]) and np.all(biased[:, -1] > 0.9)
    with ta.no_grad():  # the first step has no earlier output to favour
        np.testing.assert_allclose(_model(0, previous_step_bias=5.0)(batch)["first_pointer"][0].numpy(),
                                   _model(0)(batch)["first_pointer"][0].numpy(), rtol=1e-6)


def test_likelihood_training_learns_a_two_step_template():
    # 60 steps on "add a and b then multiply by c" alone: the argmax program becomes
    # add(n0, n1) -> multiply(s0, n2) on held-out tuples (the soft loss never found it).
    experiment, _ = loop.build_experiment("arithmetic", "neural-programmer",
                                          {"seed": 0, "hidden_size": 16, "embedding_size": 8,
                                           "gradient_noise": 0.0, "lr": 0.02, "batch_size": 16})
    rng = np.random.default_rng(0)
    for step in range(60):
        batch = A.sample_batch(16, rng, templates=[8])
        loss = experiment.loss(experiment.model(batch), batch)
        experiment._update(loss, step)
    questions = [q for q in A.test_set(200) if q.template == "add_then_multiply"][:10]
    _, programs = experiment.predictions(questions)
    assert all(experiments._same_arithmetic_program(p, q) for p, q in zip(programs, questions))


def test_unknown_loss_form_is_rejected():
    experiment, _ = loop.build_experiment("arithmetic", "neural-programmer",
                                          {"hidden_size": 8, "embedding_size": 8, "loss_form": "bogus"})
    batch = A.sample_batch(2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="loss_form must be"):
        experiment.loss(experiment.model(batch), batch)
