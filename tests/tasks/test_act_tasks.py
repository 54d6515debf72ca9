"""The ACT paper's tasks (parity, logic, addition): targets recomputed independently, shapes,
masks, seeding, and a short seeded training of each experiment."""
import numpy as np
import pytest

from tinyaug.tasks import TASKS, make_task
from tinyaug.tasks.addition import NO_DIGIT, Addition, digits_of
from tinyaug.tasks.logic import GATE_NAMES, Logic
from tinyaug.tasks.parity import Parity
import tinyaug as ta
import tinyaug.experiments.act  # noqa: F401  (registers the experiments)
from tinyaug.training import loop


def test_parity_vectors_and_targets(rng):
    inputs, targets, mask = Parity().batch(200, rng)
    assert inputs.shape == (1, 200, 64) and targets.shape == (1, 200, 1) and mask.shape == (1, 200)
    nonzero = (inputs[0] != 0).sum(axis=1)
    assert nonzero.min() >= 1 and nonzero.max() <= 64 and len(np.unique(nonzero)) > 30
    assert set(np.unique(inputs)) <= {-1.0, 0.0, 1.0}
    for vector, target in zip(inputs[0], targets[0, :, 0]):
        assert target == sum(1 for v in vector if v == 1.0) % 2
    fixed, _, _ = Parity().batch(5, rng, nonzero=64)
    assert (fixed != 0).all()


@pytest.mark.parametrize("placement", ["random", "prefix"])
def test_parity_distribution_counts_signs_and_positions(placement):
    # The distribution of §3.1: k ~ U{1..64} entries set, each +1 or −1 with probability 1/2,
    # target = parity of the number of +1s; "prefix" puts the k entries first.
    rng = np.random.default_rng(11)
    task = Parity(placement=placement)
    inputs, targets, _ = task.batch(12800, rng)
    vectors = inputs[0]
    nonzero = vectors != 0
    counts = nonzero.sum(axis=1)
    histogram = np.bincount(counts, minlength=65)
    assert histogram[0] == 0 and histogram[1:].min() > 140 and histogram[1:].max() < 265  # ≈ 200 each
    assert abs(nonzero.mean() - 32.5 / 64) < 0.01               # fraction of ±1 entries ≈ 0.508
    assert abs((vectors > 0).sum() / nonzero.sum() - 0.5) < 0.01  # signs balanced
    np.testing.assert_array_equal(targets[0, :, 0], (vectors == 1).sum(axis=1) % 2)
    assert abs(targets.mean() - 0.5) < 0.02
    positions = np.arange(64)[None, :]
    is_prefix = (nonzero == (positions < counts[:, None])).all(axis=1)
    if placement == "prefix":
        assert is_prefix.all()
    else:  # every position is used about equally often
        assert is_prefix.mean() < 0.05
        per_position = nonzero.mean(axis=0)
        assert per_position.min() > 0.47 and per_position.max() < 0.55


def test_parity_placement_option_reaches_the_experiment():
    experiment, _ = loop.build_experiment("parity", "act-rnn", {"size": 6, "placement": "prefix",
                                                                 "hidden_size": 4})
    assert experiment.task_generator.placement == "prefix"
    with pytest.raises(ValueError, match="parity: placement"):
        Parity(placement="middle")


def test_tasks_are_registered_and_seeded():
    assert {"parity", "logic", "addition"} <= set(TASKS)
    for name in ("parity", "logic", "addition"):
        first = make_task(name).batch(8, np.random.default_rng(3))
        second = make_task(name).batch(8, np.random.default_rng(3))
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)


_GATES = {"NOR": lambda p, q: not (p or q), "Xq": lambda p, q: (not p) and q,
          "ABJ": lambda p, q: p and not q, "XOR": lambda p, q: p != q,
          "NAND": lambda p, q: not (p and q), "AND": lambda p, q: p and q,
          "XNOR": lambda p, q: p == q, "if/then": lambda p, q: (not p) or q,
          "then/if": lambda p, q: p or not q, "OR": lambda p, q: p or q}


def test_logic_targets_follow_the_gate_chain(rng):
    task = Logic()
    inputs, targets, mask = task.batch(64, rng)
    assert inputs.shape[2] == 102 and task.input_size == 102
    lengths = mask.sum(axis=0).astype(int)
    assert lengths.min() >= 1 and lengths.max() <= 10
    for i in range(64):
        previous_target = None
        for t in range(lengths[i]):
            vector = inputs[t, i]
            first = bool(vector[0]) if t == 0 else previous_target
            if t > 0:
                assert vector[0] == 0  # later vectors do not show b_0
            bits = [first, bool(vector[1])]
            chunks = vector[2:].reshape(10, 10)
            count = int(chunks.sum())
            assert 1 <= count <= 10 and (chunks[:count].sum(axis=1) == 1).all()
            for gate in chunks[:count].argmax(axis=1):
                bits.append(bool(_GATES[GATE_NAMES[gate]](bits[-2], bits[-1])))
            assert targets[t, i, 0] == bits[-1]
            previous_target = bits[-1]
        assert not inputs[lengths[i]:, i].any() and not mask[lengths[i]:, i].any()


