"""Nearest-neighbour indexes over the memory words, for SAM's sparse reads (Rae, Hunt et al.
2016, §3.5). An index proposes candidate rows for each read key; ``SparseMemory`` scores the
candidates exactly (cosine similarity) and keeps the K best, so an approximate index can only
make a read miss a better word, never read a wrong value.

* ``ExactIndex`` (default): cosine similarity of each key with all N rows (one batched product,
  with row norms kept up to date on writes) and ``argpartition``: exact top-K, O(N·W) per key,
  on any backend (NumPy, CuPy, the stand-in). No state besides the memory.
* ``HNSWIndex`` (optional extra ``ann``: ``pip install -e ".[ann]"``, hnswlib): one
  hierarchical navigable small-world graph per sequence of the batch, holding only the words
  that have been written (the others are all zero, similarity 0: they are offered as candidates
  from the usage tracker's never-used rows). Updated incrementally after each write, only for
  the rows whose write weight was at least δ or that were erased (and, for rows already in the
  graph, only once their direction has drifted: see ``drift``); queries cost O(log n).
  Emptied (not rebuilt from memory) when a new sequence starts, since memory starts at zero.

Interface (``NeighbourIndex``): ``reset(memory)``, ``rows_written(batch_index, rows,
significant)``, ``candidates(keys, k) -> (rows (B, R, C) host int64 or backend array, exact)``.
"""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError


class NeighbourIndex:
    """Base class; see the module docstring."""

    name = "base"

    def reset(self, memory) -> None:
        """A new sequence starts on ``memory`` (a ``SparseMemory``)."""

    def rows_written(self, batch_index: np.ndarray, rows: np.ndarray, significant: np.ndarray) -> None:
        """Rows (host int arrays of equal length) changed by a write; ``significant`` (bool) marks
        those whose write weight was ≥ δ or that were erased."""

    def candidates(self, keys, k: int):
        """keys (B, R, W) on the backend -> (rows (B, R, C ≥ k), exact): ``exact`` True when
        the rows are already the exact top-k (then C = k and no re-ranking is needed)."""
        raise NotImplementedError


class ExactIndex(NeighbourIndex):
    """Exact top-k by cosine similarity over all rows; see the module docstring."""

    name = "exact"

    def reset(self, memory) -> None:
        self.memory = memory

    def candidates(self, keys, k: int):
        memory = self.memory
        xp = memory.xp
        words = memory.words                                                    # (B, N, W)
        if k == memory.rows:
            return xp.broadcast_to(xp.arange(k), keys.shape[:2] + (k,)).copy(), True
        # (M kᵀ)ᵀ: the product with the contiguous memory on the left is the BLAS-friendly one
        dots = xp.swapaxes(words @ xp.swapaxes(keys, 1, 2), 1, 2)              # (B, R, N)
        key_norms = xp.sqrt((keys * keys).sum(axis=-1))[:, :, None]
        similarity = dots / (key_norms * memory.row_norms[:, None, :] + memory.cosine_eps)
        return top_k(similarity, k, xp), True


def top_k(scores, k: int, xp=np):
    """Indices (..., k) of the k largest entries along the last axis, in no particular order
    (``xp``: the scores' array module). For k ≤ 8, k passes of ``argmax``, each masking its
    winner, beat ``argpartition``'s introselect by ~25× on (8, 4, 65536) scores here;
    ``scores`` may be overwritten."""
    if k > 8:
        return xp.argpartition(-scores, k - 1, axis=-1)[..., :k]
    flat = scores.reshape(-1, scores.shape[-1])
    lines = xp.arange(flat.shape[0])
    chosen = []
    for _ in range(k):
        best = flat.argmax(axis=-1)
        chosen.append(best)
        flat[lines, best] = -xp.inf
    return xp.stack(chosen, axis=-1).reshape(scores.shape[:-1] + (k,))


