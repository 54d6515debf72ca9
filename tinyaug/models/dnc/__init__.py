"""Differentiable Neural Computer (Graves, Wayne et al., Nature 538, 2016, Methods).

``DNC`` (sequence model), ``DNCCell`` (one step, recurrent-cell protocol), and the pieces:
``DNCInterface`` (interface vector), ``allocate`` / ``allocate_composite`` (free list),
``retention`` / ``update_usage``, ``link_update`` / ``link_update_composite`` (temporal links),
``update_precedence``, ``parse_interface`` (ξ_t split and activated as one op),
``content_weighting`` (the NTM's cosine-softmax focus as one op), ``sharpen`` (Csordás &
Schmidhuber's sharpened links, a departure). Read and write are the NTM's
(``tinyaug.models.ntm``).
"""
from .allocation import (FusedAllocation, allocate, allocate_composite, retention, update_usage,
                         write_allocations)
from .cell import DNCCell
from .content import FusedContentWeighting, content_weighting, content_weighting_composite
from .interface import (DNCInterface, FusedInterface, Interface, interface_size, oneplus,
                        parse_interface, parse_interface_composite)
from .linkage import FusedLinkUpdate, link_update, link_update_composite, update_precedence
from .model import DNC
from .reading import FusedReadWeightings, read_weightings, read_weightings_composite
from .sharpness import FusedSharpen, sharpen, sharpen_composite
from .usage import FusedUsage, retention_and_usage

__all__ = ["DNC", "DNCCell", "DNCInterface", "FusedAllocation", "FusedContentWeighting",
           "FusedInterface", "FusedLinkUpdate", "Interface", "allocate", "allocate_composite",
           "content_weighting", "content_weighting_composite", "interface_size", "link_update",
           "link_update_composite", "oneplus", "parse_interface", "parse_interface_composite",
           "FusedReadWeightings", "FusedUsage", "read_weightings", "read_weightings_composite",
           "retention", "retention_and_usage", "sharpen", "sharpen_composite", "FusedSharpen", "update_precedence", "update_usage",
           "write_allocations"]
