"""The DNI reporting scripts: ``examples/dni_lm_seeds.py`` pairs the character LM's runs by
seed (``tinyaug.plots.dni.seed_curves_figure`` draws them) and ``examples/dni_curriculum_sweep.py
--set`` passes extra settings to every run it starts."""
from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "examples", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_run(folder, name, evals):
    """A metrics.csv with an evaluation every 1000 updates and training rows between them."""
    os.makedirs(folder / name)
    lines = ["step,wall_time,loss,eval_bits_per_char"]
    for index, value in enumerate(evals):
        lines.append(f"{index * 1000 + 500},{index * 6.0 + 3.0},9.0,")
        lines.append(f"{(index + 1) * 1000},{(index + 1) * 6.0},9.0,{value}")
    (folder / name / "metrics.csv").write_text("\n".join(lines) + "\n")


def test_lm_runs_are_paired_by_seed_and_drawn(tmp_path, capsys):
    write_run(tmp_path, "chars-lstm-tbptt-T8-s0", [4.0, 3.0, 2.9, 2.8])
    write_run(tmp_path, "chars-lstm-dni-T8-s0", [4.0, 3.0, 2.8, 2.6])
    write_run(tmp_path, "chars-lstm-tbptt-T8-s1", [4.0, 3.1, 3.0, 2.9])
    write_run(tmp_path, "chars-lstm-dni-T8-s1", [4.0, 3.1, 3.0, 3.0])
    write_run(tmp_path, "chars-lstm-dni-T8-s2", [4.0, 3.0, 2.0, 1.0])      # no baseline: left out
    write_run(tmp_path, "chars-lstm-dni-T4-s0", [9.0, 9.0, 9.0, 9.0])      # another window
    figure = tmp_path / "seeds.png"
    load_example("dni_lm_seeds").main(["--runs", str(tmp_path), "--window", "8", "--last", "2",
                                       "--figure", str(figure)])
    out = capsys.readouterr().out
    assert "last eval [-0.2, 0.1] (mean -0.050)" in out
    assert "mean of last 2 [-0.15, 0.05] (mean -0.050)" in out
    assert "9.000" not in out
    assert figure.stat().st_size > 1000


def test_lm_runs_cut_at_a_step_budget(tmp_path, capsys):
    write_run(tmp_path, "chars-lstm-tbptt-T8-s0", [4.0, 3.0, 2.9, 2.8])
    write_run(tmp_path, "chars-lstm-dni-T8-s0", [4.0, 3.5, 2.8, 2.6])
    load_example("dni_lm_seeds").main(["--runs", str(tmp_path), "--steps", "2000", "--last", "1"])
    assert "last eval [0.5] (mean +0.500)" in capsys.readouterr().out


def test_sweep_passes_extra_settings_to_every_run(tmp_path, monkeypatch, capsys):
    sweep = load_example("dni_curriculum_sweep")
    started = []

    class Finished:
        def __init__(self, command, **kwargs):
            started.append(command)

        def poll(self):
            return 0

        def wait(self):
            return 0

    monkeypatch.setattr(sweep.subprocess, "Popen", Finished)
    sweep.main(["--tasks", "copy", "--windows", "3", "--models", "lstm-dni", "--seeds", "0", "1",
                "--steps", "10", "--out", str(tmp_path / "runs"), "--figure-dir", str(tmp_path),
                "--set", "synthetic_scale=1", "synth_hidden=32"])
    assert len(started) == 2
    for command in started:
        joined = " ".join(command)
        assert "--set window=3 --set synthetic_scale=1 --set synth_hidden=32" in joined


@pytest.mark.parametrize("name", ["dni_lm_seeds", "dni_curriculum_sweep", "dni_horizon_table"])
def test_scripts_answer_help(name):
    with pytest.raises(SystemExit) as exit_info:
        load_example(name).main(["--help"])
    assert exit_info.value.code == 0


def write_curriculum_run(folder, name, solved_by_step, scale=0.1):
    os.makedirs(folder / name)
    rows = ["step,wall_time,solved"] + [f"{step},{step / 100},{solved}" for step, solved in solved_by_step]
    (folder / name / "metrics.csv").write_text("\n".join(rows) + "\n")
    (folder / name / "config.json").write_text(
        '{"task": "copy", "model": "m", "config": {"synthetic_scale": %s, "synth_hidden": 0}}' % scale)


def test_horizon_table_takes_each_run_from_the_first_folder_that_reaches_the_budget(tmp_path, capsys):
    first, main = tmp_path / "lambda1", tmp_path / "sweep"
    write_curriculum_run(first, "copy-lstm-dni-T3-s0", [(50, 1), (100, 3), (200, 4)], scale=1)
    write_curriculum_run(first, "copy-lstm-dni-T2-s0", [(50, 1)], scale=1)            # short of 100
    for window in (2, 3):
        write_curriculum_run(main, f"copy-lstm-tbptt-T{window}-s0", [(50, 1), (100, 1)])
        write_curriculum_run(main, f"copy-lstm-dni-T{window}-s0", [(50, 1), (100, 2)])
    load_example("dni_horizon_table").main(
        ["--runs", str(first), str(main), "--tasks", "copy", "--windows", "2", "3", "--seeds", "0",
         "--budget", "100", "--figure-dir", str(tmp_path / "figures")])
    out = capsys.readouterr().out
    assert "| copy | 2 | 100 | 1 | 2 |" in out
    assert "| copy | 3 | 100 | 1 | 3 (λ = 1) |" in out            # read at the budget, not at 200
    assert (tmp_path / "figures" / "dni_copy_horizon.png").exists()


def test_horizon_table_rejects_a_malformed_budget(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_example("dni_horizon_table").main(["--runs", str(tmp_path), "--budget-at", "copy3=100"])
    assert exit_info.value.code == 2
    assert "--budget-at 'copy3=100': expected TASK:T=STEPS" in capsys.readouterr().err
