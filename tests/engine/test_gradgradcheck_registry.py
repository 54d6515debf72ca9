"""Second derivatives of every registered op: ``ta.gradgradcheck`` each OpCase whose ops claim
``double_backward``, and require a case for every op that claims it.

Every primitive op of the engine (``tinyaug/autograd/ops``) must claim it; fused kernels of the
models may not (they raise a ``GraphError`` naming their composite alternative, see
``test_higher_order.py``).
"""
from __future__ import annotations

import numpy as np
import pytest

import tinyaug as ta
from tests.engine.test_gradcheck_registry import CASES, _all_function_classes, _contiguous, _is_concrete, _leaves


def _claims(case) -> bool:
    return all(op.double_backward for op in case.ops)


GRADGRAD_CASES = [c for c in CASES if c.gradgrad and _claims(c)]


@pytest.mark.parametrize("case", GRADGRAD_CASES, ids=[c.name for c in GRADGRAD_CASES])
def test_gradgradcheck(case):
    leaves = _leaves(case, np.random.default_rng(0), _contiguous)
    assert ta.gradgradcheck(case.fn, leaves, **case.check) is True


def test_every_double_backward_op_has_a_gradgradcheck_case():
    covered = {op for case in GRADGRAD_CASES for op in case.ops}
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in _all_function_classes()
                     if _is_concrete(c) and c.double_backward and c not in covered)
    assert not missing, ("ops that claim double_backward but have no OpCase run through "
                         "gradgradcheck (gradgrad=True) in tests/opcases/: " + ", ".join(missing))


def test_every_primitive_op_supports_double_backward():
    primitive = [c for c in _all_function_classes()
                 if c.__module__.startswith("tinyaug.autograd.ops.") and _is_concrete(c)]
    assert len(primitive) > 40
    lacking = sorted(c.__qualname__ for c in primitive if not c.double_backward)
    assert not lacking, "primitive ops without double_backward: " + ", ".join(lacking)
