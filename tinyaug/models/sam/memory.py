"""SAM's memory (Rae, Hunt et al. 2016, §3.1–3.4): K-sparse reads and writes on a memory that is
updated in place, with a backward pass in O(T·K·W) extra space.

Design, in the engine's terms:

* ``SparseMemory`` owns the live words (batch, N, W) on the backend, their norms, the usage
  tracker and the neighbour index. It is *not* a graph tensor: no op ever copies it.
* ``memory.start(batch, like)`` begins a sequence (an ``Episode``) and returns a *token*: a
  zero-size tensor standing for "the memory as it is now". Every memory op takes the current
  token and returns a new one, so the graph orders the ops exactly as they ran (a read of
  M_{t−1} -> the write M_{t−1} -> M_t -> the next read ...). The backward walk visits an op only
  after every op that consumed its token, i.e. in exact reverse order of the forward.
* ``SparseRead`` (eqs. 4–5 of the paper restricted to K rows): finds K rows per read head with
  the index, scores them by cosine similarity, softmax over those K, r = Σ_k w_k M(i_k). It
  saves the K gathered words (K·W per head) for its backward and sends the gradient of those
  K words to the episode's memory gradient — to those K rows only.
* ``SparseWrite`` (eq. 6: M_t = (1 − R_t) ∘ M_{t−1} + A_t with R_t = I^U 1ᵀ): erases the
  least-recently-used word(s) and adds w_p aᵀ to the P written rows, in place. Before touching
  them it appends (rows, their old values) to the episode's change log: (P + H)·W numbers.
* Backward. The gradient of the loss with respect to memory, dL/dM_t, is non-zero only on rows
  that were read at some step, so the episode keeps it *compactly*: one row per (sequence, row)
  pair touched during the episode (at most T·(R·K + P + H) per sequence), never N × W. A write's
  backward reads dL/dM_t on its rows (for the gradients of its weights and add vectors), zeroes
  the erased rows (they do not depend on M_{t−1}), and then *undoes its own change* on the live
  memory from the log; a read's backward adds its K rows' gradients. When the walk reaches the
  first step the memory is back to its initial state (all zero), ready for the next sequence.
  If a backward never runs (evaluation, ``no_grad``), the next ``start`` undoes the log.

Extra memory per sequence: the log and the saved read words, O(T·(R·K + P)·W); the live memory
is the only N × W array, allocated once. Time per step: O(R·K·W) besides the index query.
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import GraphError, ShapeError
from .index import NeighbourIndex, make_index, top_k
from .usage import UsageTracker

COSINE_EPS = 1e-8        # K(u, v) = u·v / (‖u‖‖v‖ + ε), as in the NTM (models/ntm/addressing.py)
USAGE_THRESHOLD = 0.005  # δ: a word counts as accessed when its weight exceeds this (paper §3.3)


class SparseMemory:
    """N × W words for a batch of sequences, updated in place (see the module docstring).

    ``rows`` N, ``width`` W; ``index``: ``"exact"`` (default) or ``"hnsw"`` (the ``ann``
    extra), or a ``NeighbourIndex``; ``initial``: optional host array (N, W) of initial
    contents (tests; default all zero, which is what lets a sequence start in O(1));
    ``usage_threshold`` δ.
    """

    cosine_eps = COSINE_EPS

    def __init__(self, rows: int, width: int, index: str | NeighbourIndex = "exact",
                 initial: np.ndarray | None = None, usage_threshold: float = USAGE_THRESHOLD,
                 index_options: dict | None = None) -> None:
        if rows < 1 or width < 1:
            raise ShapeError(f"SparseMemory: need at least one row and column, got {rows} x {width}")
        if initial is not None and tuple(initial.shape) != (rows, width):
            raise ShapeError(f"SparseMemory: initial contents must be ({rows}, {width}), got {tuple(initial.shape)}")
        self.rows, self.width = rows, width
        self.index = index if isinstance(index, NeighbourIndex) else make_index(index, **(index_options or {}))
        self.initial = None if initial is None else np.asarray(initial, dtype=np.float64)
        self.usage_threshold = usage_threshold
        self.batch, self.words, self.row_norms, self.usage, self.backend = 0, None, None, None, None
        self.episode: Episode | None = None

    @property
    def xp(self):
        return self.backend.xp

    def start(self, batch: int, like: Tensor) -> Tensor:
        """Begin a sequence of ``batch`` sequences on ``like``'s backend and dtype; returns the
        first token. Undoes what the previous episode left (O(its changes), not O(N))."""
        previous = self.episode
        if previous is not None:
            previous.rewind(0)
            previous.live = False
        backend, dtype = like.backend, like.dtype
        if (batch != self.batch or self.words is None or backend is not self.backend
                or self.words.dtype != dtype):
            self.backend, self.batch = backend, batch
            xp = backend.xp
            self.words = xp.zeros((batch, self.rows, self.width), dtype=dtype)  # calloc: pages on touch
            self.row_norms = xp.zeros((batch, self.rows), dtype=dtype)
            if self.initial is not None:
                self.words[...] = backend.from_host(self.initial.astype(dtype))[None]
                self.row_norms[...] = xp.sqrt((self.words * self.words).sum(axis=-1))
            self.usage = UsageTracker(batch, self.rows)
        elif previous is not None and previous.touched:
            keys = np.unique(np.concatenate(previous.touched))
            self.usage.reset(keys // self.rows, keys % self.rows)
        self.index.reset(self)
        self.episode = Episode(self)
        return Tensor(backend.xp.zeros(0, dtype=dtype))

    def host_rows(self, batch_index: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The current words at (batch_index, rows) as a host array (n, W)."""
        return self.backend.to_host(self.words[self.backend.from_host(batch_index),
                                               self.backend.from_host(rows)])

    def refresh_norms(self, batch_index, rows) -> None:
        values = self.words[batch_index, rows]
        self.row_norms[batch_index, rows] = self.xp.sqrt((values * values).sum(axis=-1))


