"""The bAbI-style and graph experiments through the ``tinyaug`` command: tiny runs of each
model that train, checkpoint, resume, evaluate and draw; the registry lists them."""
import json
import os

import numpy as np
import pytest

from tinyaug.cli import main
from tinyaug.training import loop

SMALL_BABI = ["--train-questions", "64", "--test-questions", "16", "--batch-size", "8",
              "--eval-every", "3", "--checkpoint-every", "3", "--log-every", "1",
              "--eval-batch-size", "8", "--progress", "lines", "--seed", "1"]


@pytest.mark.parametrize("model, extra", [("memn2n", ["--embedding-dim", "8"]),
                                          ("lstm", ["--hidden-size", "8", "--embedding-dim", "8"])])
def test_babi_train_resume_and_plot(tmp_path, capsys, model, extra):
    run_dir = str(tmp_path / model)
    args = ["train", "--task", "babi", "--model", model, "--task-id", "19", "--steps", "3",
            *SMALL_BABI, *extra, "--out", run_dir]
    assert main(args) == 0
    assert "step 3/3" in capsys.readouterr().err
    assert main(["train", "--resume", run_dir, "--steps", "5"]) == 0
    with open(os.path.join(run_dir, "config.json")) as file:
        assert json.load(file)["config"]["task_id"] == 19
    expected = {"learning_curve.png"} | ({"attention.png"} if model == "memn2n" else set())
    assert expected <= set(os.listdir(run_dir))
    experiment, config, step, _ = loop.restore_run(run_dir)
    metrics = experiment.evaluate(np.random.default_rng(0))
    assert step == 5 and 0.0 <= metrics["error"] <= 1.0 and "train_error" in metrics


def test_babi_unknown_task_id_is_a_clear_error():
    with pytest.raises(ValueError, match="task_id 5 is not generated here"):
        loop.build_experiment("babi", "memn2n", {"task_id": 5})


@pytest.mark.parametrize("task", ["graph-traversal", "graph-shortest-path", "graph-inference"])
def test_graph_lstm_trains_and_evaluates(tmp_path, capsys, task):
    run_dir = str(tmp_path / task)
    assert main(["train", "--task", task, "--model", "lstm", "--steps", "2", "--batch-size", "4",
                 "--hidden-size", "8", "--eval-every", "2", "--eval-batch-size", "4",
                 "--map-eval-batch-size", "2", "--progress", "lines", "--out", run_dir]) == 0
    err = capsys.readouterr().err
    assert "step 2/2" in err and ("map_accuracy" in err) == (task != "graph-inference")


def test_list_shows_the_qa_experiments(capsys):
    assert main(["list"]) == 0
    pairs = {tuple(line.split()[:2]) for line in capsys.readouterr().out.splitlines()}
    assert {("babi", "memn2n"), ("babi", "lstm"), ("graph-traversal", "lstm")} <= pairs
