"""The LSTM-controller copy recipe (``tinyaug train --task copy --model ntm --recipe
lstm-controller``, tinyaug/experiments/ntm_recipes.py): it is registered, its settings (the
controller, which a stage cannot change, and the rest) and its stages take effect, an explicit
setting wins over the recipe's, config.json records what ran and a resumed run keeps it."""
import json

import numpy as np
import pytest

from tinyaug.cli import main
from tinyaug.experiments import discover
from tinyaug.nn.lstm import LSTMCell
from tinyaug.training import loop

discover()
from tinyaug.experiments import ntm_recipes  # noqa: E402
from tinyaug.experiments.ntm import CopyNTM  # noqa: E402
from tinyaug.experiments.ntm_recipes import RECIPES  # noqa: E402

NAME = "lstm-controller"
TINY = {"memory": "8x4", "controller_size": 8, "bits": 3, "max_length": 3,
        "validation_sequences": 4, "eval_batch_size": 4}


def tiny_config(**overrides):
    return {**loop.LOOP_DEFAULTS, **CopyNTM.default_config(), **TINY, "recipe": NAME, **overrides}


def test_the_recipe_is_registered_for_copy_and_chooses_the_lstm_controller():
    chosen = RECIPES[("copy", NAME)]
    assert chosen["settings"]["controller"] == "lstm"
    assert CopyNTM.default_config()["controller"] == "feedforward"  # so the recipe changes it
    assert ntm_recipes.recipe("copy", NAME) is chosen


def test_its_settings_and_stages_take_effect():
    chosen = RECIPES[("copy", NAME)]
    config = tiny_config()
    experiment = CopyNTM(config, np.random.default_rng(0))
    assert isinstance(experiment.model.cell.controller, LSTMCell)
    assert config["steps"] == chosen["steps"]
    assert config["stages"] == chosen["stages"]
    for key, value in chosen["settings"].items():
        if key not in TINY:
            assert config[key] == value, key
    # every stage puts its settings in force, each in turn
    schedule = experiment.schedule
    assert len(schedule) == len(chosen["stages"])
    for index, stage in enumerate(chosen["stages"]):
        assert schedule.stage_at(stage["from_step"]) == index
        in_force = schedule.config(index)
        for key, value in stage.items():
            if key != "from_step":
                assert in_force[key] == value, (index, key)
    optimizer = chosen["stages"][0].get("optimizer", config["optimizer"])
    assert type(experiment.optimizer.current).__name__.lower() == optimizer


def test_an_explicit_setting_wins_over_the_recipe(monkeypatch):
    monkeypatch.setitem(RECIPES, ("copy", "test-settings"), {
        "steps": 7, "settings": {"controller": "lstm", "memory": "16x4", "lr": 3e-4},
        "stages": [{"from_step": 0}]})
    config = tiny_config(recipe="test-settings", steps=5)
    experiment = CopyNTM(config, np.random.default_rng(0))
    # memory and steps were given (they differ from the defaults); controller and lr were not
    assert (config["memory"], config["steps"], config["controller"], config["lr"]) == ("8x4", 5, "lstm", 3e-4)
    assert experiment.model.cell.memory_rows == 8 and isinstance(experiment.model.cell.controller, LSTMCell)
    assert experiment.optimizer.lr == pytest.approx(3e-4)


@pytest.mark.parametrize("settings, message", [
    ({"steps": 5}, "settings sets 'steps', which it cannot change"),
    ({"controler": "lstm"}, "unknown setting 'controler'"),
])
def test_bad_recipe_settings_are_clear_errors(monkeypatch, settings, message):
    monkeypatch.setitem(RECIPES, ("copy", "test-bad"), {"steps": 7, "settings": settings,
                                                        "stages": [{"from_step": 0}]})
    with pytest.raises(ValueError, match=message):
        CopyNTM(tiny_config(recipe="test-bad"), np.random.default_rng(0))


def test_the_command_line_shows_the_expanded_recipe(capsys):
    assert main(["train", "--task", "copy", "--model", "ntm", "--recipe", NAME, "--dry-run"]) == 0
    printed = json.loads(capsys.readouterr().out)
    chosen = RECIPES[("copy", NAME)]
    assert printed["config"]["controller"] == "lstm"
    assert printed["config"]["steps"] == chosen["steps"]
    assert printed["config"]["stages"] == chosen["stages"]


def test_a_resumed_recipe_run_keeps_what_config_json_recorded(tmp_path):
    run_dir = str(tmp_path / "run")
    overrides = {**TINY, "recipe": NAME, "steps": 4, "eval_every": 2, "checkpoint_every": 2,
                 "log_every": 1}
    experiment, config = loop.build_experiment("copy", "ntm", overrides)
    summary = loop.train(experiment, config, run_dir, progress="quiet", make_figures=False)
    assert summary["step"] == 4
    restored, restored_config, step, _ = loop.restore_run(run_dir, steps=6)
    assert step == 4 and restored_config["controller"] == "lstm"
    assert restored_config["stages"] == RECIPES[("copy", NAME)]["stages"]
    assert isinstance(restored.model.cell.controller, LSTMCell)


def test_zero_vector_fraction_zeroes_one_vector_anywhere_in_input_and_target():
    from tinyaug.experiments.ntm import _ZeroVector
    from tinyaug.tasks import make_task
    copy = make_task("copy", min_length=1, max_length=6)
    inputs, targets, mask = _ZeroVector(copy, 1.0, "anywhere").batch(400, np.random.default_rng(0))
    positions = []
    for index in range(400):
        length = int(mask[:, index].sum())
        vectors = inputs[:length, index, :8]
        zero_rows = np.nonzero(~vectors.any(axis=1))[0]
        assert len(zero_rows) >= 1
        positions.extend(zero_rows / max(length - 1, 1))
        # the target is still the input, zero vector included
        np.testing.assert_array_equal(targets[length + 1:2 * length + 1, index], vectors)
        assert inputs[length, index, 8] == 1.0  # the delimiter is untouched
    # first, middle and last positions all occur
    assert min(positions) == 0.0 and max(positions) == 1.0 and 0.2 < np.mean(positions) < 0.8
    untouched = _ZeroVector(copy, 0.0, "anywhere").batch(400, np.random.default_rng(0))[0]
    np.testing.assert_array_equal(untouched, copy.batch(400, np.random.default_rng(0))[0])
    with pytest.raises(ValueError, match="zero_vector_fraction applies to copy only"):
        from tinyaug.experiments.ntm import RepeatCopyNTM
        config = {**loop.LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "zero_vector_fraction": 0.5,
                  "memory": "8x4", "controller_size": 8}
        RepeatCopyNTM(config, np.random.default_rng(0)).train_step(0)


def test_zero_last_fraction_zeroes_the_last_vector_in_input_and_target():
    from tinyaug.experiments.ntm import _ZeroVector
    from tinyaug.tasks import make_task
    copy = make_task("copy", min_length=1, max_length=6)
    inputs, targets, mask = _ZeroVector(copy, 1.0, "last").batch(100, np.random.default_rng(0))
    for index in range(100):
        length = int(mask[:, index].sum())
        assert not inputs[length - 1, index, :8].any() and inputs[length, index, 8] == 1.0
        np.testing.assert_array_equal(targets[length + 1:2 * length + 1, index], inputs[:length, index, :8])
    config = tiny_config(recipe="", zero_last_fraction=1.0, batch_size=4, steps=2)
    experiment = CopyNTM(config, np.random.default_rng(0))
    experiment.train_step(0)  # runs with the wrapper in place, and takes it off again
    assert not isinstance(experiment.task_generator, _ZeroVector)
