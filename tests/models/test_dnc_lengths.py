"""A trained DNC copy run scored with another memory size at fixed lengths
(``tinyaug.experiments.dnc_lengths``): same parameters, N rows in the rebuilt model, the scores
of the trained size equal to the run's own, clear errors for what cannot work."""
import numpy as np
import pytest

import tinyaug.experiments  # noqa: F401  (registers the experiments when this file runs alone)
from tinyaug.cli import main as cli_main
from tinyaug.experiments.dnc_lengths import length_rows, main, restore_with_rows
from tinyaug.training.loop import restore_run

SMALL = ["--set", "memory=6x8", "--set", "controller_size=8", "--set", "read_heads=2",
         "--set", "max_length=3", "--batch-size", "2", "--steps", "3", "--progress", "quiet"]


@pytest.fixture(scope="module")
def copy_run(tmp_path_factory):
    run_dir = str(tmp_path_factory.mktemp("runs") / "copy-dnc")
    assert cli_main(["train", "--task", "copy", "--model", "dnc", "--out", run_dir, *SMALL]) == 0
    return run_dir


def test_rebuilt_model_has_the_new_rows_and_the_trained_parameters(copy_run):
    trained, _, step, _ = restore_run(copy_run)
    larger, larger_step = restore_with_rows(copy_run, 20)
    assert larger_step == step == 3
    assert larger.model.cell.memory_rows == 20 and trained.model.cell.memory_rows == 6
    for name, value in trained.model.state_dict().items():
        np.testing.assert_array_equal(larger.model.state_dict()[name], value)
    _, trace = larger.trace(larger.task_generator.batch(2, np.random.default_rng(0), length=9))
    assert trace["usage"].shape == (19, 2, 20)          # time 2L + 1, batch, N rows


def test_trained_size_scores_as_the_run_itself(copy_run):
    trained, _, _, _ = restore_run(copy_run)
    expected = trained.score(12, np.random.default_rng([7, 5]), length=5)
    (row,) = length_rows(copy_run, [6], [5], sequences=12, seed=7)
    assert row["rows"] == 6 and row["length"] == 5 and row["sequences"] == 12
    assert row["bits"] == pytest.approx(expected["bits"].mean(), rel=1e-12)
    assert row["wrong_bits"] == pytest.approx(expected["wrong"].mean(), rel=1e-12)
    assert row["wrong_sequences"] == int((expected["wrong"] > 0).sum())


def test_table_has_a_row_per_memory_size_and_length(copy_run, capsys):
    assert main([copy_run, "--rows", "4,10", "--lengths", "2,7", "--sequences", "3"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "rows" not in line]
    assert [tuple(line.split(" | ")[:2]) for line in lines] == [("| 4", "2"), ("| 4", "7"), ("| 10", "2"), ("| 10", "7")]


def test_bad_rows_and_non_dnc_runs_are_errors(copy_run, tmp_path):
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        restore_with_rows(copy_run, 0)
    ntm_run = str(tmp_path / "copy-lstm")
    assert cli_main(["train", "--task", "copy", "--model", "lstm", "--out", ntm_run, "--set", "hidden_size=4",
                     "--set", "max_length=2", "--steps", "1", "--progress", "quiet"]) == 0
    with pytest.raises(ValueError, match="not a DNC run"):
        restore_with_rows(ntm_run, 8)
    with pytest.raises(SystemExit):
        main([copy_run, "--rows", "0"])
