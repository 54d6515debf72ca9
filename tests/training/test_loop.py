"""The training loop: a seeded smoke training, metrics.csv, figures, Ctrl-C, bit-for-bit resume."""
import csv
import os
import signal

import numpy as np
import pytest

import tinyaug as ta
from tinyaug import checkpoint
from tinyaug.experiments import discover
from tinyaug.training import loop
from tinyaug.training.experiment import register

discover()
from tinyaug.experiments.lstm import LSTMExperiment  # noqa: E402


@register
class TinyCopyLSTM(LSTMExperiment):
    """Test-only: a small LSTM on 4-bit copy that can fake Ctrl-C at a chosen step."""
    task = "copy"
    model_name = "test-tiny-lstm"
    defaults = {"hidden_size": 16, "bits": 4, "max_length": 2, "batch_size": 8,
                "eval_batch_size": 16, "sigint_at_step": -1, "raise_at_step": -1}

    def train_step(self, step):
        if step == self.config["raise_at_step"]:
            raise KeyboardInterrupt  # a second Ctrl-C arriving mid-step
        metrics = super().train_step(step)
        if step == self.config["sigint_at_step"]:
            os.kill(os.getpid(), signal.SIGINT)  # a first Ctrl-C: finish the step, then stop
        return metrics


SHORT = {"steps": 24, "eval_every": 8, "checkpoint_every": 8, "log_every": 4}


def read_rows(run_dir):
    with open(os.path.join(run_dir, "metrics.csv"), newline="") as file:
        return list(csv.DictReader(file))


def run(run_dir, **overrides):
    experiment, config = loop.build_experiment("copy", "test-tiny-lstm", {**SHORT, **overrides})
    return loop.train(experiment, config, str(run_dir), progress="quiet", make_figures=False), experiment


def test_smoke_training_loss_falls_by_a_large_margin(tmp_path):
    """Seeded: 4-bit copy of lengths 1–2, a 32-unit LSTM, 300 Adam steps."""
    summary, _ = run(tmp_path, steps=300, eval_every=300, checkpoint_every=300, log_every=50,
                     hidden_size=32, batch_size=16, lr=1e-2, eval_batch_size=64)
    rows = read_rows(tmp_path)
    initial = float(rows[0]["eval_bits_per_sequence"])
    final = float(rows[-1]["eval_bits_per_sequence"])
    assert initial > 4.0               # chance: 4 bits × E[L] = 6 bits
    assert final < 0.25 * initial       # the model has learned most of the task
    assert float(rows[-1]["loss"]) < 0.3 * float(rows[1]["loss"])


def test_run_folder_contents(tmp_path):
    summary, _ = run(tmp_path)
    assert summary == {**summary, "step": 24, "interrupted": False}
    assert set(os.listdir(tmp_path)) >= {"config.json", "metrics.csv", "checkpoint.npz"}
    rows = read_rows(tmp_path)
    assert [int(r["step"]) for r in rows] == [0, 4, 8, 12, 16, 20, 24]
    assert list(rows[0])[:3] == ["step", "wall_time", "loss"]
    assert rows[0]["loss"] == "" and rows[0]["eval_bits_per_sequence"] != ""
    assert rows[1]["eval_bits_per_sequence"] == "" and rows[2]["eval_bits_per_sequence"] != ""
    task, model, config = loop.read_config(str(tmp_path))
    assert (task, model, config["steps"], config["bits"]) == ("copy", "test-tiny-lstm", 24, 4)
    extra = checkpoint.read(tmp_path / "checkpoint.npz")[0]["extra"]
    assert extra["step"] == 24 and extra["task"] == "copy"


