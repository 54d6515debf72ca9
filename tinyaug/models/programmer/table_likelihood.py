"""Exact answer likelihood of the table Neural Programmer's discrete programs (T = 4 steps).

The soft model of Neelakantan et al. (2015) is trained on the answer of the *averaged* program;
a blend of operations can fit the answer while no discrete program does (measured on the
arithmetic programmer, and the likely cause of the table model's 40 % / 18 %). Here the loss is
the probability that the *discrete* program's answer is right,

    P(right) = Σ_programs Π_{t=1..4} P_t(op_t, column_t, pivot_t) · [execute(program) = y],

with P_t(op, col, piv) = α^op_t · α^col_t(col) · β_t(piv) (a factor only for the arguments the
operation uses) from the same controller. The controller's per-step distributions come from the
soft pass (the history RNN reads the soft selections), so the steps are independent under P and
the sum over the 65⁴ ≈ 2·10⁷ programs of a 10-column, 2-number question factorises. Programs
are executed exactly (constants, no gradient through values); the gradient reaches the
selectors only, and the supervision is still the final answer alone.

How the sum is organised (rs_0 = rs_{−1} = all rows, scalar_{≤0} = 0, as in ``tables.py``):

* *atoms*: the row sets a single step can make without its history, greater(c, k) and
  lesser(c, k) for every column c and number k, ALL (reset) and ZERO (any scalar operation or
  assign); π_t(atom) is its probability at step t.
* step 1: and/or of rs_0, rs_{−1} give ALL; step 2: and gives rs_1, or gives ALL.
* rs_3 is an atom of step 3, or min/max(rs_2, rs_1) with rs_2, rs_1 from the joint
  J[a2, a1] = π̃_2(a2) π_1(a1) + α^op_2(and) π_1(a1) δ(a2 = a1).
* step 4 = count / sum(c) / assign(c) reads rs_3; difference = scalar_1 − scalar_3 is
  enumerated over the outcomes of steps 1–3 (53 × 55 × 13 for 10 columns and 2 numbers);
  any other final operation answers 0 (or an empty lookup).

``tests/models/test_programmer_likelihood.py`` checks the result against brute-force
enumeration of every program with ``tinyaug.tasks.tables.execute_steps``.
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from . import operations as O

LIKELIHOOD_STEPS = 4
_OP = {name: index for index, name in enumerate(O.OPERATIONS)}
_TOLERANCE = 0.5  # answers are integers (cell values 0–99): equal means within 0.5


def _weight(operation_weights: Tensor, *names: str) -> Tensor:
    """Σ of the named operations' probabilities: (B,)."""
    total = None
    for name in names:
        term = operation_weights[:, _OP[name]]
        total = term if total is None else total + term
    return total


def _atom_probabilities(operation_weights, column_weights, pivot_weights, extra_all=None) -> Tensor:
    """π_t over atoms [greater(c, k) (C·K), lesser(c, k) (C·K), ALL, ZERO]: (B, 2CK + 2)."""
    batch_size, columns = column_weights.shape
    numbers = pivot_weights.shape[1]
    argument = ops.reshape(ops.expand_dims(column_weights, 2) * ops.expand_dims(pivot_weights, 1),
                           (batch_size, columns * numbers))
    greater = ops.expand_dims(_weight(operation_weights, "greater"), 1) * argument
    lesser = ops.expand_dims(_weight(operation_weights, "lesser"), 1) * argument
    all_rows = _weight(operation_weights, "reset")
    if extra_all is not None:
        all_rows = all_rows + extra_all
    zero_rows = _weight(operation_weights, "sum", "count", "difference", "assign")
    return ops.concatenate([greater, lesser, ops.expand_dims(all_rows, 1), ops.expand_dims(zero_rows, 1)], axis=1)


