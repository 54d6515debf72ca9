"""Repeat copy's training-only option ``length_one_fraction`` (docs/sections/ntm.md, repeat copy)."""
import numpy as np
import pytest

from tinyaug.experiments.ntm import RepeatCopyNTM, _LengthOneBatches, _SharedLength
from tinyaug.tasks import make_task
from tinyaug.training.loop import LOOP_DEFAULTS


def _length(inputs: np.ndarray) -> int:
    return int(np.flatnonzero(inputs[:, 0, 8])[0])  # the delimiter's step is L


def test_length_one_batches_draw_length_one_at_the_given_rate():
    wrapped = _SharedLength(_LengthOneBatches(make_task("repeat-copy"), 0.5))
    rng = np.random.default_rng(0)
    lengths = [_length(wrapped.batch(2, rng)[0]) for _ in range(400)]
    share = np.mean(np.array(lengths) == 1)
    assert 0.47 < share < 0.63            # 0.5 + 0.5 / 10 = 0.55 expected
    assert set(lengths) == set(range(1, 11))  # the other batches keep the task's lengths


def test_length_one_fraction_changes_training_batches_only():
    config = {**LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "memory": "8x4",
              "controller_size": 8, "batch_size": 2, "length_one_fraction": 1.0,
              "repeats_curriculum_steps": 0}
    experiment = RepeatCopyNTM(config, np.random.default_rng(0))
    seen = []
    original = experiment.task_generator

    class Recorder:
        min_length, max_length = original.min_length, original.max_length
        min_repeats, max_repeats = original.min_repeats, original.max_repeats

        def batch(self, batch_size, rng, **options):
            batch = original.batch(batch_size, rng, **options)
            seen.append(_length(batch[0]))
            return batch

    experiment.task_generator = Recorder()
    for step in range(5):
        assert np.isfinite(experiment.train_step(step)["loss"])
    assert seen == [1] * 5
    assert experiment.task_generator.__class__ is Recorder  # restored after each step
    experiment.task_generator = original
    lengths = {_length(batch[0]) for batch in [original.batch(1, np.random.default_rng(s)) for s in range(40)]}
    assert len(lengths) > 1  # evaluation batches come from the task's own law


def test_length_one_fraction_outside_zero_one_is_an_error():
    config = {**LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "memory": "8x4",
              "controller_size": 8, "length_one_fraction": 1.5}
    experiment = RepeatCopyNTM(config, np.random.default_rng(0))
    with pytest.raises(ValueError, match="length_one_fraction"):
        experiment.train_step(0)
