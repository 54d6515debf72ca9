"""The ``tinyaug`` command: list, train (and resume), eval, plot, and its errors."""
import csv
import json
import os
import re

import pytest

from tinyaug.cli import UsageError, main

TINY = ["--task", "copy", "--model", "lstm", "--steps", "8", "--batch-size", "4", "--lr", "0.01",
        "--seed", "3", "--set", "bits=4", "--set", "max_length=2", "--set", "hidden_size=8",
        "--set", "eval_every=4", "--set", "checkpoint_every=4", "--set", "log_every=2",
        "--set", "eval_batch_size=8", "--progress", "lines"]


def assert_fails(capsys, argv, expected):
    """``tinyaug ARGV`` is a user error: exit status 2 and one line ``tinyaug: ...`` naming it."""
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tinyaug: ") and "Traceback" not in err[0], err
    assert re.search(expected, err[0]), err[0]
    return err[0]


def last_step(run_dir):
    with open(os.path.join(run_dir, "metrics.csv"), newline="") as file:
        return int(list(csv.DictReader(file))[-1]["step"])


def test_list_prints_the_registered_pairs(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    pairs = {tuple(line.split()[:2]) for line in lines}
    assert {("copy", "lstm"), ("repeat-copy", "lstm"), ("associative-recall", "lstm"),
            ("priority-sort", "lstm"), ("dynamic-ngrams", "lstm")} <= pairs


def test_train_resume_eval_plot(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert main(["train", *TINY, "--out", run_dir]) == 0
    err = capsys.readouterr().err
    assert "training copy/lstm into" in err and "step 8/8 loss" in err
    assert {"config.json", "metrics.csv", "checkpoint.npz", "learning_curve.png",
            "sample.png"} <= set(os.listdir(run_dir))
    with open(os.path.join(run_dir, "config.json")) as file:
        saved = json.load(file)
    assert saved["config"]["seed"] == 3 and saved["config"]["lr"] == 0.01
    assert saved["config"]["hidden_size"] == 8 and saved["config"]["bits"] == 4

    assert_fails(capsys, ["train", *TINY, "--out", run_dir], "already holds a run")

    assert main(["train", "--resume", run_dir, "--steps", "12", "--progress", "quiet"]) == 0
    assert "resuming copy/lstm" in capsys.readouterr().err
    assert last_step(run_dir) == 12

    assert main(["eval", run_dir, "--batches", "2", "--no-report"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 12 and result["bits_per_sequence"] > 0
    assert main(["eval", run_dir, "--batches", "1"]) == 0   # the experiment's report follows
    report = capsys.readouterr().out.split("\n}\n", 1)[1]
    assert "1000 fresh sequences (seed 2024):" in report and "wrong bits/sequence" in report

    assert main(["plot", run_dir]) == 0
    printed = capsys.readouterr().out.split()
    assert [os.path.basename(p) for p in printed] == ["learning_curve.png", "sample.png"]


def test_default_out_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *TINY[:-2], "--progress", "quiet", "--steps", "2"]) == 0
    [run_dir] = os.listdir(tmp_path / "runs")
    assert run_dir.startswith("copy-lstm-")


def test_errors(tmp_path, capsys):
    assert_fails(capsys, ["train", "--task", "copy", "--model", "lstm", "--set", "colour=red"], "unknown setting 'colour'")
    assert_fails(capsys, ["train", "--task", "copy", "--model", "lstm", "--set", "hidden_size=big"], "expected a int")
    assert_fails(capsys, ["train", "--task", "copy", "--model", "lstm", "--set", "hidden_size"], "key=value")
    assert_fails(capsys, ["train", "--task", "copy"], "needs --task and --model")
    assert_fails(capsys, ["train", "--resume", str(tmp_path), "--task", "copy"], "settings from DIR/config.json")
    assert_fails(capsys, ["train", "--task", "copy", "--model", "nope"], "no experiment registered for task 'copy' with model 'nope'")
    assert main(["eval", str(tmp_path)]) == 2
    assert "not a tinyaug run folder" in capsys.readouterr().err


def test_settings_as_their_own_flags():
    from tinyaug.cli import _setting_flags
    defaults = {"tau": 0.01, "controller": "feedforward", "memory": "128x20", "read_heads": 1,
                "write_heads": 1, "hidden_size": 100}
    assert _setting_flags(["--tau", "0.001", "--controller=lstm", "--hidden-size", "8"], defaults) \
        == ["tau=0.001", "controller=lstm", "hidden_size=8"]
    assert _setting_flags(["--heads", "2"], defaults) == ["read_heads=2", "write_heads=2"]
    assert _setting_flags(["--heads", "5,3"], defaults) == ["read_heads=5", "write_heads=3"]
    with pytest.raises(UsageError, match="unknown option --colour .*controller, hidden_size"):
        _setting_flags(["--colour", "red"], defaults)
    with pytest.raises(UsageError, match="--tau needs a value"):
        _setting_flags(["--tau"], defaults)
    with pytest.raises(UsageError, match="unexpected argument 'stray'"):
        _setting_flags(["stray"], defaults)


def test_setting_flags_reach_the_run_config(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert main(["train", *TINY, "--out", run_dir, "--hidden-size", "6", "--max-length", "3"]) == 0
    with open(os.path.join(run_dir, "config.json")) as file:
        config = json.load(file)["config"]
    assert (config["hidden_size"], config["max_length"]) == (6, 3)
    assert main(["train", "--task", "copy", "--model", "lstm", "--help-settings"]) == 0
    assert "--hidden-size 128" in capsys.readouterr().out.splitlines()
    assert_fails(capsys, ["eval", run_dir, "--hidden-size", "6"], "unrecognized arguments")  # only train takes setting flags
    assert_fails(capsys, ["train", "--resume", run_dir, "--hidden-size", "6"], "settings from DIR/config.json")


def test_init_from_starts_a_new_run_from_saved_parameters(tmp_path, capsys):
    from tinyaug.training import loop
    source, tuned = str(tmp_path / "source"), str(tmp_path / "tuned")
    assert main(["train", *TINY, "--out", source]) == 0
    saved_model = loop.restore_run(source)[0].model.state_dict()
    # The parameters arrive unchanged in a fresh experiment of the same task and model.
    fresh, _ = loop.build_experiment("copy", "lstm", {"bits": 4, "max_length": 2, "hidden_size": 8,
                                                      "seed": 5})
    assert loop.init_from_run(fresh, source) == 8
    assert all((fresh.model.state_dict()[k] == v).all() for k, v in saved_model.items())
    # The command: another learning rate and batch size, its own step count, a note.
    assert main(["train", *TINY, "--out", tuned, "--init-from", source, "--steps", "2",
                 "--lr", "0.001", "--batch-size", "2"]) == 0
    assert "parameters from" in capsys.readouterr().err
    assert last_step(tuned) == 2
    with open(os.path.join(tuned, "config.json")) as file:
        saved = json.load(file)
    assert saved["init_from"] == {"run": source, "step": 8} and saved["config"]["lr"] == 0.001
    # A resume keeps the note.
    assert main(["train", "--resume", tuned, "--steps", "4", "--progress", "quiet"]) == 0
    with open(os.path.join(tuned, "config.json")) as file:
        assert json.load(file)["init_from"]["run"] == source


def test_init_from_errors(tmp_path, capsys):
    source = str(tmp_path / "source")
    assert main(["train", *TINY, "--out", source]) == 0
    assert_fails(capsys, ["train", *TINY, "--out", str(tmp_path / "a"), "--init-from", str(tmp_path)], "holds no checkpoint.npz")
    assert_fails(capsys, ["train", "--task", "copy", "--model", "ntm", "--out", str(tmp_path / "b"),
              "--init-from", source], "belongs to copy/lstm, not copy/ntm")
    assert_fails(capsys, ["train", *TINY, "--set", "hidden_size=6", "--out", str(tmp_path / "c"),
                          "--init-from", source], "does not fit")   # another hidden size
    assert_fails(capsys, ["train", "--resume", source, "--init-from", source], "settings from DIR/config.json")


def test_compare_draws_several_runs_and_names_bad_input(tmp_path, capsys):
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["train", *TINY, "--out", first]) == 0
    assert main(["train", *TINY, "--out", second, "--seed", "4"]) == 0
    figure = str(tmp_path / "both.png")
    capsys.readouterr()
    assert main(["compare", figure, f"seed 3={first}", f"seed 4={second}", "--target", "0.1"]) == 0
    assert capsys.readouterr().out.strip() == figure and os.path.getsize(figure) > 0
    assert_fails(capsys, ["compare", figure, first], "expected LABEL=RUN_DIR")
    assert_fails(capsys, ["compare", figure, f"x={tmp_path}"], "not a run folder")
    assert_fails(capsys, ["compare", figure, f"x={first}", "--metric", "nope"],
                 "has no column 'nope'.*eval_bits_per_sequence")
