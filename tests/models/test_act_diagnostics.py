"""ACT experiment helpers used for the parity diagnosis and the τ sweeps: the halting
histogram (share of input steps and error per ponder count N) and reading a run's evaluations
up to a given step."""
import numpy as np

import tinyaug.experiments.act as act_experiments
from tinyaug.training import loop


def _parity_experiment(halting_bias: float):
    experiment, _ = loop.build_experiment("parity", "act-rnn", {
        "size": 6, "hidden_size": 8, "dtype": "float64", "halting_bias": halting_bias})
    return experiment


def test_saturated_halting_unit_puts_every_example_at_one_step():
    # b_h = +30: h^1 ≈ 1 ≥ 1 − ε for every example, so N = 1 everywhere and the error among
    # them is the overall error.
    experiment = _parity_experiment(30.0)
    rows = act_experiments.halting_histogram(experiment, examples=300, seed=3)
    assert [row["steps"] for row in rows] == [1]
    assert rows[0]["fraction"] == 1.0
    batch = experiment.task_generator.batch(300, np.random.default_rng(3))
    logits, _, _, _ = experiment.predict(batch)
    expected = float(((logits > 0) != (batch[1] > 0.5)).mean())
    assert rows[0]["error"] == expected


def test_halting_histogram_fractions_and_errors_match_a_direct_count():
    # b_h = −1: the untrained network ponders for several steps, different per example.
    experiment = _parity_experiment(-1.0)
    rows = act_experiments.halting_histogram(experiment, examples=400, seed=5)
    batch = experiment.task_generator.batch(400, np.random.default_rng(5))
    logits, _, steps, _ = experiment.predict(batch)
    wrong = ((logits > 0) != (batch[1] > 0.5))[0, :, 0]
    steps = steps[0]
    assert len(rows) >= 2, "the case should have more than one ponder count"
    assert abs(sum(row["fraction"] for row in rows) - 1.0) < 1e-12
    for row in rows:
        chosen = steps == row["steps"]
        assert row["fraction"] == chosen.mean()
        assert row["error"] == wrong[chosen].mean()


def test_final_eval_can_stop_at_a_step(tmp_path):
    lines = ["step,error,eval_error,eval_mean_ponder,eval_mean_steps"]
    for step in range(0, 1001, 100):
        evaluated = step % 200 == 0
        lines.append(f"{step},0.5," + (f"{step / 1000},{2 + step / 1000},{1 + step / 1000}"
                                       if evaluated else ",,"))
    (tmp_path / "metrics.csv").write_text("\n".join(lines) + "\n")
    whole = act_experiments._final_eval(str(tmp_path))
    assert np.isclose(whole["eval_error"], (0.6 + 0.8 + 1.0) / 3)
    at_500 = act_experiments._final_eval(str(tmp_path), at_step=500)
    assert np.isclose(at_500["eval_error"], (0.0 + 0.2 + 0.4) / 3)  # evaluations at 0, 200, 400
    assert np.isclose(at_500["eval_mean_ponder"], 2.2)
    assert np.isclose(at_500["eval_mean_steps"], 1.2)


def test_halting_histogram_figure_writes_a_png(tmp_path):
    path = act_experiments.halting_histogram_figure(_parity_experiment(-1.0),
                                                    str(tmp_path / "halting.png"), examples=200)
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_compare_runs_figure_with_a_target_line_writes_a_png(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.csv").write_text("step,eval_error\n0,0.5\n100,\n200,0.01\n")
    path = act_experiments.compare_runs_figure({"a run": str(run)}, str(tmp_path / "runs.png"),
                                               "title", target=0.02)
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
