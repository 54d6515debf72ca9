"""Gradcheck cases for the DNC's fused ops (``FusedAllocation``, ``FusedLinkUpdate``,
``FusedInterface``, ``FusedContentWeighting``, ``FusedUsage``, ``FusedReadWeightings``,
``FusedSharpen``) and their
composite twins, on small sizes. Allocation inputs are distinct usages (the sort order is not
differentiated; ties make the gradient jump)."""
import numpy as np

from tinyaug.autograd.ops.arithmetic import Multiply
from tinyaug.autograd.ops.linalg import Matmul
from tinyaug.autograd.ops.reductions import Cumprod
from tinyaug.autograd.ops.shape import TakeAlongAxis
from tinyaug.autograd.ops.elementwise import Sigmoid, Softplus
from tinyaug.autograd.ops.neural import CosineSimilarity, Softmax
from tinyaug.models.dnc.allocation import FusedAllocation, allocate, allocate_composite
from tinyaug.models.dnc.content import FusedContentWeighting, content_weighting, content_weighting_composite
from tinyaug.models.dnc.interface import (FusedInterface, interface_size, parse_interface,
                                          parse_interface_composite)
from tinyaug.models.dnc.linkage import FusedLinkUpdate, link_update, link_update_composite
from tinyaug.models.dnc.sharpness import FusedSharpen, sharpen, sharpen_composite
from tinyaug.models.dnc.reading import FusedReadWeightings, read_weightings, read_weightings_composite
from tinyaug.models.dnc.usage import FusedUsage, retention_and_usage
from tinyaug.models.dnc.allocation import retention, update_usage
from tinyaug.autograd.ops.elementwise import Log

from . import OpCase

BATCH, ROWS = 2, 5


def distinct_usages(rng, batch=BATCH, rows=ROWS):
    """Usages in (0, 1), each row's values at least 0.1 apart (no ties within reach of eps)."""
    levels = (np.arange(rows) + 0.5) / rows
    return np.stack([rng.permutation(levels) + rng.uniform(-0.04, 0.04, rows) for _ in range(batch)])


def _link_inputs(write_heads: int, read_heads: int):
    def make(rng):
        return [rng.uniform(0, 0.5, (BATCH, write_heads, ROWS, ROWS)),
                rng.dirichlet(np.ones(ROWS), size=(BATCH, write_heads)) * 0.9,
                rng.dirichlet(np.ones(ROWS), size=(BATCH, write_heads)) * 0.8,
                rng.dirichlet(np.ones(ROWS), size=(BATCH, read_heads))]
    return make


def _content_inputs(heads: int):
    return lambda rng: [rng.standard_normal((BATCH, ROWS, 3)), rng.standard_normal((BATCH, heads, 3)),
                        rng.uniform(0.5, 4.0, (BATCH, heads))]


def _sharpen_inputs(rng):
    """Forward/backward-like weightings (B, H = 2, R = 3, N) and sharpnesses ≥ 1 (B, 2, 3)."""
    return [rng.dirichlet(np.ones(ROWS), size=(BATCH, 2, 3)) * 0.9, rng.uniform(1, 4, (BATCH, 2, 3))]


def _usage_inputs(read_heads: int, write_heads: int):
    """Free gates, previous read weightings, usage and write weightings in their ranges."""
    return lambda rng: [rng.uniform(0, 1, (BATCH, read_heads)),
                        rng.dirichlet(np.ones(ROWS), size=(BATCH, read_heads)) * 0.9,
                        rng.uniform(0, 1, (BATCH, ROWS)),
                        rng.dirichlet(np.ones(ROWS), size=(BATCH, write_heads)) * 0.8]


def usage_composite(free_gates, read_weights, usage, write_weights):
    """``FusedUsage``'s twin: ``retention`` then ``update_usage`` (engine ops)."""
    psi = retention(free_gates, read_weights)
    return psi, update_usage(usage, write_weights, psi)


def _read_inputs(read_heads: int, write_heads: int):
    def make(rng):
        modes = rng.dirichlet(np.ones(1 + 2 * write_heads), size=(BATCH, read_heads))
        return [modes, rng.dirichlet(np.ones(ROWS), size=(BATCH, read_heads)),
                rng.uniform(0, 0.5, (BATCH, write_heads, read_heads, ROWS)),
                rng.uniform(0, 0.5, (BATCH, write_heads, read_heads, ROWS))]
    return make


def _interface_fn(fn, word: int, reads: int, writes: int):
    return lambda xi: tuple(part for part in fn(xi, word, reads, writes) if part is not None)


