"""Staged NTM training (``stages`` / ``recipe``, tinyaug/training/stages.py): the settings and
the optimizer switch at the right steps, each stage starts from the best-validated parameters,
and a run stopped mid-stage (or at a stage boundary, or in the Adam stage of a run that began
with RMSProp) resumes exactly as if it had never stopped."""
import os
import signal

import numpy as np
import pytest

import tinyaug as ta

from tinyaug.experiments import discover
from tinyaug.training import loop
from tinyaug.training.experiment import register
from tinyaug.training.metrics import read_metrics

discover()
from tinyaug.experiments.ntm import RepeatCopyNTM  # noqa: E402
from tinyaug.experiments.ntm_recipes import RECIPES  # noqa: E402

STAGES = [{"from_step": 0},
          {"from_step": 4, "lr": 1e-5},
          {"from_step": 8, "optimizer": "adam", "lr": 1e-3, "batch_size": 3, "clip_norm": 10.0,
           "clip_value": 0.0, "repeats_curriculum_steps": 0}]
TINY = {"memory": "8x4", "controller_size": 8, "bits": 3, "max_length": 2, "max_repeats": 2,
        "batch_size": 2, "eval_batch_size": 4, "validation_sequences": 6, "steps": 12,
        "eval_every": 2, "checkpoint_every": 2, "log_every": 1, "repeats_curriculum_steps": 4,
        "stages": STAGES}


@register
class StagedTinyRepeatCopy(RepeatCopyNTM):
    """Test-only: a tiny repeat-copy NTM that records what each step trained with, and can
    fake a first Ctrl-C after a chosen step."""
    model_name = "test-staged-ntm"
    defaults = {"sigint_at_step": -1}

    def __init__(self, config, rng):
        super().__init__(config, rng)
        self.seen = []          # (step, stage, optimizer class, its id, its step count, batch size)
        self.entered = []       # (step, stage) at each on_enter_stage
        self._step = None

    def on_enter_stage(self, index):
        self.entered.append((self._step, index))
        super().on_enter_stage(index)
        for p, best in zip(self.model.parameters(), self.best_parameters):
            assert np.array_equal(ta.to_numpy(p.data), best)  # the best-validated parameters

    def forward(self, inputs):
        if self.model.training:
            self._batch_size = inputs.shape[1]
        return super().forward(inputs)

    def train_step(self, step):
        self._step = step
        metrics = super().train_step(step)
        current = self.optimizer.current
        self.seen.append((step, int(metrics["stage"]), type(current).__name__, id(current),
                          current.steps, self._batch_size, self.optimizer.lr))
        if step == self.config["sigint_at_step"]:
            os.kill(os.getpid(), signal.SIGINT)
        return metrics


def run(run_dir, **overrides):
    experiment, config = loop.build_experiment("repeat-copy", "test-staged-ntm", {**TINY, **overrides})
    summary = loop.train(experiment, config, str(run_dir), progress="quiet", make_figures=False)
    return summary, experiment


def state(experiment):
    return ({k: np.asarray(v) for k, v in experiment.model.state_dict().items()},
            experiment.optimizer.state_dict())


def test_stages_switch_settings_and_optimizer_at_their_steps(tmp_path):
    summary, experiment = run(tmp_path / "run")
    assert summary["step"] == 12 and not summary["interrupted"]
    stages = [seen[1] for seen in experiment.seen]
    assert stages == [0] * 4 + [1] * 4 + [2] * 4
    kinds = [seen[2] for seen in experiment.seen]
    assert kinds == ["RMSProp"] * 8 + ["Adam"] * 4
    # RMSProp carries on from stage 0 into stage 1 (same object, its step count goes on);
    # the Adam stage starts a fresh optimizer
    assert len({seen[3] for seen in experiment.seen[:8]}) == 1
    assert [seen[4] for seen in experiment.seen] == [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4]
    assert [seen[6] for seen in experiment.seen] == [1e-4] * 4 + [1e-5] * 4 + [1e-3] * 4
    assert [seen[5] for seen in experiment.seen] == [2] * 8 + [3] * 4
    assert experiment.entered == [(4, 1), (8, 2)]
    assert experiment.config["repeats_curriculum_steps"] == 0 and experiment.config["clip_value"] == 0.0
    columns = loop.read_config(str(tmp_path / "run"))[2]
    assert columns["stages"] == STAGES and columns["optimizer"] == "rmsprop"  # config.json: as started
    metrics = read_metrics(str(tmp_path / "run"))
    logged = np.isfinite(metrics["stage"])
    assert metrics["stage"][logged].tolist() == [0] * 4 + [1] * 4 + [2] * 4


