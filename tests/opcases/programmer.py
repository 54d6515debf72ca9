"""Gradcheck cases for the Neural Programmer's operations (compositions of engine ops; the
programmer adds no Function of its own). Inputs avoid ties for min/max (and/or)."""
import numpy as np

from tinyaug.autograd.ops.arithmetic import Add, Multiply, Subtract
from tinyaug.autograd.ops.elementwise import Maximum, Minimum
from tinyaug.autograd.ops.linalg import Einsum
from tinyaug.autograd.ops.neural import Softmax
from tinyaug.autograd.ops.reductions import Sum
from tinyaug.models.programmer import operations as O
from tinyaug.models.programmer.controller import masked_softmax

from . import OpCase

B, R, C, K = 2, 4, 3, 2


def _probabilities(rng, *shape):
    weights = rng.random(shape) + 0.1
    return weights / weights.sum(axis=-1, keepdims=True)


def _distinct_rows(rng):
    # and/or take min/max of two row selectors: keep the pairs apart (no ties, no kinks).
    first = rng.random((B, R))
    second = first + np.where(rng.random((B, R)) < 0.5, -0.3, 0.3)
    return [first, second]


CASES = [
    OpCase("programmer_compare_rows", [Einsum],
           lambda comparison, column, pivot: O.compare_rows(comparison.astype(np.float64), column, pivot),
           lambda rng: [rng.integers(0, 2, size=(B, R, C, K)), _probabilities(rng, B, C),
                        _probabilities(rng, B, K)]),
    OpCase("programmer_and_rows", [Minimum], O.and_rows, _distinct_rows),
    OpCase("programmer_or_rows", [Maximum], O.or_rows, _distinct_rows),
    OpCase("programmer_sum_column", [Einsum], O.sum_column,
           lambda rng: [rng.integers(0, 10, size=(B, R, C)).astype(np.float64),
                        _probabilities(rng, B, C), rng.random((B, R))]),
    OpCase("programmer_count_rows", [Sum], O.count_rows, lambda rng: [rng.random((B, R))]),
    OpCase("programmer_difference", [Subtract], O.difference,
           lambda rng: [rng.standard_normal(B), rng.standard_normal(B)]),
    OpCase("programmer_assign_lookup", [Multiply], O.assign_lookup,
           lambda rng: [_probabilities(rng, B, C), rng.random((B, R))]),
    OpCase("programmer_mix", [Multiply, Add],
           lambda weights, a, b: O.mix(weights, [a, b]),
           lambda rng: [_probabilities(rng, B, 2), rng.random((B, R)), rng.random((B, R))]),
    OpCase("programmer_masked_softmax", [Softmax],
           lambda logits: masked_softmax(logits, np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])),
           lambda rng: [rng.standard_normal((2, 3))]),
]