CASES = [
    OpCase("dnc_fused_interface_1write", [FusedInterface], _interface_fn(parse_interface, 3, 2, 1),
           lambda rng: [rng.standard_normal((BATCH, interface_size(3, 2, 1)))]),
    OpCase("dnc_fused_interface_2writes", [FusedInterface], _interface_fn(parse_interface, 2, 1, 2),
           lambda rng: [rng.standard_normal((BATCH, interface_size(2, 1, 2)))]),
    OpCase("dnc_fused_interface_masked", [FusedInterface],
           lambda xi: tuple(p for p in parse_interface(xi, 2, 2, 1, masked=True) if p is not None),  # 12 parts
           lambda rng: [rng.standard_normal((BATCH, interface_size(2, 2, 1, masked=True)))]),
    OpCase("dnc_composite_interface", [Softplus, Sigmoid, Softmax], _interface_fn(parse_interface_composite, 2, 1, 2),
           lambda rng: [rng.standard_normal((BATCH, interface_size(2, 1, 2)))]),
    OpCase("dnc_fused_content_weighting", [FusedContentWeighting], content_weighting, _content_inputs(3)),
    # the same tensor as memory and keys (B, 5, 3): both gradients accumulate
    OpCase("dnc_fused_content_weighting_repeated", [FusedContentWeighting],
           lambda memory, strengths: content_weighting(memory, memory, strengths),
           lambda rng: [rng.standard_normal((BATCH, ROWS, 3)), rng.uniform(0.5, 4.0, (BATCH, ROWS))]),
    OpCase("dnc_composite_content_weighting", [CosineSimilarity, Softmax], content_weighting_composite,
           _content_inputs(2)),
    OpCase("dnc_fused_allocation", [FusedAllocation], allocate, lambda rng: [distinct_usages(rng)]),
    OpCase("dnc_fused_allocation_one_row", [FusedAllocation], allocate,
           lambda rng: [rng.uniform(0.1, 0.9, (3, 1))]),
    OpCase("dnc_composite_allocation", [TakeAlongAxis, Cumprod, Multiply], allocate_composite,
           lambda rng: [distinct_usages(rng)]),
    OpCase("dnc_fused_link_update_1write_3reads", [FusedLinkUpdate], link_update, _link_inputs(1, 3)),
    OpCase("dnc_fused_link_update_2writes_2reads", [FusedLinkUpdate], link_update, _link_inputs(2, 2)),
    # the same tensor as previous precedence and write weights: both gradients accumulate
    OpCase("dnc_fused_link_update_repeated", [FusedLinkUpdate],
           lambda link, weights, reads: link_update(link, weights, weights, reads),
           lambda rng: [_link_inputs(1, 2)(rng)[i] for i in (0, 1, 3)]),
    OpCase("dnc_composite_link_update", [Multiply, Matmul], link_update_composite, _link_inputs(2, 2)),
    OpCase("dnc_fused_sharpen", [FusedSharpen], sharpen, _sharpen_inputs),
    # weightings that sum to much less than 1 (little linked yet)
    OpCase("dnc_fused_sharpen_small", [FusedSharpen], sharpen,
           lambda rng: [rng.uniform(0.005, 0.02, (BATCH, 1, 3, ROWS)), rng.uniform(1, 3, (BATCH, 1, 3))]),
    OpCase("dnc_composite_sharpen", [Log, Softmax], sharpen_composite, _sharpen_inputs),
    OpCase("dnc_fused_usage_4reads_1write", [FusedUsage], retention_and_usage, _usage_inputs(4, 1)),
    OpCase("dnc_fused_usage_1read_3writes", [FusedUsage], retention_and_usage, _usage_inputs(1, 3)),
    OpCase("dnc_composite_usage", [Multiply], usage_composite, _usage_inputs(2, 2)),
    OpCase("dnc_fused_read_weightings_1write", [FusedReadWeightings], read_weightings, _read_inputs(3, 1)),
    OpCase("dnc_fused_read_weightings_2writes", [FusedReadWeightings], read_weightings, _read_inputs(2, 2)),
    OpCase("dnc_composite_read_weightings", [Multiply], read_weightings_composite, _read_inputs(2, 2)),
    OpCase("dnc_fused_interface_sharpen", [FusedInterface],
           lambda xi: tuple(parse_interface(xi, 2, 2, 1, masked=True, sharpen=True)),  # 14 parts, none None
           lambda rng: [rng.standard_normal((BATCH, interface_size(2, 2, 1, masked=True, sharpen=True)))]),
]
