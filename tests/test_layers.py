"""Layers one way down (CONTRIBUTING.md, "Layers"): no module of tinyaug imports upward or
sideways, not even inside a function, except the pairs listed in ALLOWED."""
from __future__ import annotations

import os
import textwrap

import tinyaug
from tests.layering.imports import arrows, violations

#: Each top-level part of tinyaug and its layer; a part may import only from lower layers.
#: models, tasks, training and plots sit side by side and know nothing of each other: a task
#: knows no model, a model no data set; training (the generic loop, metrics, checkpoints)
#: knows neither; plots draw arrays, traces and metrics and know no model, task or
#: experiment. experiments glue them; the command is on top.
LAYERS: dict[str, int] = {
    "errors": 0,
    "backends": 1,
    "autograd": 2, "checkpoint": 2,
    "nn": 3, "optim": 3,
    "": 4,  # tinyaug/__init__.py: the public namespace (autograd ops, nn, optim, checkpoint)
    "models": 5, "tasks": 5, "training": 5, "plots": 5,
    "experiments": 6, "sweeps": 6,
    "cli": 7,
    "__main__": 8,  # python -m tinyaug: the command
}

#: (importer, imported) pairs that may break the rule. Keep this empty if you can.
ALLOWED: set[tuple[str, str]] = set()

PACKAGE_DIR = os.path.dirname(tinyaug.__file__)


def test_tinyaug_imports_only_downward():
    problems = violations(PACKAGE_DIR, "tinyaug", LAYERS, ALLOWED)
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_the_checker_reads_the_real_package():
    found = {(a.importer, a.imported) for a in arrows(PACKAGE_DIR, "tinyaug")}
    assert ("tinyaug.experiments.ntm", "tinyaug.models.ntm") in found
    assert ("tinyaug.nn.lstm", "tinyaug.nn.lstm_fused") in found


def _package(root, files: dict[str, str]) -> str:
    for name, text in files.items():
        path = root / "fake" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(root / "fake")


FAKE_LAYERS = {"": 0, "low": 0, "high": 1, "other": 1}
CLEAN = {"__init__.py": "", "low/__init__.py": "X = 1\n", "other.py": "",
         "high/__init__.py": "from ..low import X\nfrom fake import low\nimport fake.low\n"}


def test_the_checker_passes_a_package_that_imports_downward(tmp_path):
    assert violations(_package(tmp_path, CLEAN), "fake", FAKE_LAYERS) == []


def test_the_checker_fails_on_an_upward_import_inside_a_function(tmp_path):
    files = {**CLEAN, "low/use.py": "def later():\n    from ..high import thing\n"}
    problems = violations(_package(tmp_path, files), "fake", FAKE_LAYERS)
    assert len(problems) == 1 and "fake.low.use:2 imports fake.high (upward" in problems[0]
    # ... and the allowed list is what lets it through
    assert violations(_package(tmp_path, files), "fake", FAKE_LAYERS,
                      {("fake.low.use", "fake.high")}) == []


def test_the_checker_fails_on_sideways_and_unknown_parts(tmp_path):
    files = {**CLEAN, "other.py": "import fake.high.deep\n", "new.py": "from . import low\n"}
    problems = violations(_package(tmp_path, files), "fake", FAKE_LAYERS)
    assert any("fake.other:1 imports fake.high.deep (sideways" in p for p in problems)
    assert any("fake.new has no layer" in p for p in problems)
