"""Differentiable Neural Computer (Graves, Wayne et al., Nature 538, 2016, Methods).

``DNC`` (sequence model), ``DNCCell`` (one step, recurrent-cell protocol), and the pieces:
``DNCInterface`` (interface vector), ``allocate`` / ``allocate_composite`` (free list),
``retention`` / ``update_usage``, ``link_update`` / ``link_update_composite`` (temporal links),
``update_precedence``. Content weighting, read and write are the NTM's
(``tinyaug.models.ntm``).
"""
from .allocation import (FusedAllocation, allocate, allocate_composite, retention, update_usage,
                         write_allocations)
from .cell import DNCCell
from .interface import DNCInterface, Interface, interface_size, oneplus
from .linkage import FusedLinkUpdate, link_update, link_update_composite, update_precedence
from .model import DNC

__all__ = ["DNC", "DNCCell", "DNCInterface", "FusedAllocation", "FusedLinkUpdate", "Interface",
           "allocate", "allocate_composite", "interface_size", "link_update", "link_update_composite",
           "oneplus", "retention", "update_precedence", "update_usage", "write_allocations"]
