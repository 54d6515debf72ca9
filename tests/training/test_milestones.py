"""steps_to_reach: first and settled steps under a threshold, read from metrics.csv."""
import pytest

from tinyaug.training.milestones import steps_to_reach


def write_metrics(path, rows):
    """rows: (step, eval_error or None); training rows in between have no eval value."""
    lines = ["step,error,eval_error"]
    for step, value in rows:
        lines.append(f"{step},0.5,{'' if value is None else value}")
    (path / "metrics.csv").write_text("\n".join(lines) + "\n")


def test_first_and_settled(tmp_path):
    write_metrics(tmp_path, [(0, 0.5), (50, None), (100, 0.019), (200, 0.021), (300, 0.02),
                             (350, None), (400, 0.01)])
    assert steps_to_reach(str(tmp_path), 0.02) == {"first": 100, "settled": 300}


def test_never_and_not_settled(tmp_path):
    write_metrics(tmp_path, [(0, 0.5), (100, 0.3)])
    assert steps_to_reach(str(tmp_path), 0.02) == {"first": None, "settled": None}
    write_metrics(tmp_path, [(0, 0.5), (100, 0.01), (200, 0.3)])
    assert steps_to_reach(str(tmp_path), 0.02) == {"first": 100, "settled": None}


def test_under_from_the_start(tmp_path):
    write_metrics(tmp_path, [(0, 0.01), (100, 0.0)])
    assert steps_to_reach(str(tmp_path), 0.02) == {"first": 0, "settled": 0}


def test_missing_column_names_it(tmp_path):
    write_metrics(tmp_path, [(0, 0.5)])
    with pytest.raises(KeyError, match="eval_bits.*columns"):
        steps_to_reach(str(tmp_path), 0.1, metric="eval_bits")
