"""End-to-end memory networks (Sukhbaatar et al. 2015): ``MemN2N`` and its sentence encodings."""
from .encoding import position_weights, recency_indices
from .model import MemN2N

__all__ = ["MemN2N", "position_weights", "recency_indices"]
