"""Sparse Access Memory (Rae, Hunt et al. 2016, "Scaling Memory-Augmented Neural Networks with
Sparse Reads and Writes"): ``SAM`` (sequence model), ``SAMCell`` (one step), ``SparseMemory``
and its ops ``SparseRead`` / ``SparseWrite`` (in place, O(T·K·W) backward), the dense twins
``dense_read`` / ``dense_write``, and the neighbour indexes (``ExactIndex``, ``HNSWIndex``)."""
from .cell import SAMCell
from .composite import dense_read, dense_write
from .index import ExactIndex, HNSWIndex, NeighbourIndex, approximate_index_available, make_index
from .memory import SparseMemory, SparseRead, SparseWrite, sparse_read, sparse_write
from .model import SAM
from .usage import UsageTracker

__all__ = ["ExactIndex", "HNSWIndex", "NeighbourIndex", "SAM", "SAMCell", "SparseMemory", "SparseRead",
           "SparseWrite", "UsageTracker", "approximate_index_available", "dense_read", "dense_write",
           "make_index", "sparse_read", "sparse_write"]
