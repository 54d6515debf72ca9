"""Neural Turing Machine (Graves, Wayne & Danihelka 2014, arXiv 1410.5401).

``NTM`` (sequence model), ``NTMCell`` (one step, recurrent-cell protocol), and the pieces:
``address`` / ``address_composite`` (eqs. 5–9), ``read`` (eq. 2), ``write`` /
``write_composite`` (eqs. 3–4), ``NTMHeads``.
"""
from .addressing import FusedAddressing, address, address_composite, head_param_size, split_head_params
from .cell import FeedforwardController, NTMCell
from .heads import NTMHeads
from .memory import MemoryWrite, read, write, write_composite
from .model import NTM

__all__ = ["FeedforwardController", "FusedAddressing", "MemoryWrite", "NTM", "NTMCell", "NTMHeads",
           "address", "address_composite", "head_param_size", "read", "split_head_params", "write",
           "write_composite"]
