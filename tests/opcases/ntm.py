"""Gradcheck cases for the Neural Turing Machine's fused ops (``FusedAddressing``,
``MemoryWrite``) and their composite twins, on small sizes."""
import numpy as np

from tinyaug.autograd.ops.arithmetic import Multiply
from tinyaug.autograd.ops.elementwise import Log, Sigmoid, Softplus
from tinyaug.autograd.ops.linalg import Matmul
from tinyaug.autograd.ops.neural import CircularConvolution, CosineSimilarity, Softmax
from tinyaug.models.ntm.addressing import FusedAddressing, address, address_composite
from tinyaug.models.ntm.memory import MemoryWrite, write, write_composite

from . import OpCase

BATCH, ROWS, WORD, SHIFTS = 2, 5, 3, 3


def _addressing_inputs(heads: int, shifts: int = SHIFTS):
    def make(rng):
        memory = rng.standard_normal((BATCH, ROWS, WORD))
        params = rng.standard_normal((BATCH, heads, WORD + 3 + shifts))
        previous = rng.dirichlet(np.ones(ROWS), size=(BATCH, heads))
        return [memory, params, previous]
    return make


def _write_inputs(heads: int):
    def make(rng):
        return [rng.standard_normal((BATCH, ROWS, WORD)), rng.dirichlet(np.ones(ROWS), size=(BATCH, heads)),
                rng.uniform(0.05, 0.95, (BATCH, heads, WORD)), rng.standard_normal((BATCH, heads, WORD))]
    return make


def _square_inputs(rng):
    # memory (B, 4, 4) doubles as previous weights (B, 4 heads, 4 rows); one shift (K = 1)
    return [rng.uniform(0.1, 1.0, (BATCH, 4, 4)), rng.standard_normal((BATCH, 4, 4 + 3 + 1))]


COMPOSITE_OPS = [Softplus, Sigmoid, Softmax, CosineSimilarity, CircularConvolution, Log]

CASES = [
    OpCase("ntm_fused_addressing_1head", [FusedAddressing], address, _addressing_inputs(1)),
    OpCase("ntm_fused_addressing_3heads", [FusedAddressing], address, _addressing_inputs(3)),
    OpCase("ntm_fused_addressing_5shifts", [FusedAddressing], address, _addressing_inputs(2, 5)),
    # The same tensor as memory and as previous weights: both gradients must accumulate.
    OpCase("ntm_fused_addressing_repeated", [FusedAddressing],
           lambda memory, params: address(memory, params, memory), _square_inputs),
    OpCase("ntm_composite_addressing", COMPOSITE_OPS, address_composite, _addressing_inputs(2)),
    OpCase("ntm_memory_write_1head", [MemoryWrite], write, _write_inputs(1)),
    OpCase("ntm_memory_write_3heads", [MemoryWrite], write, _write_inputs(3)),
    # erase and add as the same tensor
    OpCase("ntm_memory_write_repeated", [MemoryWrite],
           lambda memory, weights, erase: write(memory, weights, erase, erase),
           lambda rng: _write_inputs(2)(rng)[:3]),
    OpCase("ntm_composite_write", [Multiply, Matmul], write_composite, _write_inputs(2)),
]
