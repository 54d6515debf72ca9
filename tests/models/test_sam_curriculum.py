"""The SAM experiments' length curriculum (``curriculum_start_length``, experiments/sam.py)."""
from __future__ import annotations

import numpy as np
import pytest

SMALL = {"memory": "24x6", "controller_size": 8, "batch_size": 2, "validation_sequences": 4,
         "bits": 3, "max_length": 9}


def build(**settings):
    from tinyaug.experiments import discover
    from tinyaug.training.loop import build_experiment
    discover()
    return build_experiment("copy", "sam", {**SMALL, **settings})


def spy_lengths(experiment) -> list[int]:
    """Record the length of every batch the task generator draws (input time = 2L + 1)."""
    seen, generator = [], experiment.task_generator
    original = generator.batch

    def batch(size, rng, **options):
        result = original(size, rng, **options)
        seen.append((result[0].shape[0] - 1) // 2)
        return result

    generator.batch = batch
    return seen


def test_curriculum_grows_the_longest_training_length_and_caps_it():
    experiment, config = build(curriculum_start_length=2, curriculum_increment=3,
                               curriculum_window=2, curriculum_threshold=1e9)
    seen = spy_lengths(experiment)
    limits = [experiment.train_step(step)["curriculum_length"] for step in range(8)]
    assert limits == [2, 2, 5, 5, 8, 8, 9, 9]            # grows every 2 steps, stops at max_length
    assert all(1 <= length <= limit for length, limit in zip(seen, limits))
    assert experiment.curriculum_length == 9


def test_curriculum_waits_for_the_threshold():
    experiment, _ = build(curriculum_start_length=3, curriculum_window=2, curriculum_threshold=1e-9)
    seen = spy_lengths(experiment)
    for step in range(4):
        assert experiment.train_step(step)["curriculum_length"] == 3
    assert max(seen) <= 3


def test_curriculum_off_by_default_and_evaluation_uses_the_whole_range():
    experiment, config = build()
    assert config["curriculum_start_length"] == 0
    assert "curriculum_length" not in experiment.train_step(0)
    experiment, _ = build(curriculum_start_length=2, curriculum_threshold=1e-9)
    seen = spy_lengths(experiment)
    experiment.evaluate(np.random.default_rng(0))   # 64 evaluation sequences of lengths 1-9
    assert max(seen) > 2


def test_curriculum_state_survives_a_checkpoint(tmp_path):
    from tinyaug.training.loop import load_checkpoint, save_checkpoint
    experiment, _ = build(curriculum_start_length=2, curriculum_increment=2, curriculum_window=3,
                          curriculum_threshold=1e9)
    for step in range(4):
        experiment.train_step(step)
    assert experiment.curriculum_length == 4 and len(experiment.curriculum_recent) == 1
    save_checkpoint(str(tmp_path), experiment, 4, 0.0)
    restored, _ = build(curriculum_start_length=2, curriculum_increment=2, curriculum_window=3,
                          curriculum_threshold=1e9)
    load_checkpoint(str(tmp_path), restored)
    assert restored.curriculum_length == 4
    assert restored.curriculum_recent == experiment.curriculum_recent


def test_curriculum_settings_are_checked():
    from tinyaug.experiments import discover
    from tinyaug.training.loop import build_experiment
    discover()
    with pytest.raises(ValueError, match="curriculum_start_length needs a task with a length"):
        build_experiment("associative-recall", "sam", {"curriculum_start_length": 2})
    with pytest.raises(ValueError, match=r"curriculum_start_length = 30 must lie in the task's lengths \[1, 9\]"):
        build(curriculum_start_length=30)
    with pytest.raises(ValueError, match="curriculum_increment and curriculum_window"):
        build(curriculum_start_length=2, curriculum_increment=0)
