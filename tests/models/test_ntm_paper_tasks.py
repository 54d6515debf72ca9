"""The NTM on repeat copy, associative recall and priority sort: shared-length batches for
repeat copy, and each experiment fitting one fixed batch (the trained numbers are in
docs/sections/ntm.md)."""
import numpy as np
import pytest

from tinyaug.experiments.ntm import (AssociativeRecallNTM, PrioritySortNTM, RepeatCopyNTM,
                                     _SharedLength)
from tinyaug.tasks import make_task
from tinyaug.training.loop import LOOP_DEFAULTS


def test_shared_length_draws_one_length_and_one_repeat_count_per_batch():
    task = make_task("repeat-copy")
    shared = _SharedLength(task)
    seen = set()
    rng = np.random.default_rng(0)
    for _ in range(200):
        inputs, targets, mask = shared.batch(6, rng)
        answer_steps = mask.sum(axis=0)  # L·R + 1 per sequence
        assert len(set(answer_steps)) == 1  # one (L, R) for the whole batch: no padding
        length = int(np.flatnonzero(inputs[:, 0, 8])[0])
        seen.add((length, int(round(answer_steps[0] - 1)) // length))
    lengths = {length for length, _ in seen}
    repeats = {count for _, count in seen}
    assert lengths == set(range(1, 11)) and repeats == set(range(1, 11))
    # a fixed length or count passed by the caller is kept
    _, _, mask = shared.batch(3, rng, length=4, repeats=7)
    np.testing.assert_array_equal(mask.sum(axis=0), [29, 29, 29])


def test_shared_length_leaves_copy_batches_as_before():
    """Copy has no repeat count: the wrapper draws only the length, from the same stream."""
    copy = make_task("copy")
    rng = np.random.default_rng(5)
    direct = copy.batch(4, rng, length=int(rng.integers(1, 21)))
    wrapped = _SharedLength(copy).batch(4, np.random.default_rng(5))
    for a, b in zip(direct, wrapped):
        np.testing.assert_array_equal(a, b)


class _OneBatch:
    """A task generator that always returns the same batch."""

    def __init__(self, batch) -> None:
        self.fixed = batch

    def batch(self, batch_size, rng, **options):
        return self.fixed


@pytest.mark.parametrize("experiment_class, task_sizes", [
    (RepeatCopyNTM, dict(max_length=3, max_repeats=3)),
    (AssociativeRecallNTM, dict(max_items=3)),
    (PrioritySortNTM, dict(num_inputs=5, num_outputs=4)),
])
def test_paper_task_experiments_fit_a_batch(experiment_class, task_sizes):
    """Each experiment with its own controller, heads and memory initialisation (a small
    model; Adam 1e-2 instead of the slow defaults) fits one fixed batch: 30 seeded steps
    lower the cost per output bit by over 10%. (Fresh batches need thousands of steps to
    leave chance on recall, see docs/sections/ntm.md.)"""
    config = {**LOOP_DEFAULTS, **experiment_class.default_config(), **task_sizes,
              "memory": "12x6", "controller_size": 24, "batch_size": 8, "lr": 1e-2,
              "optimizer": "adam", "clip_norm": 10.0, "clip_value": 0.0, "seed": 1}
    experiment = experiment_class(config, np.random.default_rng(config["seed"]))
    experiment.task_generator = _OneBatch(experiment.task_generator.batch(8, np.random.default_rng(2)))
    costs = [experiment.train_step(step)["loss"] for step in range(30)]
    assert np.isfinite(costs).all()
    assert np.mean(costs[-10:]) < 0.9 * np.mean(costs[:10])


def test_repeats_curriculum_grows_the_largest_training_count_linearly():
    config = {**LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "memory": "8x4",
              "controller_size": 8, "repeats_curriculum_steps": 1000}
    experiment = RepeatCopyNTM(config, np.random.default_rng(0))
    allowed = [experiment._curriculum_max_repeats(step) for step in (0, 99, 100, 550, 999, 1000, 5000)]
    assert allowed == [1, 1, 2, 6, 10, 10, 10]
    rng = np.random.default_rng(1)
    counts = set()
    for _ in range(50):  # only counts up to the allowed largest one are drawn
        inputs, _, mask = _SharedLength(experiment.task_generator, 2).batch(2, rng)
        length = int(np.flatnonzero(inputs[:, 0, 8])[0])
        counts.add(int(mask[:, 0].sum() - 1) // length)
    assert counts == {1, 2}
    off = RepeatCopyNTM({**config, "repeats_curriculum_steps": 0}, np.random.default_rng(0))
    assert off._curriculum_max_repeats(0) is None
