"""Gradcheck cases for SAM's sparse memory ops (``SparseRead``, ``SparseWrite``): a few steps of
reads and writes through one ``SparseMemory`` (so the compact memory gradient and the undo log
are exercised across steps), on a small memory with random initial contents, and the dense
twin (``dense_read`` / ``dense_write``) replayed on the rows the sparse run chose."""
import numpy as np

import tinyaug as ta
from tinyaug.autograd import ops
from tinyaug.autograd.ops.arithmetic import Multiply
from tinyaug.autograd.ops.linalg import Matmul
from tinyaug.autograd.ops.neural import CosineSimilarity, Softmax
from tinyaug.models.sam import SparseMemory, SparseRead, SparseWrite, dense_read, dense_write, sparse_read, sparse_write

from . import OpCase

STEPS, BATCH, ROWS, WORD, HEADS, WRITERS, K = 3, 2, 7, 3, 2, 1, 3


def initial_contents(rows: int = ROWS, width: int = WORD) -> np.ndarray:
    return np.random.default_rng(7).standard_normal((rows, width))


def memory_inputs(rng, steps=STEPS, batch=BATCH, heads=HEADS, writers=WRITERS, width=WORD):
    """keys (T, B, R, W), raw strengths (T, B, R), adds (T, B, H, W), raw gates α̂, γ̂ (T, B, H, 2)."""
    return [rng.standard_normal((steps, batch, heads, width)),
            rng.standard_normal((steps, batch, heads)) + 1.0,
            rng.standard_normal((steps, batch, writers, width)),
            rng.standard_normal((steps, batch, writers, 2))]


def _write_weights(read_weights, gates, heads, writers, like):
    """w^W = α (γ w̄^R_{t−1} ⊕ (1 − γ) I^U), as in the SAM cell (eq. 7): (B, H, R·K + H)."""
    batch = read_weights.shape[0]
    alpha, gamma = ops.sigmoid(gates[:, :, 0:1]), ops.sigmoid(gates[:, :, 1:2])
    previous = ops.reshape(read_weights, batch, 1, -1) * (1.0 / heads)
    eye = ta.Tensor(like.backend.from_host(np.eye(writers, dtype=like.dtype)[None]))
    return alpha * ops.concatenate([gamma * previous, (1.0 - gamma) * eye], axis=2)


def run_sparse(keys, strengths, adds, gates, k=K, rows=ROWS, index="exact", record=None, initial=True,
               index_options=None):
    """Reads (T, B, R, W) of ``STEPS`` steps of read-then-write on a ``SparseMemory``; ``record``
    (a list) receives each step's (read rows, write rows, erase rows)."""
    steps, batch, heads, width = keys.shape
    writers = adds.shape[2]
    memory = SparseMemory(rows, width, index=index, initial=initial_contents(rows, width) if initial else None,
                          index_options=index_options)
    token = memory.start(batch, keys)
    read_rows = np.broadcast_to(np.arange(k), (batch, heads, k)).copy()
    read_weights = ta.Tensor(keys.xp.zeros((batch, heads, k), dtype=keys.dtype))
    outputs = []
    for t in range(steps):
        previous_rows = read_rows.reshape(batch, heads * k)
        reads, new_weights, token, read_rows = sparse_read(token, keys[t], ops.softplus(strengths[t]), memory, k)
        least_recent = memory.usage.least_recent(writers)
        weights = _write_weights(read_weights, gates[t], heads, writers, keys)
        write_rows = np.concatenate([previous_rows, least_recent], axis=1)
        token = sparse_write(token, weights, adds[t], memory, write_rows, least_recent)
        if record is not None:
            record.append((read_rows.copy(), write_rows, least_recent))
        read_weights = new_weights
        outputs.append(reads)
    return ops.stack(outputs, axis=0)


def run_dense(keys, strengths, adds, gates, record, rows=ROWS):
    """The same computation on a dense memory tensor with the dense twins, on recorded rows."""
    steps, batch, heads, width = keys.shape
    writers = adds.shape[2]
    memory = ta.Tensor(keys.backend.from_host(np.broadcast_to(initial_contents(rows, width),
                                                              (batch, rows, width)).astype(keys.dtype)))
    read_weights = ta.Tensor(keys.xp.zeros((batch, heads, record[0][0].shape[2]), dtype=keys.dtype))
    outputs = []
    for t in range(steps):
        read_rows, write_rows, least_recent = record[t]
        reads, new_weights = dense_read(memory, keys[t], ops.softplus(strengths[t]), read_rows)
        weights = _write_weights(read_weights, gates[t], heads, writers, keys)
        memory = dense_write(memory, weights, adds[t], write_rows, least_recent)
        read_weights = new_weights
        outputs.append(reads)
    return ops.stack(outputs, axis=0)


def _dense_replay(keys, strengths, adds, gates):
    record: list = []
    run_sparse(keys.detach(), strengths.detach(), adds.detach(), gates.detach(), record=record)
    return run_dense(keys, strengths, adds, gates, record)


def _two_writers(rng):
    return memory_inputs(rng, writers=2)


CASES = [
    OpCase("sam_sparse_read_write", [SparseRead, SparseWrite], run_sparse, memory_inputs),
    OpCase("sam_sparse_two_write_heads", [SparseRead, SparseWrite], run_sparse, _two_writers),
    # K = N: every read covers the whole memory (the exact index's shortcut path)
    OpCase("sam_sparse_k_equals_n", [SparseRead, SparseWrite],
           lambda *a: run_sparse(*a, k=4, rows=4), memory_inputs),
    OpCase("sam_dense_twin", [Softmax, CosineSimilarity, Multiply, Matmul], _dense_replay, memory_inputs),
]
