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
  the rows whose write weight was at least δ or that were erased; queries cost O(log n).
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
        dots = keys @ xp.swapaxes(words, 1, 2)                                  # (B, R, N)
        key_norms = xp.sqrt((keys * keys).sum(axis=-1))[:, :, None]
        similarity = dots / (key_norms * memory.row_norms[:, None, :] + memory.cosine_eps)
        if k == similarity.shape[-1]:
            return xp.broadcast_to(xp.arange(k), similarity.shape).copy(), True
        top = xp.argpartition(-similarity, k - 1, axis=-1)[..., :k]
        return top, True


class HNSWIndex(NeighbourIndex):
    """Approximate top-k with hnswlib; see the module docstring. ``ef``: the query's candidate
    list size (recall vs speed); ``links`` (hnswlib's M) and ``ef_construction`` for inserts."""

    name = "hnsw"

    def __init__(self, ef: int = 32, links: int = 16, ef_construction: int = 64) -> None:
        try:
            import hnswlib
        except ImportError as error:  # the extra is optional
            raise ImportError("SAM's approximate index needs hnswlib: pip install -e \".[ann]\" "
                              "(or use index='exact')") from error
        self._hnswlib = hnswlib
        self.ef, self.links, self.ef_construction = ef, links, ef_construction
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
        if memory.initial is not None:  # a non-zero initial memory: index its non-zero rows once
            host = memory.host_rows(np.repeat(np.arange(memory.batch), memory.rows),
                                    np.tile(np.arange(memory.rows), memory.batch))
            keep = np.abs(host).sum(axis=-1) > 0
            self._insert(np.repeat(np.arange(memory.batch), memory.rows)[keep],
                         np.tile(np.arange(memory.rows), memory.batch)[keep], host[keep])

    def _insert(self, batch_index: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
        """Add or update rows (hnswlib updates a label in place, un-deleting it if needed);
        rows that became all zero leave the index (cosine space cannot hold a zero vector)."""
        nonzero = np.abs(values).sum(axis=-1) > 0
        for b in np.unique(batch_index).tolist():
            mine = batch_index == b
            graph, labels = self.graphs[b], self.labels[b]
            for row in rows[mine & ~nonzero].tolist():
                if row in labels:
                    graph.mark_deleted(row)
                    labels.discard(row)
            chosen = mine & nonzero
            if not chosen.any():
                continue
            chosen_rows, first = np.unique(rows[chosen], return_index=True)
            vectors = values[chosen][first].astype(np.float32)
            new = sum(1 for row in chosen_rows.tolist() if row not in self.ever[b])
            if graph.get_current_count() + new > graph.get_max_elements():
                graph.resize_index(max(2 * graph.get_max_elements(), graph.get_current_count() + new))
            graph.add_items(vectors, chosen_rows)
            labels.update(chosen_rows.tolist())
            self.ever[b].update(chosen_rows.tolist())

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
            neighbours = (self.graphs[b].knn_query(host_keys[b], k=min(k, found))[0].astype(np.int64)
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