@pytest.mark.parametrize("stop_after", [3, 5, 9], ids=["at-a-boundary", "mid-stage", "in-the-adam-stage"])
def test_a_run_stopped_and_resumed_matches_one_that_never_stopped(tmp_path, stop_after):
    _, whole = run(tmp_path / "whole")
    summary, _ = run(tmp_path / "stopped", sigint_at_step=stop_after)
    assert summary["interrupted"] and summary["step"] == stop_after + 1
    experiment, config, step, wall = loop.restore_run(str(tmp_path / "stopped"))
    assert step == stop_after + 1
    assert experiment.optimizer.stage == experiment.schedule.stage_at(stop_after)
    loop.train(experiment, config, str(tmp_path / "stopped"), start_step=step, wall_time=wall,
               progress="quiet", make_figures=False)
    assert [seen[1:3] + seen[4:] for seen in experiment.seen] == \
        [seen[1:3] + seen[4:] for seen in whole.seen[stop_after + 1:]]
    (params, optimizer), (params_whole, optimizer_whole) = state(experiment), state(whole)
    assert params.keys() == params_whole.keys()
    for key in params:
        np.testing.assert_array_equal(params[key], params_whole[key])
    assert optimizer.keys() == optimizer_whole.keys()
    for key in optimizer:
        np.testing.assert_array_equal(optimizer[key], optimizer_whole[key])
    ours, theirs = read_metrics(str(tmp_path / "stopped")), read_metrics(str(tmp_path / "whole"))
    rows, rows_whole = np.isfinite(ours["eval_bits_per_sequence"]), np.isfinite(theirs["eval_bits_per_sequence"])
    for key in ("step", "eval_bits_per_sequence", "eval_validation_bits_per_sequence", "eval_best_step"):
        np.testing.assert_array_equal(ours[key][rows], theirs[key][rows_whole])


def test_the_repeat_copy_recipe_is_the_documented_chain():
    config = {**loop.LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "memory": "8x4",
              "controller_size": 8, "recipe": "curriculum-rmsprop-adam"}
    experiment = RepeatCopyNTM(config, np.random.default_rng(0))
    assert config["steps"] == 210000 and config["stages"] == RECIPES[("repeat-copy", "curriculum-rmsprop-adam")]["stages"]
    schedule = experiment.schedule
    assert [schedule.stage_at(s) for s in (0, 59999, 60000, 139999, 140000, 209999)] == [0, 0, 1, 1, 2, 2]
    first, second, third = (schedule.config(i) for i in range(3))
    assert (first["optimizer"], first["lr"], first["batch_size"], first["repeats_curriculum_steps"]) == \
        ("rmsprop", 1e-4, 4, 20000)
    assert (second["optimizer"], second["lr"], second["batch_size"]) == ("rmsprop", 1e-5, 4)
    assert (third["optimizer"], third["lr"], third["batch_size"], third["clip_norm"],
            third["clip_value"], third["repeats_curriculum_steps"]) == ("adam", 1e-4, 16, 10.0, 0.0, 0)
    assert type(experiment.optimizer.current).__name__ == "RMSProp"
    # an explicit step count is kept
    config = {**loop.LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "memory": "8x4",
              "controller_size": 8, "recipe": "curriculum-rmsprop-adam", "steps": 500}
    RepeatCopyNTM(config, np.random.default_rng(0))
    assert config["steps"] == 500


def test_the_repeat_copy_default_is_the_curriculum_adam_recipe():
    """``tinyaug train --task repeat-copy --model ntm`` alone: the curriculum stage to 30,000,
    then Adam 1e-4, global-norm clip 10, batch 16, no curriculum, to 100,000;
    ``--recipe ""`` is the first stage alone, for 60,000 steps."""
    small = {"memory": "8x4", "controller_size": 8}
    config = {**loop.LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), **small}
    experiment = RepeatCopyNTM(config, np.random.default_rng(0))
    assert config["recipe"] == "curriculum-adam" and config["steps"] == 100000
    schedule = experiment.schedule
    assert [schedule.stage_at(s) for s in (0, 29999, 30000, 99999)] == [0, 0, 1, 1]
    first, second = schedule.config(0), schedule.config(1)
    assert (first["optimizer"], first["lr"], first["batch_size"], first["clip_value"],
            first["repeats_curriculum_steps"]) == ("rmsprop", 1e-4, 4, 10.0, 20000)
    assert (second["optimizer"], second["lr"], second["batch_size"], second["clip_norm"],
            second["clip_value"], second["repeats_curriculum_steps"]) == ("adam", 1e-4, 16, 10.0, 0.0, 0)
    plain = {**loop.LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), **small, "recipe": ""}
    RepeatCopyNTM(plain, np.random.default_rng(0))
    assert plain["steps"] == 60000 and plain["stages"] == []


def test_bad_recipes_and_stages_are_clear_errors():
    base = {**loop.LOOP_DEFAULTS, **RepeatCopyNTM.default_config(), "memory": "8x4", "controller_size": 8}
    with pytest.raises(ValueError, match="unknown recipe 'nope'; recipes for repeat-copy: "
                                         "curriculum-adam, curriculum-rmsprop-adam"):
        RepeatCopyNTM({**base, "recipe": "nope"}, np.random.default_rng(0))
    for stages, message in (
            ([{"from_step": 5}], "first stage must start at from_step 0"),
            ([{"from_step": 0}, {"from_step": 0, "lr": 1.0}], "stage 1 starts at step 0, not after"),
            ([{"from_step": 0}, {"from_step": 9, "lrr": 1.0}], "stage 1 sets unknown setting 'lrr'"),
            ([{"from_step": 0}, {"from_step": 9, "steps": 1}], "stage 1 sets 'steps', which it cannot change"),
            ([{"lr": 1.0}], "stage 0 needs an integer from_step"),
            ([{"from_step": 0}, {"from_step": 9, "memory": "16x4"}], "stage 1 sets 'memory', which it cannot change"),
            ([{"from_step": 0}, {"from_step": 9, "max_repeats": 5}], "stage 1 sets 'max_repeats', which"),
            ({"from_step": 0}, "stages must be a list of dicts")):
        with pytest.raises(ValueError, match=message):
            RepeatCopyNTM({**base, "stages": stages}, np.random.default_rng(0))
