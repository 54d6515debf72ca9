"""The copy generalisation figure: ``examples/sam_figures.py lengths`` groups the rows that
``examples/sam_long_copy.py --json`` writes and ``tinyaug.plots.sam.lengths_figure`` draws them."""
from __future__ import annotations

import importlib.util
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_example():
    spec = importlib.util.spec_from_file_location("sam_figures", os.path.join(ROOT, "examples", "sam_figures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(model, rows, index, length, wrong, trained=(1, 20)):
    return {"model": model, "rows": rows, "index": index, "length": length, "bits": 2.0 * wrong + 0.1,
            "wrong": wrong, "bits_per_vector": 8, "trained_lengths": list(trained)}


def test_rows_are_grouped_by_model_and_sorted_by_length(tmp_path):
    example = load_example()
    rows = [row("SAM", 1 << 20, "hnsw", 50, 100.0), row("SAM", 1 << 20, "hnsw", 10, 0.0),
            row("NTM (dense)", 128, "dense", 10, 0.0), row("SAM", 1 << 20, "hnsw", 50, 90.0)]
    lines = example.length_lines(rows)
    assert set(lines) == {"SAM, N = 1,048,576, hnsw", "NTM (dense), N = 128"}
    lengths, wrong, bits, width, longest = lines["SAM, N = 1,048,576, hnsw"]
    assert lengths == [10, 50] and wrong == [0.0, 90.0] and width == 8 and longest == 20  # last row kept
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"rows": rows}))
    figure = tmp_path / "lengths.png"
    example.main(["lengths", str(path), str(figure)])
    assert figure.stat().st_size > 1000