class HNSWIndex(NeighbourIndex):
    """Approximate top-k with hnswlib; see the module docstring. ``ef``: the query's candidate
    list size (recall vs speed); ``links`` (hnswlib's M) and ``ef_construction`` for inserts;
    ``drift``: a row is re-indexed when the cosine between its value and the value it was
    indexed with falls below 1 − drift."""

    name = "hnsw"

    def __init__(self, ef: int = 32, links: int = 8, ef_construction: int = 32, drift: float = 0.01) -> None:
        try:
            import hnswlib
        except ImportError as error:  # the extra is optional
            raise ImportError("SAM's approximate index needs hnswlib: pip install -e \".[ann]\" "
                              "(or use index='exact')") from error
        self._hnswlib = hnswlib
        self.ef, self.links, self.ef_construction, self.drift = ef, links, ef_construction, drift
        self.graphs: list = []
        self.labels: list[set] = []

    def _new_graph(self, capacity: int):
        graph = self._hnswlib.Index(space="cosine", dim=self.memory.width)
        graph.init_index(max_elements=capacity, ef_construction=self.ef_construction, M=self.links)
        graph.set_ef(self.ef)
        return graph

    def reset(self, memory) -> None:
        self.memory = memory
        self.capacity = 256
        self.graphs = [self._new_graph(self.capacity) for _ in range(memory.batch)]
        self.labels = [set() for _ in range(memory.batch)]   # rows in the index now
        self.ever = [set() for _ in range(memory.batch)]     # rows ever added (capacity)
        self.indexed = [{} for _ in range(memory.batch)]     # row -> unit vector it was indexed with
        if memory.initial is not None:  # a non-zero initial memory: index its non-zero rows once
            host = memory.host_rows(np.repeat(np.arange(memory.batch), memory.rows),
                                    np.tile(np.arange(memory.rows), memory.batch))
            keep = np.abs(host).sum(axis=-1) > 0
            self._insert(np.repeat(np.arange(memory.batch), memory.rows)[keep],
                         np.tile(np.arange(memory.rows), memory.batch)[keep], host[keep])

    def _insert(self, batch_index: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
        """Add new rows; re-index a row already in the graph only when its direction has moved
        (cosine to the vector it was indexed with below 1 − ``drift``): an update repairs the
        row's graph links, which costs far more than an insert, and the candidates are re-scored
        exactly anyway. Rows that became all zero leave the index (the cosine space cannot hold
        a zero vector)."""
        norms = np.sqrt((values * values).sum(axis=-1))
        for b in np.unique(batch_index).tolist():
            mine = batch_index == b
            graph, labels, indexed = self.graphs[b], self.labels[b], self.indexed[b]
            for row in rows[mine & (norms == 0)].tolist():
                if row in labels:
                    graph.mark_deleted(row)
                    labels.discard(row)
                    indexed.pop(row, None)
            chosen = np.nonzero(mine & (norms > 0))[0]
            update_rows, update_vectors = [], []
            for position in chosen.tolist():
                row, vector = int(rows[position]), values[position] / norms[position]
                previous = indexed.get(row)
                if previous is not None and row in labels and float(previous @ vector) > 1 - self.drift:
                    continue
                indexed[row] = vector
                update_rows.append(row)
                update_vectors.append(vector)
            if not update_rows:
                continue
            update_rows = np.asarray(update_rows, dtype=np.int64)
            update_rows, last = np.unique(update_rows[::-1], return_index=True)      # the newest value
            vectors = np.asarray(update_vectors, dtype=np.float32)[::-1][last]
            new = sum(1 for row in update_rows.tolist() if row not in self.ever[b])
            if graph.get_current_count() + new > graph.get_max_elements():
                graph.resize_index(max(2 * graph.get_max_elements(), graph.get_current_count() + new))
            graph.add_items(vectors, update_rows, num_threads=1)  # threads cost more than they save here
            labels.update(update_rows.tolist())
            self.ever[b].update(update_rows.tolist())

    def rows_written(self, batch_index: np.ndarray, rows: np.ndarray, significant: np.ndarray) -> None:
        if not significant.any():
            return
        batch_index, rows = batch_index[significant], rows[significant]
        self._insert(batch_index, rows, self.memory.host_rows(batch_index, rows))

    def candidates(self, keys, k: int):
        memory = self.memory
        host_keys = memory.backend.to_host(keys).astype(np.float32)             # (B, R, W)
        batch, heads = host_keys.shape[:2]
        width = min(2 * k, memory.rows)                                          # C candidates per key
        result = np.empty((batch, heads, width), dtype=np.int64)
        for b in range(batch):
            found = len(self.labels[b])
            neighbours = (self.graphs[b].knn_query(host_keys[b], k=min(k, found), num_threads=1)[0].astype(np.int64)
                          if found else np.zeros((heads, 0), dtype=np.int64))
            zero_rows = memory.usage.fresh_rows(b, width)                         # similarity 0
            for head in range(heads):
                chosen = list(dict.fromkeys(neighbours[head].tolist() + zero_rows))[:width]
                if len(chosen) < width:                                          # a nearly full memory
                    taken = set(chosen)
                    chosen += [row for row in range(memory.rows) if row not in taken][:width - len(chosen)]
                result[b, head] = chosen
        return result, False


INDEXES = {"exact": ExactIndex, "hnsw": HNSWIndex}


def make_index(name: str, **options) -> NeighbourIndex:
    """``"exact"`` (default, no dependency) or ``"hnsw"`` (needs the ``ann`` extra)."""
    if name not in INDEXES:
        raise ShapeError(f"SAM index: unknown index {name!r}; choose one of {sorted(INDEXES)}")
    return INDEXES[name](**options)


def approximate_index_available() -> bool:
    """True when hnswlib (the ``ann`` extra) can be imported."""
    try:
        import hnswlib  # noqa: F401
    except ImportError:
        return False
    return True
