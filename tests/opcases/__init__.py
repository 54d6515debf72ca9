"""The gradcheck registry: one ``OpCase`` (or more) per differentiable ``Function``.

Each area keeps its cases in a module of this folder that defines ``CASES``; ``all_cases()``
collects them. ``tests/engine/test_gradcheck_registry.py`` gradchecks every case (also with
non-contiguous inputs) and fails when a ``Function`` subclass of the package has no case.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Sequence


@dataclass
class OpCase:
    """``ops``: the Function classes this case exercises (for the coverage test).
    ``fn``: takes tensors, returns a tensor or tuple of tensors.
    ``inputs``: ``rng -> list`` of float64 NumPy arrays (checked) or integer/bool arrays
    (passed through, not checked). Keep them small: full Jacobians are computed.
    ``check``: extra keyword arguments for ``ta.gradcheck`` (atol, rtol, eps, ...).
    ``noncontiguous``: also run with every float input as a strided (non-contiguous) view.
    ``gradgrad``: also ``ta.gradgradcheck`` the case (second derivatives) when every op in
    ``ops`` claims ``double_backward``; False only with a reason beside the case.
    """

    name: str
    ops: Sequence[type]
    fn: Callable
    inputs: Callable
    check: dict = field(default_factory=dict)
    noncontiguous: bool = True
    gradgrad: bool = True

    def __repr__(self) -> str:
        return self.name


def all_cases() -> list[OpCase]:
    cases = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(getattr(module, "CASES", []))
    return cases
