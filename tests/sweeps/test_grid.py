"""The sweep's grid, run states, commands and summary, without starting any training."""
import csv
import json
import os
import sys

import numpy as np
import pytest

from tinyaug.errors import TinyaugError
from tinyaug.plots.sweep import mean_curve
from tinyaug.sweeps import check_settings, grid, runner, summary
from tinyaug.sweeps.errors import SweepError


def test_seeds_ranges_lists_and_errors():
    assert grid.parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert grid.parse_seeds("3") == [3]
    assert grid.parse_seeds("0,2,7") == [0, 2, 7]
    assert grid.parse_seeds("0-2,9,1") == [0, 1, 2, 9]
    for bad in ("", "a", "4-2", "1,,2", "-1"):
        with pytest.raises(SweepError, match="--seeds"):
            grid.parse_seeds(bad)


def test_values_split_at_commas_but_not_inside_brackets():
    assert grid.split_values("1e-3,1e-4") == ["1e-3", "1e-4"]
    assert grid.split_values("[1,2],[3,4]") == ["[1,2]", "[3,4]"]
    assert grid.split_values("128x20") == ["128x20"]
    with pytest.raises(SweepError, match="empty value"):
        grid.split_values("1,,2")


def test_flags_become_settings():
    settings = grid.settings_from_flags(["--lr", "1e-3,1e-4", "--hidden-size=8", "--max_length", "5"])
    assert settings == {"lr": ["1e-3", "1e-4"], "hidden_size": ["8"], "max_length": ["5"]}
    with pytest.raises(SweepError, match="needs a value"):
        grid.settings_from_flags(["--lr"])
    with pytest.raises(SweepError, match="given twice"):
        grid.settings_from_flags(["--lr", "1", "--lr", "2"])
    with pytest.raises(SweepError, match="unexpected argument"):
        grid.settings_from_flags(["lr", "1"])


def test_grid_expands_every_combination_times_every_seed():
    settings = {"lr": ["1e-3", "1e-4"], "hidden_size": ["8"], "batch_size": ["4", "16", "32"]}
    runs = grid.expand(settings, [0, 1])
    assert len(runs) == 2 * 3 * 2
    assert len(set(runs)) == len(runs)
    # settings in the order given, seeds fastest; fixed settings go to every run, not to labels
    assert [(r.label, r.seed) for r in runs[:4]] == [("lr=1e-3+batch_size=4", 0),
                                                     ("lr=1e-3+batch_size=4", 1),
                                                     ("lr=1e-3+batch_size=16", 0),
                                                     ("lr=1e-3+batch_size=16", 1)]
    assert all(r.settings["hidden_size"] == "8" for r in runs)
    assert {(r.settings["lr"], r.settings["batch_size"]) for r in runs} == {
        (lr, b) for lr in ("1e-3", "1e-4") for b in ("4", "16", "32")}
    assert runs[5].folder("OUT") == os.path.join("OUT", "runs", "lr=1e-3+batch_size=32", "seed-1")


def test_a_grid_of_seeds_only_has_one_base_combination():
    runs = grid.expand({"steps": ["10"]}, [0, 1, 2])
    assert [r.label for r in runs] == ["base"] * 3 and [r.seed for r in runs] == [0, 1, 2]


def test_grid_errors():
    with pytest.raises(SweepError, match="lists a value twice"):
        grid.expand({"lr": ["1", "1"]}, [0])
    with pytest.raises(SweepError, match="share the folder name"):
        grid.expand({"memory": ["a b", "a/b"]}, [0])
    with pytest.raises(SweepError, match="no seeds"):
        grid.expand({}, [])
    assert issubclass(SweepError, TinyaugError)


def test_identity_ignores_seeds_and_values_but_not_fixed_settings():
    one = grid.identity("copy", "lstm", {"lr": ["1", "2"], "steps": ["10"]})
    assert one == grid.identity("copy", "lstm", {"steps": ["10"], "lr": ["1", "2", "3"]})
    assert one != grid.identity("copy", "lstm", {"lr": ["1", "2"], "steps": ["20"]})
    assert one != grid.identity("copy", "ntm", {"lr": ["1", "2"], "steps": ["10"]})
    out = grid.default_out(one)
    assert out.startswith(os.path.join("sweeps", "copy-lstm-")) and len(os.path.basename(out)) == 18


def test_check_settings_names_the_unknown_ones():
    known = {"lr": "0.001", "steps": "10", "seed": "0", "read_heads": "1"}
    check_settings("copy", "lstm", {"lr": ["1"], "heads": ["2"]}, known)
    with pytest.raises(SweepError, match=r"unknown setting\(s\) --hidden-size for copy/lstm; "
                                         r"its settings: lr, read_heads, steps"):
        check_settings("copy", "lstm", {"hidden_size": ["1"]}, known)
    with pytest.raises(SweepError, match="--seeds"):
        check_settings("copy", "lstm", {"seed": ["1"]}, known)


