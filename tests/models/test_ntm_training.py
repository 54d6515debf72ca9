"""NTM training: a seeded smoke run in the default suite (loss falls, figures are written),
and the copy acceptance run under ``-m slow``."""
import os

import numpy as np
import pytest

from tinyaug.experiments.ntm import CopyNTM, RepeatCopyNTM, evaluate_copy_lengths, parse_memory
from tinyaug.training.loop import LOOP_DEFAULTS


def _experiment(**overrides):
    config = {**LOOP_DEFAULTS, **CopyNTM.default_config(), **overrides}
    return CopyNTM(config, np.random.default_rng(config["seed"]))


def test_parse_memory():
    assert parse_memory("128x20") == (128, 20)
    with pytest.raises(ValueError, match="ROWSxWIDTH"):
        parse_memory("128")


def test_smoke_training_loss_falls_and_figures_are_written(tmp_path):
    experiment = _experiment(memory="12x6", controller_size=24, min_length=1, max_length=3,
                             batch_size=8, lr=1e-2, optimizer="adam", clip_norm=10.0, clip_value=0.0,
                             seed=3)
    losses = [experiment.train_step(step)["loss"] for step in range(40)]
    assert np.isfinite(losses).all()
    assert np.mean(losses[-8:]) < 0.9 * np.mean(losses[:8])
    paths = experiment.plot(str(tmp_path), np.random.default_rng(0))
    names = {os.path.basename(p) for p in paths}
    assert {"generalisation.png", "memory_use.png"} <= names
    for path in paths:
        assert os.path.getsize(path) > 1000


def test_feedforward_controller_trains(tmp_path):
    experiment = _experiment(controller="feedforward", memory="12x6", controller_size=24,
                             min_length=1, max_length=3, batch_size=8, lr=1e-2, optimizer="adam",
                             clip_norm=10.0, clip_value=0.0, seed=3)
    losses = [experiment.train_step(step)["loss"] for step in range(30)]
    assert np.mean(losses[-6:]) < np.mean(losses[:6])


def test_lr_decays_when_the_running_training_cost_falls_below_the_threshold():
    small = dict(memory="8x4", controller_size=8, min_length=1, max_length=2, batch_size=2,
                 lr=1e-3, seed=1, lr_decay_window=3, lr_decay_factor=0.5, lr_decay_times=2)
    never = _experiment(**small, lr_decay_below=1e-9)  # a cost no untrained model reaches
    assert [never.train_step(step)["lr"] for step in range(5)] == [1e-3] * 5
    always = _experiment(**small, lr_decay_below=1e9)
    rates = [always.train_step(step)["lr"] for step in range(8)]
    # "lr" is the rate the step used; a decay after the 3rd and the 6th step (a fresh full
    # window each time), then never again (lr_decay_times=2)
    assert rates == [1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4]


def test_lr_decay_state_survives_a_checkpoint_round_trip():
    small = dict(memory="8x4", controller_size=8, min_length=1, max_length=2, batch_size=2,
                 lr=1e-3, seed=1, lr_decay_window=4, lr_decay_factor=0.5, lr_decay_times=3,
                 lr_decay_below=1e9)
    first = _experiment(**small)
    for step in range(6):
        first.train_step(step)
    second = _experiment(**small)
    second.load_extra_state(first.extra_state())
    assert second.lr_decays_done == first.lr_decays_done == 1
    assert second.recent_bits == first.recent_bits and len(second.recent_bits) == 2
    second.load_extra_state({})  # a checkpoint from before the option existed
    assert second.lr_decays_done == 0 and second.recent_bits == []