def test_figures(tmp_path):
    _, experiment = run(tmp_path, steps=8)
    paths = experiment.plot(str(tmp_path), np.random.default_rng(0))
    assert sorted(os.path.basename(p) for p in paths) == ["learning_curve.png", "sample.png"]
    for path in paths:
        with open(path, "rb") as file:
            assert file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_ctrl_c_then_resume_continues_bit_for_bit(tmp_path):
    straight_dir, broken_dir = tmp_path / "straight", tmp_path / "broken"
    _, straight = run(straight_dir)
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN when launched in the background
    summary, _ = run(broken_dir, sigint_at_step=13)
    assert summary["interrupted"] and summary["step"] == 14
    assert checkpoint.read(broken_dir / "checkpoint.npz")[0]["extra"]["step"] == 14
    assert signal.getsignal(signal.SIGINT) is handler_before  # the caller's handler is restored

    experiment, config, step, wall = loop.restore_run(str(broken_dir))
    assert step == 14
    resumed = loop.train(experiment, config, str(broken_dir), start_step=step, wall_time=wall,
                         progress="quiet", make_figures=False)
    assert resumed["step"] == 24 and not resumed["interrupted"]
    for (name, a), (_, b) in zip(straight.model.state_dict().items(),
                                 experiment.model.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    for key, value in straight.optimizer.state_dict().items():
        np.testing.assert_array_equal(value, experiment.optimizer.state_dict()[key], err_msg=key)
    assert straight.rng.bit_generator.state == experiment.rng.bit_generator.state

    straight_rows = {r["step"]: r for r in read_rows(straight_dir)}
    broken_rows = {r["step"]: r for r in read_rows(broken_dir)}
    assert "14" in broken_rows  # the row written at the interruption
    for step_text, row in straight_rows.items():
        other = broken_rows[step_text]
        keys = [k for k in row if k.startswith("eval_") or int(step_text) >= 20 or int(step_text) <= 12]
        assert {k: row[k] for k in keys if k != "wall_time"} == \
               {k: other[k] for k in keys if k != "wall_time"}, step_text


def test_resume_drops_rows_logged_after_the_checkpoint(tmp_path):
    run(tmp_path, steps=12, checkpoint_every=8, eval_every=4)
    # simulate a crash after step 12's row but with the checkpoint from step 8
    experiment, config = loop.build_experiment("copy", "test-tiny-lstm",
                                               {**SHORT, "steps": 8, "checkpoint_every": 8})
    loop.train(experiment, config, str(tmp_path / "eight"), progress="quiet", make_figures=False)
    os.replace(tmp_path / "eight" / "checkpoint.npz", tmp_path / "checkpoint.npz")
    experiment, config, step, wall = loop.restore_run(str(tmp_path), steps=16)
    assert step == 8 and config["steps"] == 16
    loop.train(experiment, config, str(tmp_path), start_step=step, wall_time=wall,
               progress="quiet", make_figures=False)
    assert [int(r["step"]) for r in read_rows(tmp_path)] == [0, 4, 8, 12, 16]


def test_second_ctrl_c_mid_step_keeps_the_last_checkpoint(tmp_path, capsys):
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, raise_at_step=10)
    assert checkpoint.read(tmp_path / "checkpoint.npz")[0]["extra"]["step"] == 8
    assert "last periodic checkpoint" in capsys.readouterr().err


def test_plain_progress_lines(tmp_path, capsys):
    import io
    stream = io.StringIO()
    experiment, config = loop.build_experiment("copy", "test-tiny-lstm", {**SHORT, "steps": 8})
    loop.train(experiment, config, str(tmp_path), stream=stream, progress="auto", make_figures=False)
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith("step 8/8 loss ")
    assert "bits_per_sequence" in lines[-1] and "steps/s" in lines[-1] and "ETA" in lines[-1]


def test_unknown_settings_and_experiments_are_clear_errors():
    with pytest.raises(KeyError, match="unknown setting.*colour"):
        loop.build_experiment("copy", "test-tiny-lstm", {"colour": 1})
    with pytest.raises(KeyError, match="no experiment registered for task 'copy' with model 'nope'"):
        loop.build_experiment("copy", "nope")
    with pytest.raises(checkpoint.CheckpointError, match="does not exist"):
        experiment, _ = loop.build_experiment("copy", "test-tiny-lstm")
        loop.load_checkpoint("/nonexistent-run", experiment)


def test_the_loop_never_imports_experiments_and_importing_them_fills_the_registry():
    # A fresh interpreter: the loop sits below the experiments and does not import them
    # (layers one way down); its error says what to import, and importing the experiments
    # package registers every experiment module.
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("from tinyaug.training import loop, experiment\n"
            "try:\n"
            "    loop.default_config('parity', 'act-rnn')\n"
            "except KeyError as error:\n"
            "    print(error.args[0])\n"
            "import tinyaug.experiments\n"
            "print(loop.default_config('parity', 'act-rnn')['max_ponder'])\n")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    assert "registered: none (import tinyaug.experiments to register them)" in first
    assert second == "100"