def test_run_states_and_commands(tmp_path):
    run = grid.expand({"lr": ["0.1", "0.2"], "hidden_size": ["8"]}, [3])[1]
    folder = run.folder(str(tmp_path))
    assert runner.run_state(folder) == "new"
    command = runner.train_command("copy", "lstm", run, folder)
    assert command[:4] == [sys.executable, "-m", "tinyaug.cli", "train"]
    assert command[4:] == ["--task", "copy", "--model", "lstm", "--seed", "3", "--out", folder,
                           "--progress", "lines", "--hidden-size", "8", "--lr", "0.2"]
    os.makedirs(folder)
    open(os.path.join(folder, "checkpoint.npz"), "w").close()
    assert runner.run_state(folder) == "resume"
    assert runner.train_command("copy", "lstm", run, folder)[4:] == [
        "--resume", folder, "--progress", "lines"]
    open(os.path.join(folder, runner.DONE_FILE), "w").close()
    assert runner.run_state(folder) == "done"


def test_child_env_has_one_thread_and_finds_this_tinyaug():
    env = runner.child_env({"PYTHONPATH": "/elsewhere", "OMP_NUM_THREADS": "8"})
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
    import tinyaug
    root = os.path.dirname(os.path.dirname(os.path.abspath(tinyaug.__file__)))
    assert env["PYTHONPATH"].split(os.pathsep) == [root, "/elsewhere"]


def test_last_logged_step_ignores_a_partial_row(tmp_path):
    assert runner.last_logged_step(str(tmp_path)) == 0
    with open(tmp_path / "metrics.csv", "w") as file:
        file.write("step,wall_time,loss\n0,0.0,1.0\n50,0.1,0.5\n10")
    assert runner.last_logged_step(str(tmp_path)) == 50


