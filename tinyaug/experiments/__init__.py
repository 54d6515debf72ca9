"""Experiment modules, one per model family (lstm.py, ntm.py, attention.py, ...).

Importing this package imports every module in it (``discover()``), so that their
``@register`` decorators fill ``tinyaug.training.EXPERIMENTS``: ``import tinyaug.experiments``
is all a script needs before ``tinyaug.training.loop.restore_run``. A module that fails to
import does not hide the others: its error is returned by ``discover()`` (and warned about)
instead of raised. Modules whose names start with ``_`` are skipped.
"""
from __future__ import annotations

import importlib
import pkgutil
import traceback
import warnings

_failures: dict[str, str] = {}
_discovered = False


def discover() -> dict[str, str]:
    """Import every experiment module once; return {module name: error} for those that failed."""
    global _discovered
    if not _discovered:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            try:
                importlib.import_module(f"{__name__}.{info.name}")
            except Exception as error:  # one helper's broken module must not break the command
                _failures[info.name] = "".join(traceback.format_exception_only(type(error), error)).strip()
                warnings.warn(f"tinyaug.experiments.{info.name} failed to import: "
                              f"{_failures[info.name]}", RuntimeWarning, stacklevel=2)
        _discovered = True
    return dict(_failures)


discover()
