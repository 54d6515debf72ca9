"""The command fails cleanly: each kind of user error prints one line ``tinyaug: ...`` naming
the flag or file and what is expected, exits with status 2, and shows a traceback only with
``--traceback`` or ``TINYAUG_DEBUG=1``."""
import json
import os
import subprocess
import sys

import pytest

from tests.test_cli import TINY, assert_fails
from tinyaug.checkpoint import CheckpointError
from tinyaug.cli import main

NTM = ["train", "--task", "copy", "--model", "ntm", "--steps", "1"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    run_dir = str(tmp_path_factory.mktemp("runs") / "run")
    assert main(["train", *TINY, "--out", run_dir, "--progress", "quiet"]) == 0
    return run_dir


def copy_of(run_dir, tmp_path):
    import shutil
    target = str(tmp_path / "copy")
    shutil.copytree(run_dir, target)
    return target


@pytest.mark.parametrize("flag, value", [("--steps", "-5"), ("--steps", "0"), ("--steps", "2.5"),
                                         ("--batch-size", "0"), ("--lr", "-1"), ("--lr", "nan"),
                                         ("--seed", "-1")])
def test_out_of_range_shared_flags(capsys, tmp_path, flag, value):
    line = assert_fails(capsys, [*NTM, "--out", str(tmp_path / "r"), flag, value],
                        rf"argument {flag}: expected an? (positive|integer >= 0)")
    assert value in line
    assert not os.path.exists(tmp_path / "r")


@pytest.mark.parametrize("setting", ["steps=-5", "batch_size=0", "eval_every=0", "lr=-1"])
def test_out_of_range_shared_settings_given_with_set(capsys, tmp_path, setting):
    key = setting.split("=")[0].replace("_", "-")
    assert_fails(capsys, [*NTM[:-2], "--out", str(tmp_path / "r"), "--set", setting],
                 rf"--{key}: expected a positive")


@pytest.mark.parametrize("flags, expected", [
    (["--memory", "128y20"], "memory must look like ROWSxWIDTH"),
    (["--heads", "0"], "at least one read head"),
    (["--controller", "gru"], "controller must be 'lstm' or 'feedforward'"),
    (["--optimizer", "nope"], "unknown optimizer 'nope'")])
def test_settings_the_experiment_rejects(capsys, tmp_path, flags, expected):
    assert_fails(capsys, [*NTM, "--out", str(tmp_path / "r"), *flags],
                 r"^tinyaug: train --task copy --model ntm: .*" + expected)


def test_unknown_task_model_and_option(capsys):
    assert_fails(capsys, ["train", "--task", "nope", "--model", "ntm"],
                 "no experiment registered for task 'nope'")
    assert_fails(capsys, [*NTM, "--colour", "red"], "unknown option --colour")
    assert_fails(capsys, ["frobnicate"], "invalid choice: 'frobnicate'")
    assert_fails(capsys, [], "the following arguments are required")


def test_missing_run_folder(capsys, tmp_path):
    for command in ("eval", "plot"):
        assert_fails(capsys, [command, str(tmp_path / "nowhere")], "no such folder")
    assert_fails(capsys, ["train", "--resume", str(tmp_path)], "no config.json")


def test_damaged_config(capsys, saved_run, tmp_path):
    run_dir = copy_of(saved_run, tmp_path)
    config = os.path.join(run_dir, "config.json")
    with open(config) as file:
        saved = json.load(file)
    with open(config, "w") as file:
        file.write("{not json")
    assert_fails(capsys, ["eval", run_dir], r"config\.json: not valid JSON")
    with open(config, "w") as file:
        json.dump({"task": "copy"}, file)
    assert_fails(capsys, ["eval", run_dir], r"config\.json: expected an object with \"task\"")
    with open(config, "w") as file:
        json.dump({**saved, "model": "nope"}, file)
    assert_fails(capsys, ["plot", run_dir], r"config\.json: cannot rebuild .*model 'nope'")
    with open(config, "w") as file:
        json.dump({**saved, "config": {**saved["config"], "hidden_size": "wide"}}, file)
    assert_fails(capsys, ["eval", run_dir], r"config\.json: cannot rebuild")


def test_truncated_and_tampered_checkpoint(capsys, saved_run, tmp_path):
    run_dir = copy_of(saved_run, tmp_path)
    path = os.path.join(run_dir, "checkpoint.npz")
    with open(path, "rb") as file:
        data = file.read()
    with open(path, "wb") as file:
        file.write(data[: len(data) // 2])
    assert_fails(capsys, ["eval", run_dir], r"checkpoint .*checkpoint\.npz.* truncated")
    assert_fails(capsys, ["train", "--resume", run_dir, "--steps", "20"], "truncated")
    os.remove(path)
    assert_fails(capsys, ["plot", run_dir], r"checkpoint\.npz.* does not exist")


def test_traceback_flag_and_debug_variable_show_the_error(saved_run, tmp_path, monkeypatch):
    run_dir = copy_of(saved_run, tmp_path)
    os.remove(os.path.join(run_dir, "checkpoint.npz"))
    with pytest.raises(CheckpointError, match="does not exist"):
        main(["eval", run_dir, "--traceback"])
    monkeypatch.setenv("TINYAUG_DEBUG", "1")
    with pytest.raises(CheckpointError):
        main(["eval", run_dir])


def test_python_dash_m_tinyaug_is_the_command(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    listed = subprocess.run([sys.executable, "-m", "tinyaug", "list"], capture_output=True,
                            text=True, env=env)
    assert listed.returncode == 0 and "copy                 ntm" in listed.stdout
    failed = subprocess.run([sys.executable, "-m", "tinyaug", "eval", str(tmp_path / "none")],
                            capture_output=True, text=True, env=env)
    assert failed.returncode == 2 and failed.stderr.startswith("tinyaug: ")
    assert "Traceback" not in failed.stderr
    debug = subprocess.run([sys.executable, "-m", "tinyaug", "--traceback", "eval",
                            str(tmp_path / "none")], capture_output=True, text=True, env=env)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "RunFolderError" in debug.stderr


def test_explain_on_a_run_that_cannot_explain(capsys, saved_run):
    assert_fails(capsys, ["explain", saved_run, "what is 2 plus 3"],
                 "copy/lstm run; only Neural Programmer runs explain questions")