def _fake_run(folder, steps, evals, first_eval_column="eval_bits"):
    """A metrics.csv as the loop writes it: training rows every 5 steps, evaluations at ``steps``."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "metrics.csv"), "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["step", "wall_time", "loss", first_eval_column, "eval_wrong"])
        for step in range(0, steps[-1] + 1, 5):
            if step in steps:
                value = evals[steps.index(step)]
                writer.writerow([step, step / 10, 1.0, value, value / 2])
            else:
                writer.writerow([step, step / 10, 1.0, "", ""])


def test_summary_statistics_and_steps_to_threshold(tmp_path):
    out = str(tmp_path)
    runs = grid.expand({"lr": ["a", "b"]}, [0, 1, 2])
    finals = {("a", 0): 0.5, ("a", 1): 0.1, ("a", 2): 0.3, ("b", 0): 2.0, ("b", 1): 4.0}
    for run in runs:
        key = (run.settings["lr"], run.seed)
        if key in finals:
            _fake_run(run.folder(out), [0, 10, 20], [5.0, 0.2 if key == ("a", 1) else 1.0, finals[key]])
    status = {run: "done" if (run.settings["lr"], run.seed) in finals else "new" for run in runs}
    result = summary.write(out, runs, status, "test", threshold=0.4)
    assert result["metric"] == "eval_bits"
    a, b = result["groups"]
    assert a["label"] == "lr=a" and a["settings"] == {"lr": "a"}
    stats = a["stats"]["eval_bits"]
    assert stats["n"] == 3 and stats["mean"] == pytest.approx(0.3)
    assert stats["std"] == pytest.approx(np.std([0.5, 0.1, 0.3], ddof=1))
    assert (stats["min"], stats["max"]) == (0.1, 0.5)
    assert a["stats"]["eval_wrong"]["mean"] == pytest.approx(0.15)
    # seed 1 is under 0.4 from step 10 on, seed 2 only at step 20, seed 0 never
    assert [entry["reached"] for entry in a["runs"]] == [
        {"first": None, "settled": None}, {"first": 10, "settled": 10}, {"first": 20, "settled": 20}]
    assert a["stats"]["steps_to_threshold_first"] == {"n": 2, "mean": 15.0, "std": pytest.approx(
        np.std([10, 20], ddof=1)), "min": 10.0, "max": 20.0, "reached": 2, "of": 3}
    assert b["stats"]["eval_bits"]["n"] == 2 and b["stats"]["eval_bits"]["mean"] == 3.0
    assert [entry["status"] for entry in b["runs"]] == ["done", "done", "new"]
    for name in summary.SUMMARY_FILES:
        assert os.path.getsize(os.path.join(out, name)) > 0
    table = open(os.path.join(out, "summary.md")).read()
    assert "| lr=a | 3 of 3 | 0.3 ± 0.2 | 0.1 – 0.5 | 0: 0.5, 1: 0.1, 2: 0.3 | 15; 2 of 3 |" in table
    assert "Not finished (left out of the statistics): lr=b/seed-2 (new)" in table
    with open(os.path.join(out, "summary.csv"), newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 6 and rows[1]["eval_bits"] == "0.1" and rows[1]["first_step_under_threshold"] == "10"
    assert json.load(open(os.path.join(out, "summary.json")))["groups"][0]["stats"]["eval_bits"]["n"] == 3
    assert summary.write(out, runs, status, "test", metric="wrong")["metric"] == "eval_wrong"
    with pytest.raises(SweepError, match="--metric: no column 'nope'"):
        summary.write(out, runs, status, "test", metric="nope")


def test_mean_curve_on_shared_and_on_different_steps():
    steps, mean = mean_curve([(np.array([0, 10, 20]), np.array([1.0, 2.0, 3.0])),
                              (np.array([0, 10, 20]), np.array([3.0, 4.0, 5.0]))])
    assert steps.tolist() == [0, 10, 20] and mean.tolist() == [2.0, 3.0, 4.0]
    steps, mean = mean_curve([(np.array([0, 10, 20]), np.array([0.0, 1.0, 2.0])),
                              (np.array([5, 15]), np.array([0.0, 1.0]))])
    assert steps.tolist() == [5, 10, 15] and mean.tolist() == [0.25, 0.75, 1.25]


def test_progress_is_one_line_for_the_whole_sweep():
    import io
    stream = io.StringIO()
    progress = runner.SweepProgress("copy/lstm", stream, mode="line")
    progress.update(0, 2, 0, 6, 0, 600)
    progress.update(1, 2, 1, 6, 300, 600)
    progress.message("sweep: starting runs/x/seed-0")
    progress.close()
    written = stream.getvalue()
    assert written.startswith("\rsweep copy/lstm: 0/6 runs done, 2 running | 0% of 600 steps")
    assert "\rsweep copy/lstm: 1/6 runs done, 2 running, 1 failed | 50% of 600 steps" in written
    assert "sweep: starting runs/x/seed-0\n" in written and "\n" not in written.split("sweep: starting")[0]
    lines = runner.SweepProgress("copy/lstm", io.StringIO(), mode="lines")
    lines.update(0, 1, 0, 2, 0, 10)
    lines.update(0, 1, 0, 2, 5, 10)  # nothing changed but the steps: no new line yet
    lines.update(1, 1, 0, 2, 7, 10)
    assert lines.stream.getvalue().count("\n") == 2


def test_a_folder_being_swept_is_locked(tmp_path):
    import subprocess
    with open(tmp_path / "sweep.lock", "w") as file:
        file.write(str(os.getppid()))  # a live process
    with pytest.raises(SweepError, match=f"is being swept by process {os.getppid()}"):
        with runner.SweepLock(str(tmp_path)):
            pass
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True)
    with open(tmp_path / "sweep.lock", "w") as file:
        file.write(finished.stdout.strip())  # a lock left by a process that has ended
    with runner.SweepLock(str(tmp_path)):
        assert open(tmp_path / "sweep.lock").read() == str(os.getpid())
    assert not os.path.exists(tmp_path / "sweep.lock")


def test_planned_steps_follow_a_recipe_unless_steps_are_given():
    """The progress line's total: a recipe's own length (copy/ntm's lstm-controller recipe
    differs from the copy default), one ``--dry-run`` per setting combination; ``--steps``
    wins; without a recipe, the default."""
    from tinyaug.experiments.ntm_recipes import RECIPES
    from tinyaug.sweeps import known_settings, planned_steps
    known = known_settings("copy", "ntm")
    recipe_steps = RECIPES[("copy", "lstm-controller")]["steps"]
    assert int(known["steps"]) != recipe_steps

    def planned(settings, seeds):
        runs = grid.expand(settings, seeds)
        steps = planned_steps("copy", "ntm", runs, known)
        return [steps[run] for run in runs]

    assert planned({"recipe": ["lstm-controller"]}, [0, 1]) == [recipe_steps] * 2
    assert planned({"recipe": ["lstm-controller"], "steps": ["7"]}, [0]) == [7]
    assert planned({"lr": ["1e-3", "1e-4"]}, [0]) == [int(known["steps"])] * 2
    # a recipe among the experiment's defaults: repeat-copy/ntm's curriculum-adam
    known = known_settings("repeat-copy", "ntm")
    default_recipe = RECIPES[("repeat-copy", known["recipe"])]["steps"]
    runs = grid.expand({"lr": ["1e-4"]}, [0])
    assert default_recipe != int(known["steps"])
    assert planned_steps("repeat-copy", "ntm", runs, known)[runs[0]] == default_recipe
    runs = grid.expand({"recipe": [""]}, [0])  # --recipe "": the first stage alone
    assert planned_steps("repeat-copy", "ntm", runs, known)[runs[0]] == int(known["steps"])
