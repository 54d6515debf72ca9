"""Every command written in README.md and docs/sections/ still runs as written.

A test cannot train for hours, so each command is checked as far as it can be without a
trained run: ``tinyaug train`` commands build their experiment (``--dry-run``: every flag and
setting accepted, every value valid); ``tinyaug eval/plot/explain`` and ``--resume`` commands
parse; ``python -c`` snippets and ``python - <<'PY'`` blocks compile, their imports run and
every ``module.name`` they use exists; ``python -m X`` and ``python path.py`` name modules
and files that exist (the example scripts answer ``--help``); ``pytest`` commands name test
files that exist. The long commands were run by hand with a short ``--steps``.
"""
from __future__ import annotations

import ast
import glob
import importlib
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import BACKENDS
from tinyaug.cli import build_parser, main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENTS = ["README.md", *sorted(os.path.relpath(p, ROOT) for p in
                                  glob.glob(os.path.join(ROOT, "docs", "sections", "*.md")))]
PREFIX = re.compile(r"^((pip install -e \.(\[\w+\])? && )|(\w+=\S+ )|time |nice -n \d+ |cp -r \S+ \S+ && )+")
#: Placeholders the documents use for "your run", "your seed", a loop variable.
PLACEHOLDERS = {"$tau": "0.1", "$seed": "0", "$run": "RUN", " S ": " 0 ", "{0..5}": "0"}


def code_lines(path: str) -> list[tuple[int, str]]:
    """(line number, text) of every line of code: fenced or indented blocks with their
    ``\\`` continuations joined, inline code spans, and heredoc bodies kept together."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as file:
        lines = file.read().splitlines()
    found, index, fenced = [], 0, False
    while index < len(lines):
        line = lines[index]
        if line.strip().startswith("```"):
            fenced = not fenced
        elif fenced or line.startswith("    "):
            start, text = index, line.strip()
            if "<<'PY'" in text:
                body = []
                while index + 1 < len(lines) and lines[index + 1].strip() != "PY":
                    index += 1
                    body.append(lines[index])
                index += 1
                found.append((start + 1, text + "\n" + "\n".join(body)))
            else:
                while text.endswith("\\") and index + 1 < len(lines):
                    index += 1
                    text = text[:-1].rstrip() + " " + lines[index].strip()
                found.append((start + 1, text))
        else:
            found += [(index + 1, span) for span in re.findall(r"`([^`]+)`", line)]
        index += 1
    return found


def documented_commands() -> list[tuple[str, str]]:
    commands = []
    for path in DOCUMENTS:
        for number, text in code_lines(path):
            head = text.split("\n", 1)[0]
            body = text[len(head):]
            for part in re.split(r"\s(?:&&|;)\s", head.split(" # ")[0].split("   #")[0]):
                part = PREFIX.sub("", part.strip())
                if re.match(r"(tinyaug \w|python3? |pytest\b)", part):
                    for old, new in PLACEHOLDERS.items():
                        part = part.replace(old, new)
                    part = re.sub(r"--seed S\b", "--seed 0", part)
                    commands.append((f"{path}:{number}", part + body))
    return commands


COMMANDS = documented_commands()


def of_kind(pattern: str) -> list:
    return [pytest.param(text, id=where) for where, text in COMMANDS if re.match(pattern, text)]


@pytest.fixture(autouse=True)
def one_backend(backend):
    if backend != BACKENDS[0]:
        pytest.skip("the documents' commands do not depend on the backend")


def test_the_documents_have_commands_of_every_kind():
    kinds = {"tinyaug train", "tinyaug eval", "tinyaug plot", "tinyaug explain", "python -c",
             "python -", "python -m", "python examples", "pytest"}
    assert all(any(text.startswith(kind) for _, text in COMMANDS) for kind in kinds)
    assert len(of_kind(r"tinyaug train --task")) >= 60


def _argv(text: str) -> list[str]:
    return shlex.split(text)[1:]


@pytest.mark.parametrize("text", of_kind(r"tinyaug train --task (?!T )"))
def test_documented_trainings_build(text, capsys):
    argv = _argv(text)
    if "..." in argv:
        pytest.skip("an elided command")
    if any(word.startswith("init_from=") for word in argv):
        pytest.skip("starts from the weights of a run made by an earlier command")
    if "index=hnsw" in argv:
        pytest.importorskip("hnswlib", reason="the approximate index is the [ann] extra")
    assert main(argv + ["--dry-run"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("text", of_kind(r"tinyaug ((eval|plot|explain) \S|list|train --resume)"))
def test_documented_run_commands_parse(text):
    args, extra = build_parser().parse_known_args(_argv(text))
    if args.command == "train":
        assert args.resume and not extra
    assert not extra, extra


def _check_python(code: str) -> None:
    """Compile ``code``, run its imports, and check every ``alias.name`` it reads exists."""
    tree = ast.parse(code)
    names: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = importlib.import_module(alias.name)
                names[alias.asname or alias.name.split(".")[0]] = (
                    module if alias.asname else importlib.import_module(alias.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names:
            assert hasattr(names[node.value.id], node.attr), f"{node.value.id}.{node.attr} does not exist"


@pytest.mark.parametrize("text", of_kind(r"python3? -c "))
def test_documented_python_snippets(text):
    _check_python(shlex.split(text)[2])


@pytest.mark.parametrize("text", of_kind(r"python3? - <<'PY'"))
def test_documented_python_blocks(text):
    _check_python(textwrap.dedent(text.split("\n", 1)[1]))


@pytest.mark.parametrize("text", of_kind(r"python3? (-u )?(-m |\S+\.py)"))
def test_documented_modules_and_scripts_exist(text):
    words = [w for w in shlex.split(text)[1:] if w != "-u"]
    if words[0] == "-m":
        assert importlib.util.find_spec(words[1]) is not None, words[1]
    else:
        assert os.path.exists(os.path.join(ROOT, words[0])), words[0]


def test_the_example_scripts_run():
    scripts = sorted({shlex.split(text)[1] for _, text in COMMANDS if re.match(r"python examples/", text)})
    assert scripts
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for script in scripts:
        result = subprocess.run([sys.executable, os.path.join(ROOT, script), "--help"],
                                capture_output=True, text=True, env=env, cwd=ROOT)
        assert result.returncode == 0 and "usage:" in result.stdout, (script, result.stderr)


@pytest.mark.parametrize("text", of_kind(r"(python -m )?pytest "))
def test_documented_test_files_exist(text):
    for word in shlex.split(text):
        if word.startswith("tests/"):
            assert os.path.exists(os.path.join(ROOT, word.split("::")[0])), word
