"""babi_summary: the last evaluation of each run, selection by training error (never by test
error), the Markdown table and the figure."""
import os

from tinyaug.experiments.babi_summary import main


def _run(folder, test_error, train_error, steps=100):
    os.makedirs(folder)
    with open(os.path.join(folder, "metrics.csv"), "w") as file:
        file.write("step,wall_time,loss,eval_error,eval_train_error\n")
        file.write(f"0,0.0,1.0,0.9,0.9\n{steps},120.0,0.1,{test_error},{train_error}\n")


def test_table_and_selection_by_training_error(tmp_path, capsys):
    _run(tmp_path / "babi-1-a", 0.02, 0.01)
    _run(tmp_path / "babi-1-b", 0.01, 0.05)     # lower test error, higher training error
    _run(tmp_path / "babi-2-b", 0.10, 0.08, steps=200)
    figure = str(tmp_path / "bars.png")
    assert main([str(tmp_path), "--runs", "a=babi-{id}-a", "b=babi-{id}-b",
                 "--select", "chosen=a,b", "--figure", figure]) == 0
    lines = capsys.readouterr().out.splitlines()
    row_1 = next(line for line in lines if line.startswith("| 1 |"))
    row_2 = next(line for line in lines if line.startswith("| 2 |"))
    assert row_1.split("|")[-2].strip() == "2.0 (1.0; 100, 2)"       # chosen: run a
    assert row_2.split("|")[-2].strip() == "10.0 (8.0; 200, 2)"
    assert "not run" in next(line for line in lines if line.startswith("| 3 |"))
    assert os.path.exists(figure)


def test_selection_by_validation_error(tmp_path, capsys, monkeypatch):
    """--select-valid takes each task's run with the lowest held-out (validation) error, even
    against a lower training error; the validation errors are printed."""
    import tinyaug.experiments.babi_summary as summary
    _run(tmp_path / "babi-1-a", 0.02, 0.01)
    _run(tmp_path / "babi-1-b", 0.03, 0.05)
    validation = {"babi-1-a": 4.0, "babi-1-b": 2.5}
    monkeypatch.setattr(summary, "validation_error",
                        lambda run_dir: validation[os.path.basename(run_dir)])
    assert main([str(tmp_path), "--runs", "a=babi-{id}-a", "b=babi-{id}-b",
                 "--select", "by-train=a,b", "--select-valid", "by-valid=a,b"]) == 0
    out = capsys.readouterr().out
    row_1 = next(line for line in out.splitlines() if line.startswith("| 1 |")).split("|")
    assert row_1[-3].strip() == "2.0 (1.0; 100, 2)"        # by training error: run a
    assert row_1[-2].strip() == "3.0 (5.0; 100, 2)"        # by validation error: run b
    assert "validation: task 1 b: 2.5%" in out


def test_bad_column_options_are_usage_errors_naming_the_option(tmp_path, capsys):
    import pytest
    _run(tmp_path / "babi-1-a", 0.02, 0.01)
    for argv, message in ((["--runs", "a"], "--runs 'a': expected NAME=VALUE"),
                          (["--runs", "a=babi-{id}-a", "--select", "chosen"],
                           "--select 'chosen': expected NAME=VALUE"),
                          (["--runs", "a=babi-{id}-a", "--select-valid", "v=a,zz"],
                           "--select-valid 'v=a,zz': unknown column(s) zz; columns: a")):
        with pytest.raises(SystemExit) as exit_info:
            main([str(tmp_path), *argv])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
