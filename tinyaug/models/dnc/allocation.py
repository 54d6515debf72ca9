"""DNC dynamic memory allocation (Graves, Wayne et al. 2016, Methods, "Dynamic memory allocation").

Shapes: usage u (batch, N); free gates f (batch, R); read weightings w^r (batch, R, N); write
weightings w^w (batch, H_w, N).

* retention ψ_t = Π_i (1 − f^i_t w^{r,i}_{t−1})                                    (Methods)
* usage u_t = (u_{t−1} + w^w_{t−1} − u_{t−1} ∘ w^w_{t−1}) ∘ ψ_t                  (Methods)
  (several write heads: w^w_{t−1} is replaced by 1 − Π_h (1 − w^{w,h}_{t−1}), the chance that
  any head wrote a row, as deepmind/dnc does; with one head the two agree.)
* free list φ_t = the rows sorted by ascending usage;
  allocation a_t[φ_t[j]] = (1 − u_t[φ_t[j]]) Π_{i<j} u_t[φ_t[i]]                  (Methods)

The sort order is not differentiated (as in the paper). Usages are first mapped to
ε + (1 − ε) u (ε = 1e-6, as deepmind/dnc), so no row has usage exactly 0.

``allocate`` / ``FusedAllocation`` is one op whose backward never divides by a product: with
s the sorted usages, E_j = Π_{i<j} s_i and h_j = g_j (1 − s_j) (g the gradient on a),
    ∂L/∂s_k = E_k (S_k − g_k),   S_k = Σ_{j>k} h_j Π_{k<i<j} s_i,
and S comes from the backward recursion S_{N−1} = 0, S_k = h_{k+1} + s_{k+1} S_{k+1}: O(N) per
row, only products and sums, so it is exact when usages are 0 or 1 (a division by the
cumulative product, as some public DNCs do, gives 0/0 there). (An earlier version took the
inner products from a cumulative product over an (N, N) table: the same numbers, but O(N²)
work and memory, a quarter of a training step at N = 128.) ``allocate_composite`` is its twin
from engine ops.
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError

USAGE_EPS = 1e-6   # u ← ε + (1 − ε) u before the free list (deepmind/dnc)


def retention(free_gates: Tensor, previous_read_weights: Tensor) -> Tensor:
    """ψ_t = Π_i (1 − f^i w^{r,i}_{t−1}): free gates (B, R), read weightings (B, R, N) -> (B, N)."""
    keep = 1.0 - free_gates[:, :, None] * previous_read_weights
    result = keep[:, 0]
    for head in range(1, keep.shape[1]):
        result = result * keep[:, head]
    return result


def update_usage(previous_usage: Tensor, previous_write_weights: Tensor, retention_vector: Tensor) -> Tensor:
    """u_t = (u_{t−1} + w − u_{t−1} ∘ w) ∘ ψ_t with w = 1 − Π_h (1 − w^{w,h}_{t−1}).
    previous_usage (B, N), previous_write_weights (B, H_w, N), retention_vector (B, N) -> (B, N)."""
    written = previous_write_weights[:, 0]
    for head in range(1, previous_write_weights.shape[1]):
        other = previous_write_weights[:, head]
        written = written + other - written * other                  # 1 − Π (1 − w^h)
    return (previous_usage + written - previous_usage * written) * retention_vector


def _check(op: str, usage) -> None:
    if usage.ndim != 2 or usage.shape[1] < 1:
        raise ShapeError(f"{op}: usage must be (batch, N) with N ≥ 1, got shape {tuple(usage.shape)}")


def _free_list(xp, usage):
    """(order, inverse): order sorts each row of usage ascending; inverse undoes it."""
    order = xp.argsort(usage, axis=-1, kind="stable")
    inverse = xp.argsort(order, axis=-1, kind="stable")
    return order, inverse


def allocate_composite(usage: Tensor) -> Tensor:
    """Allocation weighting a_t (B, N) from usage u_t (B, N), from engine ops (Methods)."""
    _check("allocate_composite", usage)
    usage = USAGE_EPS + (1.0 - USAGE_EPS) * usage
    order, inverse = _free_list(usage.xp, usage.data)                            # φ_t (not differentiated)
    sorted_usage = ops.take_along_axis(usage, order, axis=-1)
    ones = Tensor(usage.xp.ones((usage.shape[0], 1), dtype=usage.dtype))
    exclusive = ops.cumprod(ops.concatenate([ones, sorted_usage[:, :-1]], axis=1), axis=1)  # Π_{i<j} u[φ_i]
    sorted_allocation = (1.0 - sorted_usage) * exclusive
    return ops.take_along_axis(sorted_allocation, inverse, axis=-1)             # back to row order


class FusedAllocation(Function):
    """``allocate_composite`` as one op. Input usage (B, N); output allocation (B, N)."""

    def forward(self, usage):
        xp = self.xp
        _check("FusedAllocation", usage)
        usage = USAGE_EPS + (1 - USAGE_EPS) * usage
        order, inverse = _free_list(xp, usage)
        sorted_usage = xp.take_along_axis(usage, order, axis=-1)
        exclusive = xp.concatenate([xp.ones_like(sorted_usage[:, :1]), sorted_usage[:, :-1]], axis=1).cumprod(axis=1)
        self.saved = (order, inverse, sorted_usage, exclusive)
        return xp.take_along_axis((1 - sorted_usage) * exclusive, inverse, axis=-1)

    def backward(self, grad):
        xp = self.xp
        order, inverse, sorted_usage, exclusive = self.saved
        grad_sorted = xp.take_along_axis(grad, order, axis=-1)
        # Rows first (N, B), so that each step of the recursion reads contiguous memory.
        weighted = xp.ascontiguousarray((grad_sorted * (1 - sorted_usage)).T)   # h_j
        usage_by_row = xp.ascontiguousarray(sorted_usage.T)
        tail = xp.zeros_like(weighted)                                           # S_k
        for k in range(weighted.shape[0] - 2, -1, -1):
            tail[k] = weighted[k + 1] + usage_by_row[k + 1] * tail[k + 1]
        grad_sorted_usage = exclusive * (tail.T - grad_sorted)
        return (1 - USAGE_EPS) * xp.take_along_axis(grad_sorted_usage, inverse, axis=-1)


def allocate(usage: Tensor) -> Tensor:
    """Allocation weighting (B, N) from usage (B, N) by the fused op (see ``allocate_composite``)."""
    return FusedAllocation.apply(usage)


def write_allocations(usage: Tensor, write_gates: Tensor, fused: bool = True) -> Tensor:
    """Allocation weightings for H_w write heads (B, H_w, N): head h allocates from the usage
    left after heads < h, u ← u + (1 − u) ∘ g^w_h g^a_h a_h ("usage updated between write
    heads", as deepmind/dnc). ``write_gates`` (B, H_w) is g^w g^a per head."""
    allocation = allocate if fused else allocate_composite
    results = []
    for head in range(write_gates.shape[1]):
        weights = allocation(usage)
        results.append(weights)
        if head + 1 < write_gates.shape[1]:
            usage = usage + (1.0 - usage) * write_gates[:, head, None] * weights
    return ops.stack(results, axis=1)