def test_addition_targets_are_running_sums(rng):
    task = Addition()
    inputs, targets, mask = task.batch(64, rng)
    assert task.output_size == 66 and inputs.shape[2] == 50 and targets.shape[2] == 6
    for i in range(64):
        running = 0
        live = inputs[:, i].any(axis=1)
        length = int(live.sum())
        assert live[:length].all() and 1 <= length <= 5
        assert mask[0, i] == 0 and (mask[1:length, i] == 1).all() and not mask[length:, i].any()
        for t in range(length):
            chunks = inputs[t, i].reshape(5, 10)
            digits = int(chunks.sum())
            assert 1 <= digits <= 5 and (chunks[:digits].sum(axis=1) == 1).all()
            running += sum(int(d) * 10 ** k for k, d in enumerate(chunks[:digits].argmax(axis=1)))
            if t >= 1:
                expected = [int(c) for c in reversed(str(running))] + [NO_DIGIT] * (6 - len(str(running)))
                assert targets[t, i].tolist() == expected
    np.testing.assert_array_equal(digits_of(np.array([0, 907]), 4), [[0, 10, 10, 10], [7, 0, 9, 10]])


def test_bad_task_parameters_are_clear_errors(rng):
    with pytest.raises(ValueError, match="parity: nonzero"):
        Parity(size=8).batch(2, rng, nonzero=9)
    with pytest.raises(TypeError, match="logic: unknown override"):
        Logic().batch(2, rng, digits=3)
    with pytest.raises(ValueError, match="addition"):
        Addition(max_numbers=0)


def _short_run(task, model, steps, **overrides):
    experiment, config = loop.build_experiment(task, model, overrides)
    history = [experiment.train_step(step) for step in range(steps)]
    return experiment, history


def test_parity_act_smoke_training_loss_falls():
    # 3-element parity, a small RNN: seconds, seeded.
    experiment, history = _short_run("parity", "act-rnn", 40, size=3, hidden_size=24,
                                     batch_size=32, lr=0.01, tau=1e-3)
    first = np.mean([h["task_loss"] for h in history[:10]])
    last = np.mean([h["task_loss"] for h in history[-10:]])
    assert last < 0.8 * first
    metrics = experiment.evaluate(np.random.default_rng(5))
    assert set(metrics) == {"error", "mean_ponder", "mean_steps"}
    assert metrics["mean_steps"] >= 1 and metrics["mean_ponder"] >= 2


@pytest.mark.parametrize("task,model", [("logic", "act-lstm"), ("addition", "act-lstm"),
                                        ("addition", "repeat-lstm"), ("parity", "rnn")])
def test_other_experiments_take_steps(task, model):
    experiment, history = _short_run(task, model, 3, hidden_size=8, batch_size=4, eval_batch_size=8)
    assert all(np.isfinite(h["loss"]) for h in history)
    metrics = experiment.evaluate(np.random.default_rng(1))
    assert 0.0 <= metrics["error"] <= 1.0 and metrics["mean_steps"] >= 1


@pytest.mark.parametrize("model", ["act-rnn", "repeat-rnn"])
def test_stacked_glorot_init_shares_one_bound_and_zeroes_the_bias(model):
    experiment, _ = loop.build_experiment("parity", model, {"size": 40, "hidden_size": 60,
                                                            "init": "glorot-stacked"})
    cell = experiment.model.core.cell
    bound = np.sqrt(6.0 / (41 + 60 + 60))
    for weight in (cell.weight_input, cell.weight_hidden):
        values = np.asarray(ta.to_numpy(weight))
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    assert not np.asarray(ta.to_numpy(cell.bias)).any()
    default, _ = loop.build_experiment("parity", model, {"size": 40, "hidden_size": 60})
    recurrent = np.asarray(ta.to_numpy(default.model.core.cell.weight_hidden))
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(60), atol=1e-5)  # orthogonal
    with pytest.raises(ValueError, match="init must be"):
        loop.build_experiment("parity", model, {"size": 4, "hidden_size": 4, "init": "he"})


@pytest.mark.parametrize("task", ["addition", "logic"])
def test_difficulty_sweep_and_example_figure(task, tmp_path):
    from tinyaug.experiments.act import difficulty_figure, difficulty_sweep, example_ponder_figure
    experiment, _ = loop.build_experiment(task, "act-lstm", {"hidden_size": 8})
    name, values, errors, steps = difficulty_sweep(experiment, examples=6)
    assert name == {"addition": "digits", "logic": "gates"}[task]
    assert list(values) == list(range(1, len(values) + 1)) and len(values) in (5, 10)
    assert errors.shape == steps.shape == values.shape
    assert ((0 <= errors) & (errors <= 1)).all() and (steps >= 1).all()
    difficulty_figure(experiment, str(tmp_path / "d.png"), examples=4)
    example_ponder_figure(experiment, str(tmp_path / "e.png"))
    assert (tmp_path / "d.png").stat().st_size > 0 and (tmp_path / "e.png").stat().st_size > 0


def test_learning_rate_drops_once_at_the_configured_step():
    experiment, _ = loop.build_experiment("parity", "rnn", {"size": 4, "hidden_size": 4, "lr": 0.003,
                                                            "lr_drop_step": 10, "lr_drop_factor": 0.1})
    assert experiment.learning_rate(9) == pytest.approx(0.003)
    assert experiment.learning_rate(10) == pytest.approx(0.0003)
    experiment.train_step(12)
    assert experiment.optimizer.lr == pytest.approx(0.0003)
    constant, _ = loop.build_experiment("parity", "rnn", {"size": 4, "hidden_size": 4})
    assert constant.learning_rate(10 ** 6) == pytest.approx(constant.config["lr"])
