"""Gradcheck every registered OpCase, contiguous and strided, and require a case per Function."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import tinyaug as ta
from tests.opcases import all_cases

CASES = all_cases()


def _contiguous(array: np.ndarray, requires_grad: bool) -> ta.Tensor:
    return ta.tensor(array, requires_grad=requires_grad)


def _strided(array: np.ndarray, requires_grad: bool) -> ta.Tensor:
    """The same values as a ::2 view of a larger array on the current backend (non-contiguous)."""
    if array.ndim == 0:
        return ta.tensor(array, requires_grad=requires_grad)
    wide = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
    wide[..., ::2] = array
    wide[..., 1::2] = 1e6  # poison: any read of the gaps would show in the results
    view = ta.tensor(wide).data[..., ::2]
    if array.size > 1 and array.shape[-1] > 1:
        assert not view.flags.c_contiguous
    return ta.Tensor(view, requires_grad=requires_grad)


def _leaves(case, rng, make):
    arrays = case.inputs(rng)
    return [make(a, requires_grad=True) if a.dtype.kind == "f" else ta.tensor(a) for a in arrays]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradcheck(case):
    leaves = _leaves(case, np.random.default_rng(0), _contiguous)
    assert ta.gradcheck(case.fn, leaves, **case.check) is True


@pytest.mark.parametrize("case", [c for c in CASES if c.noncontiguous],
                         ids=[c.name for c in CASES if c.noncontiguous])
def test_gradcheck_noncontiguous(case):
    leaves = _leaves(case, np.random.default_rng(0), _strided)
    assert ta.gradcheck(case.fn, leaves, **case.check) is True


def _all_function_classes() -> set[type]:
    import tinyaug
    for info in pkgutil.walk_packages(tinyaug.__path__, "tinyaug."):
        if info.name.endswith("cupy_backend"):
            continue  # imports CuPy lazily and defines no Function
        if info.name.endswith(".__main__"):
            continue  # a command (python -m ...), which runs when imported
        importlib.import_module(info.name)
    found, todo = set(), [ta.Function]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tinyaug."):
                found.add(sub)
    return found


def _is_concrete(cls: type) -> bool:
    defines_forward = any("forward" in vars(k) for k in cls.__mro__ if k is not ta.Function)
    private_base = cls.__name__.startswith("_") and bool(cls.__subclasses__())
    return defines_forward and not private_base and not inspect.isabstract(cls)


def test_every_function_has_an_opcase():
    covered = {op for case in CASES for op in case.ops}
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in _all_function_classes()
                     if _is_concrete(c) and c not in covered)
    assert not missing, ("Function subclasses without an OpCase in tests/opcases/: "
                         + ", ".join(missing))


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
