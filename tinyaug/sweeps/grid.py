"""The grid of a sweep: seeds, swept settings and fixed settings expanded into one ``Run`` per
(setting combination, seed), each with its own folder.

Nothing here knows a model or a task: settings are the strings the user typed, passed on to
``tinyaug train`` as ``--<setting> VALUE`` (which parses and checks them).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field

from .errors import SweepError

#: The label of the one setting combination of a sweep that sweeps only seeds.
BASE_LABEL = "base"


@dataclass(frozen=True)
class Run:
    """One training of the sweep: ``settings`` (swept and fixed, as typed) and ``seed``."""

    label: str                      # the setting combination, e.g. "lr=0.001+hidden_size=8"
    swept: tuple                    # ((key, value), ...) of the swept settings, in grid order
    seed: int
    settings: dict = field(compare=False, hash=False)  # every setting passed on (swept + fixed)

    def folder(self, out: str) -> str:
        return os.path.join(out, "runs", self.label, f"seed-{self.seed}")


def parse_seeds(text: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"0,2,7"``, ``"0-2,9"`` and ``"5"`` likewise; order kept,
    duplicates dropped."""
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise SweepError(f"sweep: --seeds {text!r}: expected numbers and ranges such as "
                             f"0-4 or 0,2,7 (bad part {part!r})")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise SweepError(f"sweep: --seeds {text!r}: range {part!r} runs backwards")
        seeds += [seed for seed in range(first, last + 1) if seed not in seeds]
    return seeds


def split_values(text: str) -> list[str]:
    """``"1e-3,1e-4"`` -> ["1e-3", "1e-4"]: commas split values, except inside brackets or
    braces, so a JSON value such as ``[1,2]`` stays whole."""
    values, depth, current = [], 0, []
    for character in str(text):
        if character in "[{(":
            depth += 1
        elif character in "]})":
            depth -= 1
        if character == "," and depth == 0:
            values.append("".join(current).strip())
            current = []
        else:
            current.append(character)
    values.append("".join(current).strip())
    if any(value == "" for value in values):
        raise SweepError(f"sweep: {text!r}: an empty value (two commas in a row, or one at an end)")
    return values


def settings_from_flags(tokens: list[str]) -> dict[str, list[str]]:
    """``["--lr", "1e-3,1e-4", "--hidden-size=8"]`` -> {"lr": ["1e-3", "1e-4"], "hidden_size": ["8"]}.

    Each setting once; dashes become underscores (as ``tinyaug train`` reads them)."""
    settings: dict[str, list[str]] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.startswith("--") or token == "--":
            raise SweepError(f"sweep: unexpected argument {token!r} (settings are --SETTING "
                             "v1,v2,...)")
        name, has_value, value = token[2:].partition("=")
        if not has_value:
            if index + 1 >= len(tokens) or tokens[index + 1].startswith("--"):
                raise SweepError(f"sweep: {token} needs a value (or comma-separated values)")
            index += 1
            value = tokens[index]
        key = name.replace("-", "_")
        if key in settings:
            raise SweepError(f"sweep: --{name} is given twice; give its values once, separated "
                             "by commas")
        settings[key] = split_values(value)
        index += 1
    return settings


def _label(swept: tuple) -> str:
    if not swept:
        return BASE_LABEL
    text = "+".join(f"{key}={value}" for key, value in swept)
    return re.sub(r"[^A-Za-z0-9=+._-]", "_", text)  # a folder name any shell can type


def expand(settings: dict[str, list[str]], seeds: list[int]) -> list[Run]:
    """Every combination of the settings with more than one value, times every seed (settings
    in the order given, seeds fastest). Settings with one value are fixed: passed to every run
    and left out of the labels."""
    if not seeds:
        raise SweepError("sweep: no seeds")
    swept_keys = [key for key, values in settings.items() if len(values) > 1]
    fixed = {key: values[0] for key, values in settings.items() if len(values) == 1}
    for key in swept_keys:
        if len(set(settings[key])) != len(settings[key]):
            raise SweepError(f"sweep: --{key.replace('_', '-')} lists a value twice: "
                             f"{','.join(settings[key])}")
    runs = []
    for combination in itertools.product(*(settings[key] for key in swept_keys)):
        swept = tuple(zip(swept_keys, combination))
        for seed in seeds:
            runs.append(Run(_label(swept), swept, seed, {**fixed, **dict(swept)}))
    labels = {}
    for run in runs:  # two combinations must not share a folder after the name cleaning
        if labels.setdefault(run.label, run.swept) != run.swept:
            raise SweepError(f"sweep: settings {dict(run.swept)} and {dict(labels[run.label])} "
                             f"would share the folder name {run.label!r}")
    return runs


def identity(task: str, model: str, settings: dict[str, list[str]]) -> dict:
    """What makes two sweep commands the same sweep, so that they share a folder: the task, the
    model, the fixed settings and which settings are swept (not their values, nor the seeds:
    a rerun with more seeds or more values reuses every run already done)."""
    return {"task": task, "model": model,
            "fixed": {k: v[0] for k, v in sorted(settings.items()) if len(v) == 1},
            "swept": sorted(k for k, v in settings.items() if len(v) > 1)}


def default_out(identity_: dict) -> str:
    """``sweeps/<task>-<model>-<8 hex digits of the identity>``: the same command, typed again,
    finds its own folder (and resumes)."""
    digest = hashlib.sha1(json.dumps(identity_, sort_keys=True).encode()).hexdigest()[:8]
    return os.path.join("sweeps", f"{identity_['task']}-{identity_['model']}-{digest}")