def test_zero_first_fraction_zeroes_the_first_vector_in_input_and_target():
    from tinyaug.experiments.ntm import _ZeroVector
    from tinyaug.tasks import make_task
    copy = make_task("copy", min_length=1, max_length=5)
    inputs, targets, mask = _ZeroVector(copy, 1.0, "first").batch(50, np.random.default_rng(0))
    assert not inputs[0, :, :8].any()
    first_output = np.argmax(mask > 0, axis=0)
    assert not targets[first_output, np.arange(50)].any()
    # everything else is the task's own data: the copy relation still holds
    for index in range(50):
        length = int(mask[:, index].sum())
        np.testing.assert_array_equal(targets[length + 1:2 * length + 1, index], inputs[:length, index, :8])
    untouched, _, _ = _ZeroVector(copy, 0.0, "first").batch(50, np.random.default_rng(0))
    assert untouched[0, :, :8].any()
    with pytest.raises(ValueError, match="copy only"):
        config = {**LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "zero_first_fraction": 0.5,
                  "memory": "8x4", "controller_size": 8}
        RepeatCopyNTM(config, np.random.default_rng(0)).train_step(0)


def test_keep_best_restores_the_best_validated_parameters_at_the_last_step():
    experiment = _experiment(memory="8x4", controller_size=8, min_length=1, max_length=2,
                             batch_size=2, steps=3, validation_sequences=120, keep_best=True,
                             lr_decay_below=0.0, zero_first_fraction=0.0, seed=2)
    rng = np.random.default_rng(0)
    first = experiment.evaluate(rng)  # step 0: the untrained model is the best so far
    assert first["best_step"] == 0 and experiment.best_bits == first["validation_bits_per_sequence"]
    from tinyaug import backends
    host = lambda p: backends.backend_of(p.data).to_host(p.data).copy()  # noqa: E731
    kept = [host(p) for p in experiment.model.parameters()]
    experiment.best_bits = -1.0  # pretend nothing later can beat it
    for step in range(3):
        experiment.train_step(step)
    assert any(not np.array_equal(host(p), k) for p, k in zip(experiment.model.parameters(), kept))
    experiment.evaluate(rng)  # the last step's evaluation restores the kept parameters
    for p, k in zip(experiment.model.parameters(), kept):
        np.testing.assert_array_equal(host(p), k)
    restored = _experiment(memory="8x4", controller_size=8, min_length=1, max_length=2,
                           batch_size=2, steps=3, validation_sequences=120, keep_best=True, seed=2)
    restored.load_extra_state(experiment.extra_state())
    assert restored.best_step == 0 and len(restored.best_parameters) == len(kept)


def _score_like_the_acceptance_test(experiment) -> tuple[float, float, dict]:
    """Bits and wrong bits per sequence on 1,000 fresh copy sequences (seed 2024), then wrong
    bits per sequence at lengths 40 and 120 (100 sequences each)."""
    from tinyaug.experiments.sequence import bits_per_sequence, wrong_bits_per_sequence
    rng = np.random.default_rng(2024)
    bits, wrong = [], []
    for _ in range(10):
        batch = experiment.task_generator.batch(100, rng)
        logits = experiment.predict(batch)
        bits.append(bits_per_sequence(logits, batch[1], batch[2]))
        wrong.append(wrong_bits_per_sequence(logits, batch[1], batch[2]))
    return float(np.mean(bits)), float(np.mean(wrong)), evaluate_copy_lengths(experiment, [40, 120], 100, rng)


@pytest.mark.slow
def test_copy_acceptance(tmp_path):
    """The default copy/ntm run (feedforward controller, 20,000 steps) through the training
    loop (5–7 minutes; the loop's evaluations drive the best-model selection). Measured on the
    same model (docs/sections/ntm.md): 0.037 bits and 0 wrong bits per sequence on 1,000
    fresh sequences, 0 wrong bits at lengths 40 and 120. Asserts the project's target (< 0.1
    bits per sequence), < 0.05 wrong bits per sequence, < 1 wrong bit at lengths 40 and 120."""
    from tinyaug.training.loop import build_experiment, train
    experiment, config = build_experiment("copy", "ntm")
    train(experiment, config, str(tmp_path), progress="quiet", make_figures=False)
    bits, wrong, by_length = _score_like_the_acceptance_test(experiment)
    assert bits < 0.1 and wrong < 0.05
    assert by_length[40][1] < 1.0 and by_length[120][1] < 1.0