class Episode:
    """One sequence's record on a ``SparseMemory``: the step counter, the change log, the rows
    touched, and the compact memory gradient of a backward pass."""

    def __init__(self, memory: SparseMemory) -> None:
        self.memory = memory
        self.live = True
        self.time = 0                     # steps written so far
        self.log: list[tuple] = []        # (step, batch_index, rows, old values), device arrays
        self.touched: list[np.ndarray] = []  # host keys b·N + row of every row read or written
        self.read_rows: np.ndarray | None = None  # host (B, R, K): the last read's rows
        self._keys = None
        self._grad = None
        self._order = None

    def _keys_of(self, batch_index: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return batch_index.astype(np.int64) * self.memory.rows + rows.astype(np.int64)

    def rewind(self, step: int) -> None:
        """Undo, newest first, every logged change made at ``step`` or later (live memory only)."""
        if not self.live:
            return
        memory = self.memory
        while self.log and self.log[-1][0] >= step:
            _, batch_index, rows, old = self.log.pop()
            memory.words[batch_index, rows] = old
            memory.refresh_norms(batch_index, rows)

    # -- the compact gradient dL/dM of a backward pass -----------------------------------
    def gradient(self, order: int):
        """The compact gradient dL/dM (n_touched, W) of the current backward pass. ``order`` =
        2·step (+1 for a write) decreases strictly along one pass; a call with an order not below
        the last one starts a new pass (a second backward with ``retain_graph``)."""
        memory = self.memory
        if self._grad is None or order >= self._order:
            self._keys = np.unique(np.concatenate(self.touched))
            self._grad = memory.xp.zeros((len(self._keys), memory.width), dtype=memory.words.dtype)
        self._order = order
        return self._grad

    def slots(self, batch_index: np.ndarray, rows: np.ndarray):
        """Rows of the compact gradient (a backend int array) for the given (batch, row) pairs."""
        return self.memory.backend.from_host(np.searchsorted(self._keys, self._keys_of(batch_index, rows)))


def _token_grad(fn, xp, token):
    return xp.zeros(0, dtype=token.dtype) if fn.needs_input_grad[0] else None


class SparseRead(Function):
    """K-sparse content read of every read head (see the module docstring).

    Inputs: token (0,), keys (B, R, W), strengths β ≥ 0 (B, R). Parameters: ``episode``, ``k``.
    Outputs: reads (B, R, W), weights over the K rows (B, R, K), the next token (0,). The rows
    read are left in ``episode.read_rows`` (host (B, R, K)). Zero-norm keys or rows take
    d‖u‖/du = 0 (as the NTM's cosine similarity does).
    """

    def forward(self, token, keys, strengths):
        xp, episode, k = self.xp, self.episode, self.k
        memory = episode.memory
        if not episode.live:
            raise GraphError("SparseRead: this episode is over (memory.start was called since); "
                             "start a new one")
        if (keys.ndim != 3 or strengths.ndim != 2 or keys.shape[0] != memory.batch
                or keys.shape[2] != memory.width or tuple(strengths.shape) != tuple(keys.shape[:2])):
            raise ShapeError(f"SparseRead: keys must be (batch={memory.batch}, heads, W={memory.width}) "
                             f"and strengths (batch, heads); got {tuple(keys.shape)} and {tuple(strengths.shape)}")
        if not 1 <= k <= memory.rows:
            raise ShapeError(f"SparseRead: K = {k} rows per read must be in [1, N = {memory.rows}]")
        batch = keys.shape[0]
        rows, exact = memory.index.candidates(keys, k)
        if isinstance(rows, np.ndarray):
            rows = memory.backend.from_host(rows)
        batch_index = xp.arange(batch)[:, None, None]
        key_norm = xp.sqrt((keys * keys).sum(axis=-1))[:, :, None]                # (B, R, 1)

        def score(rows):
            values = memory.words[batch_index, rows]                               # (B, R, C, W)
            norms = memory.row_norms[batch_index, rows]
            dots = (values @ keys[:, :, :, None])[..., 0]
            denominator = key_norm * norms + COSINE_EPS
            return values, norms, denominator, dots / denominator                  # paper eq. 5's K(·,·)

        values, norms, denominator, similarity = score(rows)
        if not exact:  # re-rank the index's candidates (ascending rows) exactly, keep the best k
            best = top_k(similarity.copy(), k, xp)                                 # ties: lowest row
            rows = xp.take_along_axis(rows, best, axis=-1)
            values, norms, denominator, similarity = score(rows)
        scores = strengths[:, :, None] * similarity
        weights = xp.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = weights / weights.sum(axis=-1, keepdims=True)                   # softmax over K
        reads = (weights[:, :, None, :] @ values)[:, :, 0, :]                      # r = Σ_k w_k M(i_k)
        host_rows = memory.backend.to_host(rows).astype(np.int64)
        host_weights = memory.backend.to_host(weights)
        batch_host = np.broadcast_to(np.arange(batch)[:, None, None], host_rows.shape)
        episode.touched.append(episode._keys_of(batch_host.ravel(), host_rows.ravel()))
        accessed = host_weights > memory.usage_threshold                          # usage, §3.3
        memory.usage.touch(batch_host[accessed], host_rows[accessed], episode.time)
        episode.read_rows = host_rows
        self.step = episode.time
        self.saved = (keys, strengths, host_rows, batch_host, values, norms, key_norm,
                      denominator, similarity, weights)
        return reads, weights, xp.zeros(0, dtype=keys.dtype)

    def backward(self, grad_reads, grad_weights, grad_token):
        xp, episode = self.xp, self.episode
        (keys, strengths, host_rows, batch_host, values, norms, key_norm, denominator,
         similarity, weights) = self.saved
        grad_w = (values @ grad_reads[:, :, :, None])[..., 0] + grad_weights        # (B, R, K)
        grad_scores = weights * (grad_w - (grad_w * weights).sum(axis=-1, keepdims=True))
        grad_strengths = (grad_scores * similarity).sum(axis=-1)
        grad_similarity = grad_scores * strengths[:, :, None]
        grad_dot = grad_similarity / denominator
        grad_denominator = -grad_similarity * similarity / denominator
        tiny = xp.finfo(values.dtype).tiny
        grad_values = (weights[..., None] * grad_reads[:, :, None, :]
                       + grad_dot[..., None] * keys[:, :, None, :]
                       + (grad_denominator * key_norm / xp.maximum(norms, tiny))[..., None] * values)
        grad_keys = ((grad_dot[..., None] * values).sum(axis=2)
                     + (grad_denominator * norms).sum(axis=-1, keepdims=True)
                     / xp.maximum(key_norm, tiny) * keys)
        grad_memory = episode.gradient(2 * self.step)
        slots = episode.slots(batch_host.ravel(), host_rows.ravel())
        episode.memory.backend.scatter_add(grad_memory, slots, grad_values.reshape(-1, values.shape[-1]))
        need = self.needs_input_grad
        return (_token_grad(self, xp, grad_token), grad_keys if need[1] else None,
                grad_strengths if need[2] else None)


class SparseWrite(Function):
    """Sparse erase-and-add of every write head (see the module docstring).

    Inputs: token (0,), weights (B, H, P), add vectors (B, H, W). Parameters: ``episode``,
    ``rows`` (host int (B, P): the rows the P weights refer to) and ``erase_rows`` (host int
    (B, H): each head's least-recently-used row, erased to zero before the adds).
    M_t = M_{t−1} with rows ``erase_rows`` zeroed, then M_t[rows_p] += Σ_h w_hp a_h.
    Output: the next token (0,).
    """

    def forward(self, token, weights, adds):
        xp, episode = self.xp, self.episode
        memory = episode.memory
        rows, erase_rows = np.asarray(self.rows, dtype=np.int64), np.asarray(self.erase_rows, dtype=np.int64)
        batch = memory.batch
        if not episode.live:
            raise GraphError("SparseWrite: this episode is over (memory.start was called since)")
        if (weights.ndim != 3 or adds.ndim != 3 or weights.shape[0] != batch or adds.shape[0] != batch
                or adds.shape[1] != weights.shape[1] or adds.shape[2] != memory.width
                or rows.shape != (batch, weights.shape[2]) or erase_rows.shape != (batch, weights.shape[1])):
            raise ShapeError(f"SparseWrite: expected weights (batch={batch}, heads, P), adds (batch, "
                             f"heads, W={memory.width}), rows (batch, P), erase_rows (batch, heads); got "
                             f"{tuple(weights.shape)}, {tuple(adds.shape)}, {rows.shape}, {erase_rows.shape}")
        if rows.size and (rows.min() < 0 or rows.max() >= memory.rows) or erase_rows.min() < 0 \
                or erase_rows.max() >= memory.rows:
            raise ShapeError(f"SparseWrite: rows must lie in [0, N = {memory.rows})")
        backend = memory.backend
        all_rows = np.concatenate([rows, erase_rows], axis=1)                      # (B, P + H)
        batch_host = np.broadcast_to(np.arange(batch)[:, None], all_rows.shape).ravel()
        flat_rows = all_rows.ravel()
        batch_dev, rows_dev = backend.from_host(batch_host), backend.from_host(flat_rows)
        episode.log.append((episode.time, batch_dev, rows_dev, memory.words[batch_dev, rows_dev]))
        episode.touched.append(episode._keys_of(batch_host, flat_rows))
        erase_batch = backend.from_host(np.repeat(np.arange(batch), erase_rows.shape[1]))
        memory.words[erase_batch, backend.from_host(erase_rows.ravel())] = 0        # (1 − R_t) ∘ M
        contribution = xp.swapaxes(weights, 1, 2) @ adds                           # A_t = wᵀ a, (B, P, W)
        backend.scatter_add(memory.words, (xp.arange(batch)[:, None], backend.from_host(rows)), contribution)
        memory.refresh_norms(batch_dev, rows_dev)
        row_weights = backend.to_host(weights.sum(axis=1))                          # (B, P)
        significant = np.concatenate([row_weights > memory.usage_threshold,
                                      np.ones(erase_rows.shape, dtype=bool)], axis=1).ravel()
        changed = np.concatenate([row_weights != 0, np.ones(erase_rows.shape, dtype=bool)], axis=1).ravel()
        memory.index.rows_written(batch_host, flat_rows, significant, changed)
        accessed = (row_weights > memory.usage_threshold)
        memory.usage.touch(np.broadcast_to(np.arange(batch)[:, None], rows.shape)[accessed],
                           rows[accessed], episode.time)
        self.step = episode.time
        episode.time += 1
        self.saved = (weights, adds, rows, erase_rows)
        return xp.zeros(0, dtype=weights.dtype)

    def backward(self, grad_token):
        xp, episode = self.xp, self.episode
        weights, adds, rows, erase_rows = self.saved
        batch, positions = rows.shape
        grad_memory = episode.gradient(2 * self.step + 1)
        slots = episode.slots(np.repeat(np.arange(batch), positions), rows.ravel())
        grad_rows = grad_memory[slots].reshape(batch, positions, -1)                # dL/dM_t on the rows
        grad_weights = adds @ xp.swapaxes(grad_rows, 1, 2)                          # (B, H, P)
        grad_adds = weights @ grad_rows                                             # (B, H, W)
        erased = episode.slots(np.repeat(np.arange(batch), erase_rows.shape[1]), erase_rows.ravel())
        grad_memory[erased] = 0                                                     # erased rows forget M_{t−1}
        episode.rewind(self.step)                                                   # undo this step's change
        need = self.needs_input_grad
        return (_token_grad(self, xp, grad_token), grad_weights if need[1] else None,
                grad_adds if need[2] else None)


def sparse_read(token: Tensor, keys: Tensor, strengths: Tensor, memory: SparseMemory, k: int):
    """(reads (B, R, W), weights (B, R, K), next token, rows (host (B, R, K))) of a K-sparse read."""
    episode = _episode(memory, "sparse_read")
    reads, weights, token = SparseRead.apply(token, keys, strengths, episode=episode, k=k)
    return reads, weights, token, episode.read_rows


def sparse_write(token: Tensor, weights: Tensor, adds: Tensor, memory: SparseMemory,
                 rows: np.ndarray, erase_rows: np.ndarray) -> Tensor:
    """The next token after erasing ``erase_rows`` and adding weights-times-adds to ``rows``."""
    return SparseWrite.apply(token, weights, adds, episode=_episode(memory, "sparse_write"),
                             rows=rows, erase_rows=erase_rows)


def _episode(memory: SparseMemory, op: str) -> Episode:
    if memory.episode is None:
        raise GraphError(f"{op}: call memory.start(batch, like) before reading or writing")
    return memory.episode
