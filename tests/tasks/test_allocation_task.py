"""The memory allocation test: layout of each episode, seeding, overrides and errors."""
import numpy as np
import pytest

from tinyaug.tasks import make_task


def test_episode_layout_and_targets():
    task = make_task("allocation", bits=5, sequences=3, min_length=2, max_length=4)
    assert (task.input_size, task.output_size) == (7, 5)
    inputs, targets, mask = task.batch(1, np.random.default_rng(0), lengths=(2, 4, 3))
    assert inputs.shape == (2 * 9 + 3, 1, 7) and targets.shape == (21, 1, 5) and mask.shape == (21, 1)
    t = 0
    for length in (2, 4, 3):
        shown = inputs[t:t + length, 0, :5]
        assert inputs[t:t + length, 0, 5:].sum() == 0                     # no flags while shown
        assert inputs[t + length, 0, 5] == 1 and inputs[t + length, 0, :5].sum() == 0   # delimiter
        recall = slice(t + length + 1, t + 2 * length + 1)
        assert (inputs[recall, 0, 6] == 1).all() and inputs[recall, 0, :6].sum() == 0   # recall flag
        np.testing.assert_array_equal(targets[recall, 0], shown)         # recalled right after
        assert mask[recall, 0].all() and mask[t:t + length + 1, 0].sum() == 0
        t += 2 * length + 1


def test_seeded_and_padded():
    task = make_task("allocation")
    first = task.batch(8, np.random.default_rng(3))
    second = task.batch(8, np.random.default_rng(3))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    inputs, targets, mask = first
    steps = mask.sum(axis=0)                                              # recall steps = vectors shown
    assert ((steps >= 4 * 4) & (steps <= 4 * 8)).all()
    assert inputs.shape[0] == int((2 * steps + 4).max())


def test_default_sizes_overflow_a_sixteen_row_memory():
    """The defaults need reuse: nearly every episode has more vectors than 16 rows, no single
    sequence has more than 16."""
    task = make_task("allocation")
    assert task.max_length <= 16
    assert task.overflow_fraction(16) > 0.99


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="sequences"):
        make_task("allocation", sequences=0)
    with pytest.raises(ValueError, match="length"):
        make_task("allocation", min_length=5, max_length=3)
    with pytest.raises(ValueError, match="lengths"):
        make_task("allocation").batch(2, np.random.default_rng(0), lengths=(1, 2))