def atom_rows(batch) -> np.ndarray:
    """The atoms' row sets (B, A, R), A = 2CK + 2, in ``_atom_probabilities`` order (host 0/1)."""
    table, numbers, row_mask = batch.table, batch.numbers, batch.row_mask
    batch_size, rows, columns = table.shape
    valid = row_mask[:, :, None, None]
    greater = (table[:, :, :, None] > numbers[:, None, None, :]) * valid      # (B, R, C, K)
    lesser = (table[:, :, :, None] < numbers[:, None, None, :]) * valid
    atoms = np.concatenate([greater.reshape(batch_size, rows, -1), lesser.reshape(batch_size, rows, -1),
                            row_mask[:, :, None], np.zeros((batch_size, rows, 1))], axis=2)
    return np.ascontiguousarray(atoms.transpose(0, 2, 1)).astype(np.float64)


class _Indicators:
    """Constant 0/1 arrays [the final answer is right] per outcome, for one batch (host)."""

    def __init__(self, batch):
        table = batch.table.astype(np.float64)
        batch_size, rows, columns = table.shape
        is_lookup = batch.is_lookup > 0
        target = batch.scalar_answer[:, None]
        atoms = atom_rows(batch)                                             # (B, A, R)
        count_atoms = atoms.sum(axis=2)                                      # (B, A)
        sum_atoms = atoms @ table                                            # (B, A, C)
        # for 0/1 rows: min(a, b) = a·b and max(a, b) = a + b − a·b, so the pair sums are
        # matrix products and the (B, A, A, R) pair row sets are only built for lookups
        count_min = atoms @ atoms.transpose(0, 2, 1)                         # (B, A, A)
        count_max = count_atoms[:, :, None] + count_atoms[:, None, :] - count_min
        weighted = atoms[:, None, :, :] * table.transpose(0, 2, 1)[:, :, None, :]        # (B, C, A, R)
        sum_min = (weighted @ atoms.transpose(0, 2, 1)[:, None]).transpose(0, 2, 3, 1)  # (B, A, A, C)
        sum_max = sum_atoms[:, :, None, :] + sum_atoms[:, None, :, :] - sum_min
        right = lambda values, y: np.abs(values - y) < _TOLERANCE  # noqa: E731
        scalar = ~is_lookup
        # count over rs_3, per outcome of rs_3 (atom / min pair / max pair)
        self.count_atom = right(count_atoms, target) * scalar[:, None]
        self.count_min = right(count_min, target[:, :, None]) * scalar[:, None, None]
        self.count_max = right(count_max, target[:, :, None]) * scalar[:, None, None]
        # sum(c) over rs_3 for scalar questions, assign(c) of rs_3 for lookup questions: (…, C)
        column_atom = right(sum_atoms, target[:, :, None]) * scalar[:, None, None]
        column_min = right(sum_min, target[:, :, None, None]) * scalar[:, None, None, None]
        column_max = right(sum_max, target[:, :, None, None]) * scalar[:, None, None, None]
        answer_zero = np.abs(batch.scalar_answer) < _TOLERANCE
        for b in np.nonzero(is_lookup)[0]:
            cells = batch.lookup_answer[b] > 0.5                             # (R, C)
            used = np.nonzero(cells.any(axis=0))[0]
            answer_zero[b] = len(used) == 0
            if len(used) > 1:
                continue                                                     # assign prints one column
            wanted = cells[:, used[0]] if len(used) else np.zeros(rows, dtype=bool)
            chosen = np.ones(columns, dtype=bool) if not len(used) else np.arange(columns) == used[0]
            row_sets = atoms[b] > 0.5                                        # (A, R)
            pair_min = np.minimum(row_sets[:, None, :], row_sets[None, :, :])
            pair_max = np.maximum(row_sets[:, None, :], row_sets[None, :, :])
            column_atom[b] = np.all(row_sets == wanted, axis=1)[:, None] & chosen
            column_min[b] = np.all(pair_min == wanted, axis=2)[..., None] & chosen
            column_max[b] = np.all(pair_max == wanted, axis=2)[..., None] & chosen
        self.column_atom, self.column_min, self.column_max = column_atom, column_min, column_max
        self.answer_zero = answer_zero
        self.difference = self._difference(batch, atoms, count_atoms, sum_atoms) * scalar[:, None, None, None]

    @staticmethod
    def _difference(batch, atoms, count_atoms, sum_atoms) -> np.ndarray:
        """[scalar_1 − scalar_3 = y] over (step-1 outcome u, step-2 outcome v, step-3 outcome x),
        in the orders of ``step1``, ``step2``, ``step3`` in ``answer_likelihood``: (B, U, V, X)."""
        batch_size, A, columns = sum_atoms.shape
        zero_atom, all_atom = A - 1, A - 2
        batch_index = np.arange(batch_size)[:, None]
        # step 1: row atoms (not ZERO) | sum(c) | count | difference/assign -> (rows_1 atom, scalar_1)
        rows_1 = np.concatenate([np.broadcast_to(np.arange(A - 1), (batch_size, A - 1)),
                                 np.full((batch_size, columns + 2), zero_atom)], axis=1)
        scalar_1 = np.concatenate([np.zeros((batch_size, A - 1)), sum_atoms[:, all_atom, :],
                                   count_atoms[:, all_atom:all_atom + 1], np.zeros((batch_size, 1))], axis=1)
        U = rows_1.shape[1]
        # step 2: row atoms (not ZERO) | and | sum(c) | count | difference | assign
        V = A + columns + 3
        rows_2 = np.full((batch_size, U, V), zero_atom)
        rows_2[:, :, :A - 1] = np.arange(A - 1)
        rows_2[:, :, A - 1] = rows_1                                          # and: rs_1 (rs_0 = ALL)
        scalar_2 = np.zeros((batch_size, U, V))
        scalar_2[:, :, A:A + columns] = sum_atoms[batch_index, rows_1]       # (B, U, C)
        scalar_2[:, :, A + columns] = count_atoms[batch_index, rows_1]
        scalar_2[:, :, A + columns + 1] = -scalar_1                           # scalar_{−1} − scalar_1
        # step 3: sum(c) | count | difference | other -> scalar_3
        flat_rows = rows_2.reshape(batch_size, U * V)
        scalar_3 = np.zeros((batch_size, U, V, columns + 3))
        scalar_3[..., :columns] = sum_atoms[batch_index, flat_rows].reshape(batch_size, U, V, columns)
        scalar_3[..., columns] = count_atoms[batch_index, flat_rows].reshape(batch_size, U, V)
        scalar_3[..., columns + 1] = -scalar_2                                # scalar_0 − scalar_2
        answer = scalar_1[:, :, None, None] - scalar_3
        return np.abs(answer - batch.scalar_answer[:, None, None, None]) < _TOLERANCE


