"""Second derivatives of every registered op: ``ta.gradgradcheck`` each OpCase whose ops claim
``double_backward`` (contiguous and strided inputs), and require a case for every op that claims it.

Every primitive op of the engine (``tinyaug/autograd/ops``) must claim it; fused kernels of the
models may not (they raise a ``GraphError`` naming their composite alternative, see
``test_higher_order.py``).
"""
from __future__ import annotations

import gc

import numpy as np
import pytest

import tinyaug as ta
from tests.engine.test_gradcheck_registry import (CASES, _all_function_classes, _contiguous, _is_concrete,
                                                  _leaves, _strided)


def _claims(case) -> bool:
    return all(op.double_backward for op in case.ops)


GRADGRAD_CASES = [c for c in CASES if c.gradgrad and _claims(c)]


@pytest.mark.parametrize("case", GRADGRAD_CASES, ids=[c.name for c in GRADGRAD_CASES])
def test_gradgradcheck(case):
    leaves = _leaves(case, np.random.default_rng(0), _contiguous)
    assert ta.gradgradcheck(case.fn, leaves, **case.check) is True


@pytest.mark.parametrize("case", [c for c in GRADGRAD_CASES if c.noncontiguous],
                         ids=[c.name for c in GRADGRAD_CASES if c.noncontiguous])
def test_gradgradcheck_noncontiguous(case):
    leaves = _leaves(case, np.random.default_rng(0), _strided)
    assert ta.gradgradcheck(case.fn, leaves, **case.check) is True


def _claiming_ops_without_a_case() -> list[str]:
    covered = {op for case in GRADGRAD_CASES for op in case.ops}
    return sorted(f"{c.__module__}.{c.__qualname__}" for c in _all_function_classes()
                  if _is_concrete(c) and c.double_backward and c not in covered)


def test_every_double_backward_op_has_a_gradgradcheck_case():
    missing = _claiming_ops_without_a_case()
    assert not missing, ("ops that claim double_backward but have no OpCase run through "
                         "gradgradcheck (gradgrad=True) in tests/opcases/: " + ", ".join(missing))


def test_the_coverage_check_sees_a_new_claiming_op():
    class Twice(ta.Function):
        double_backward = True

        def forward(self, x):
            return 2 * x

        def backward(self, grad):
            return 2 * grad

    Twice.__module__ = "tinyaug.autograd.ops.new_family"
    try:
        assert "tinyaug.autograd.ops.new_family." + Twice.__qualname__ in _claiming_ops_without_a_case()
    finally:  # classes live in reference cycles: collect it, so no later registry test sees it
        del Twice
        gc.collect()
    assert not any(c.__module__.endswith("new_family") for c in _all_function_classes())


def test_every_primitive_op_supports_double_backward():
    primitive = [c for c in _all_function_classes()
                 if c.__module__.startswith("tinyaug.autograd.ops.") and _is_concrete(c)]
    assert len(primitive) > 40
    lacking = sorted(c.__qualname__ for c in primitive if not c.double_backward)
    assert not lacking, "primitive ops without double_backward: " + ", ".join(lacking)
