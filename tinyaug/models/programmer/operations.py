"""The Neural Programmer's built-in operations, soft (differentiable in the selector weights).

Neelakantan, Le & Sutskever 2015, §2.3: every operation runs at every step on the table
``T`` (batch, rows, columns) and the previous steps' outputs; the step's outputs are their
mixture under the operation selector. Two output types, merged only within a type:

* row selector ``rs`` (batch, rows), values in [0, 1]: greater, lesser, and, or, reset;
* scalar (batch,): count, sum, difference; lookup (batch, rows, columns): assign (print).

Comparisons are hard (T_ij > pivot has no useful gradient in the pivot), so the pivot is kept
as a distribution ``β`` over the question's numbers and the comparison is mixed over it:
``g_i = Σ_j α^col_j Σ_k β_k [T_ij > n_k]`` — equal to ``[T_ij > Σ_k β_k n_k]`` when β is
one-hot, and differentiable in β (and α^col) everywhere. All functions are compositions of
engine ops; no new ``Function`` is introduced.
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.tensor import Tensor

ROW_OPERATIONS = ("greater", "lesser", "and", "or", "reset")
SCALAR_OPERATIONS = ("sum", "count", "difference")
LOOKUP_OPERATIONS = ("assign",)
OPERATIONS = ("sum", "count", "difference", "greater", "lesser", "and", "or", "assign", "reset")


def comparisons(table, numbers, row_mask):
    """Constant 0/1 arrays ``greater[b,i,j,k] = T_bij > n_bk`` and ``lesser`` (T_bij < n_bk),
    zero on padded rows. ``table`` (B, R, C), ``numbers`` (B, K), ``row_mask`` (B, R)."""
    xp = table.xp
    values, pivots = table.data[:, :, :, None], numbers.data[:, None, None, :]
    valid = row_mask.data[:, :, None, None]
    greater = (values > pivots).astype(table.dtype) * valid
    lesser = (values < pivots).astype(table.dtype) * valid
    return Tensor(xp.ascontiguousarray(greater)), Tensor(xp.ascontiguousarray(lesser))


def compare_rows(comparison, column_weights, pivot_weights):
    """greater/lesser: rs_i = Σ_j α^col_j Σ_k β_k cmp[i, j, k] — (B, R).
    ``comparison`` (B, R, C, K) constant; ``column_weights`` (B, C); ``pivot_weights`` (B, K)."""
    return ops.einsum("brck,bc,bk->br", comparison, column_weights, pivot_weights)


def and_rows(previous, before_previous):
    """and: min(rs_{t−1}, rs_{t−2}) elementwise."""
    return ops.minimum(previous, before_previous)


def or_rows(previous, before_previous):
    """or: max(rs_{t−1}, rs_{t−2}) elementwise."""
    return ops.maximum(previous, before_previous)


def sum_column(table, column_weights, rows):
    """sum: Σ_j α^col_j Σ_i rs_i T_ij — (B,)."""
    return ops.einsum("brc,bc,br->b", table, column_weights, rows)


def count_rows(rows):
    """count: Σ_i rs_i — (B,)."""
    return ops.sum(rows, axis=1)


def difference(scalar_three_back, scalar_previous):
    """difference: scalar_{t−3} − scalar_{t−1}."""
    return scalar_three_back - scalar_previous


def assign_lookup(column_weights, rows):
    """assign (print): lookup_ij = α^col_j rs_i — (B, R, C)."""
    return ops.expand_dims(rows, 2) * ops.expand_dims(column_weights, 1)


def mix(weights, outputs):
    """Σ_o weights[:, o] · outputs[o]; ``weights`` (B, O), each output (B, ...)."""
    total = None
    for index, output in enumerate(outputs):
        weight = weights[:, index]
        while weight.ndim < output.ndim:
            weight = ops.expand_dims(weight, -1)
        term = weight * output
        total = term if total is None else total + term
    return total