def _contract(vector: Tensor, array: Tensor) -> Tensor:
    """Σ_n array[b, ..., n] vector[b, n] as a batched matrix product: (B, ...)."""
    shape = array.shape
    flat = ops.reshape(array, (shape[0], int(np.prod(shape[1:-1], dtype=np.int64)), shape[-1]))
    product = flat @ ops.expand_dims(vector, 2)
    return ops.reshape(product, shape[:-1])


def _diagonal(pairs: Tensor) -> Tensor:
    """pairs[b, a, a] for a (B, A, A) tensor: (B, A)."""
    size = pairs.shape[1]
    return ops.sum(pairs * Tensor(pairs.xp.eye(size, dtype=pairs.dtype)[None]), axis=2)


def answer_likelihood(record: dict, batch) -> Tensor:
    """P(the discrete program's answer is right) per question: (B,), differentiable in the
    selectors of ``record`` (lists of T = 4 ``operation_weights`` (B, O), ``column_weights``
    (B, C), ``pivot_weights`` (B, K) from ``TableProgrammer``). ``batch``: a ``TableBatch``."""
    operation_weights = record["operation_weights"]
    if len(operation_weights) != LIKELIHOOD_STEPS:
        raise ValueError(f"answer_likelihood: the exact sum is written for {LIKELIHOOD_STEPS} program "
                         f"steps, got {len(operation_weights)}; use loss_form=soft for other lengths")
    w1, w2, w3, w4 = operation_weights
    a1, a2, a3, a4 = record["column_weights"]
    b1, b2, b3, _ = record["pivot_weights"]
    xp, dtype = w1.xp, w1.dtype
    const = lambda array: Tensor(xp.asarray(np.ascontiguousarray(array), dtype=dtype))  # noqa: E731
    indicators = _Indicators(batch)
    is_lookup = batch.is_lookup > 0

    pi_1 = _atom_probabilities(w1, a1, b1, extra_all=_weight(w1, "and", "or"))  # and/or of ALL, ALL
    pi_2 = _atom_probabilities(w2, a2, b2, extra_all=_weight(w2, "or"))         # or with rs_0 = ALL
    copy_2 = _weight(w2, "and")                                                  # and with ALL: rs_1
    pi_3 = _atom_probabilities(w3, a3, b3)
    and_3, or_3 = _weight(w3, "and"), _weight(w3, "or")

    def rows_3(atom, pair_min, pair_max, column=None):
        """Σ over rs_3's outcomes of P(outcome) · indicator; with ``column`` (B, C) the
        indicators carry a last column axis, first contracted with it."""
        if column is not None:
            atom, pair_min, pair_max = (_contract(column, const(array)) for array in (atom, pair_min, pair_max))
        else:
            atom, pair_min, pair_max = (const(array) for array in (atom, pair_min, pair_max))

        def joint(pairs):  # Σ_{a2, a1} J[a2, a1] pairs[a2, a1]
            independent = ops.sum(_contract(pi_1, pairs) * pi_2, axis=1)
            copied = ops.sum(_diagonal(pairs) * pi_1, axis=1)
            return independent + copy_2 * copied
        return ops.sum(pi_3 * atom, axis=1) + and_3 * joint(pair_min) + or_3 * joint(pair_max)

    lookup_mask = const(is_lookup.astype(np.float64))
    count_term = _weight(w4, "count") * rows_3(indicators.count_atom, indicators.count_min, indicators.count_max)
    column_operation = (lookup_mask * _weight(w4, "assign") + (1.0 - lookup_mask) * _weight(w4, "sum"))
    column_term = column_operation * rows_3(indicators.column_atom, indicators.column_min,
                                            indicators.column_max, column=a4)
    step1 = ops.concatenate([pi_1[:, :-1], ops.expand_dims(_weight(w1, "sum"), 1) * a1,
                             ops.expand_dims(_weight(w1, "count"), 1),
                             ops.expand_dims(_weight(w1, "difference", "assign"), 1)], axis=1)
    step2 = ops.concatenate([pi_2[:, :-1], ops.expand_dims(copy_2, 1), ops.expand_dims(_weight(w2, "sum"), 1) * a2,
                             ops.expand_dims(_weight(w2, "count"), 1), ops.expand_dims(_weight(w2, "difference"), 1),
                             ops.expand_dims(_weight(w2, "assign"), 1)], axis=1)
    step3 = ops.concatenate([ops.expand_dims(_weight(w3, "sum"), 1) * a3, ops.expand_dims(_weight(w3, "count"), 1),
                             ops.expand_dims(_weight(w3, "difference"), 1),
                             ops.expand_dims(_weight(w3, "greater", "lesser", "and", "or", "assign", "reset"), 1)],
                            axis=1)
    per_path = _contract(step2, _contract(step3, const(indicators.difference)))    # (B, U)
    difference_term = _weight(w4, "difference") * ops.sum(per_path * step1, axis=1)
    # any other final operation answers 0 (scalar) or an empty lookup
    other_scalar = _weight(w4, "greater", "lesser", "and", "or", "reset", "assign")
    other_lookup = _weight(w4, "sum", "count", "difference", "greater", "lesser", "and", "or", "reset")
    other = (lookup_mask * other_lookup + (1.0 - lookup_mask) * other_scalar) * const(indicators.answer_zero)
    return count_term + column_term + difference_term + other


def likelihood_loss(record: dict, batch, floor: float = 1e-8) -> Tensor:
    """−(1/B) Σ_b log(P_b(right) + floor): maximum marginal likelihood of the final answer over
    the discrete programs; ``floor`` keeps the loss finite when no program is right."""
    return -ops.mean(ops.log(answer_likelihood(record, batch) + floor))
