"""Opt-in (``pytest -m slow``): the acceptance training of docs/sections/training.md."""
import json

import pytest

from tinyaug.cli import main


@pytest.mark.slow
def test_lstm_learns_copy_of_lengths_1_to_5(tmp_path, capsys, backend):
    if backend != "numpy":
        pytest.skip("one backend is enough for a 2-minute training")
    run_dir = str(tmp_path / "copy5")
    assert main(["train", "--task", "copy", "--model", "lstm", "--steps", "20000", "--seed", "0",
                 "--set", "max_length=5", "--set", "eval_every=500", "--progress", "quiet",
                 "--out", run_dir]) == 0
    capsys.readouterr()
    assert main(["eval", run_dir, "--batches", "16"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["bits_per_sequence"] < 0.1
