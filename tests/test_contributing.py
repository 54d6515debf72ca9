"""CONTRIBUTING.md's complete new task and its experiment run as written."""
import os
import re

import numpy as np

from tinyaug.experiments.lstm import LSTMExperiment
from tinyaug.tasks import TASKS, make_task
from tinyaug.training import EXPERIMENTS, loop, register

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_blocks(path):
    with open(path, encoding="utf-8") as file:
        return re.findall(r"```python\n(.*?)```", file.read(), flags=re.S)


def test_the_new_task_example_registers_builds_and_trains(tmp_path):
    task_code, experiment_code = python_blocks(os.path.join(ROOT, "CONTRIBUTING.md"))[:2]
    assert 15 <= len(task_code.strip().splitlines()) <= 30
    try:
        exec(compile(task_code, "CONTRIBUTING.md", "exec"), {})
        inputs, targets, mask = make_task("mirror-copy", max_length=5).batch(3, np.random.default_rng(0), length=4)
        assert inputs.shape == (9, 3, 9) and targets.shape == (9, 3, 8) and mask[5:].all()
        np.testing.assert_array_equal(targets[5:], inputs[:4, :, :8][::-1])
        exec(compile(experiment_code, "CONTRIBUTING.md", "exec"),
             {"register": register, "LSTMExperiment": LSTMExperiment})
        experiment, config = loop.build_experiment("mirror-copy", "lstm", {
            "steps": 3, "max_length": 3, "hidden_size": 8, "batch_size": 2, "eval_every": 3,
            "checkpoint_every": 3, "eval_batch_size": 4})
        summary = loop.train(experiment, config, str(tmp_path / "run"), progress="quiet")
        assert summary["step"] == 3 and (tmp_path / "run" / "sample.png").exists()
        assert "fresh sequences" in experiment.report(str(tmp_path / "run"), sequences=10)
    finally:
        TASKS.pop("mirror-copy", None)
        EXPERIMENTS.pop(("mirror-copy", "lstm"), None)
