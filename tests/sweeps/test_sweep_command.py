"""``tinyaug sweep`` end to end on tiny trainings (subprocesses): the summary, a rerun that
trains nothing, more seeds later, and Ctrl-C midway then a restart that gives the same summary
as an uninterrupted sweep."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.sweeps.helpers import (STEPS, comparable, env, evaluation_columns, run_folders,
                                    run_sweep, sweep_command)
from tinyaug.sweeps import runner


def test_a_sweep_writes_its_summary(uninterrupted):
    out, result = uninterrupted
    assert {"summary.md", "summary.csv", "summary.json", "curves.png", "sweep.json"} <= set(os.listdir(out))
    assert len(run_folders(out)) == 4
    summary = comparable(out)
    assert summary["metric"] == "eval_bits_per_sequence" and summary["threshold"] == 3
    assert [group["label"] for group in summary["groups"]] == ["lr=0.01", "lr=0.03"]
    for group in summary["groups"]:
        finals = []
        for entry in group["runs"]:
            assert entry["status"] == "done" and entry["step"] == STEPS
            columns = evaluation_columns(os.path.join(out, entry["folder"]))
            assert entry["final"]["eval_bits_per_sequence"] == columns["eval_bits_per_sequence"][-1]
            finals.append(columns["eval_bits_per_sequence"][-1])
            with open(os.path.join(out, entry["folder"], "config.json")) as file:
                config = json.load(file)["config"]
            assert config["seed"] == entry["seed"] and config["lr"] == float(group["settings"]["lr"])
            assert config["hidden_size"] == 8 and config["steps"] == STEPS
        stats = group["stats"]["eval_bits_per_sequence"]
        assert stats["n"] == 2 and stats["mean"] == pytest.approx(np.mean(finals))
        assert stats["std"] == pytest.approx(np.std(finals, ddof=1))
    assert "| lr=0.01 | 2 of 2 |" in result.stdout and "Every run finished" in result.stdout
    assert "sweep copy/lstm: 4/4 runs done" in result.stderr


def test_a_rerun_trains_nothing_and_more_seeds_train_only_the_new_ones(uninterrupted, tmp_path):
    out, _ = uninterrupted
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(out), str(copy)], check=True)
    before = {folder: os.path.getmtime(os.path.join(folder, "checkpoint.npz"))
              for folder in run_folders(copy)}
    again = run_sweep(copy, "--seeds", "0-1")
    assert "starting" not in again.stderr and "resuming" not in again.stderr
    resumed = subprocess.run([sys.executable, "-m", "tinyaug.cli", "sweep", "--resume", str(copy)],
                             env=env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0 and "4/4 runs done" in resumed.stderr
    assert "starting" not in resumed.stderr and "| lr=0.03 | 2 of 2 |" in resumed.stdout
    more = run_sweep(copy, "--seeds", "0-2")
    started = sorted(line.split()[-1] for line in more.stderr.splitlines()
                     if line.startswith("sweep: starting"))
    assert started == ["runs/lr=0.01/seed-2", "runs/lr=0.03/seed-2"]
    assert {folder: os.path.getmtime(os.path.join(folder, "checkpoint.npz"))
            for folder in before} == before
    assert [len(group["runs"]) for group in comparable(copy)["groups"]] == [3, 3]


def test_ctrl_c_midway_then_restart_loses_nothing_and_reruns_nothing(uninterrupted, tmp_path):
    plain, _ = uninterrupted
    out = tmp_path / "interrupted"
    process = subprocess.Popen(sweep_command(out, "--seeds", "0-1"), env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:  # interrupt once a run is done and another is midway
        states = [runner.run_state(folder) for folder in run_folders(out)]
        midway = [folder for folder in run_folders(out) if runner.run_state(folder) == "resume"
                  and 0 < runner.last_logged_step(folder) < STEPS - 100]
        if "done" in states and midway:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "sweep: stopping" in stderr and "continue with the same command" in stderr
    done = [folder for folder in run_folders(out) if runner.run_state(folder) == "done"]
    resumable = [folder for folder in run_folders(out) if runner.run_state(folder) == "resume"]
    assert done and resumable and len(done) < 4, (done, resumable)
    for folder in resumable:  # each stopped training saved and said how to go on
        with open(os.path.join(folder, "train.log")) as file:
            assert "interrupted at step" in file.read()
    assert "Not finished" in stdout  # the partial summary says what is missing
    finished = {folder: (os.path.getmtime(os.path.join(folder, "checkpoint.npz")),
                         os.path.getsize(os.path.join(folder, "train.log"))) for folder in done}

    result = run_sweep(out, "--seeds", "0-1")
    for folder, (mtime, log_size) in finished.items():  # nothing finished is trained again
        assert os.path.getmtime(os.path.join(folder, "checkpoint.npz")) == mtime
        assert os.path.getsize(os.path.join(folder, "train.log")) == log_size
    for folder in resumable:  # unfinished runs continue from their checkpoints
        with open(os.path.join(folder, "train.log")) as file:
            assert "resuming copy/lstm" in file.read()
    assert "Every run finished" in result.stdout
    assert comparable(out) == comparable(plain)
    for folder in run_folders(out):  # every evaluation, not only the last, is as uninterrupted
        twin = os.path.join(plain, os.path.relpath(folder, out))
        for key, values in evaluation_columns(folder).items():
            np.testing.assert_array_equal(values, evaluation_columns(twin)[key])


def test_bad_commands_are_clear_errors(tmp_path):
    def fails(*arguments):
        result = subprocess.run([sys.executable, "-m", "tinyaug.cli", "sweep", *arguments],
                                env=env(), capture_output=True, text=True, timeout=120)
        assert result.returncode == 2
        return result.stderr

    assert "unknown setting(s) --hiden-size for copy/lstm" in fails(
        "--task", "copy", "--model", "lstm", "--hiden-size", "8,16", "--out", str(tmp_path / "a"))
    assert "no experiment registered for task 'cpy'" in fails(
        "--task", "cpy", "--model", "lstm", "--out", str(tmp_path / "b"))
    assert "give seeds with --seeds" in fails("--task", "copy", "--model", "lstm", "--seed", "1")
    assert "needs --task and --model" in fails("--lr", "1,2")
    assert not os.path.exists(tmp_path / "a") and not os.path.exists(tmp_path / "b")
    os.makedirs(tmp_path / "c")
    with open(tmp_path / "c" / "sweep.json", "w") as file:
        json.dump({"identity": {"task": "copy", "model": "ntm", "fixed": {}, "swept": []}}, file)
    assert "holds another sweep" in fails("--task", "copy", "--model", "lstm", "--out",
                                          str(tmp_path / "c"))


def test_a_failing_run_is_reported_with_its_error_and_the_sweep_exits_1(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tinyaug.cli", "sweep", "--task", "copy",
                             "--model", "lstm", "--seeds", "0", "--hidden-size", "big", "--progress",
                             "lines", "--out", str(tmp_path / "bad")],
                            env=env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "runs/base/seed-0 failed (exit 2): tinyaug: --set hidden_size=big: expected a int" in result.stderr
    assert "0/1 runs done, 0 running, 1 failed" in result.stderr
    assert "| base | 0 of 1 | – |" in result.stdout
    assert "Not finished (left out of the statistics): base/seed-0 (failed)" in result.stdout
