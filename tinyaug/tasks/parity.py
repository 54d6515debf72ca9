"""The parity task of Graves 2016 (Adaptive Computation Time, arXiv 1603.08983, §3.1).

Each example is one input step: a vector of ``size`` (64) entries of which a random number
k ~ U[1, size] are set to +1 or −1 with equal probability and the rest are 0. The target is the
parity of the number of +1 entries (1 if it is odd). The whole vector arrives at once, so a
network can only spend more computation on it by pondering.

Where the k entries sit (``placement``): ``"random"`` (default) puts them at k random positions
(our reading of "a random number of entries"); ``"prefix"`` puts them at the first k positions,
as the public replications of the paper do (Fojo 2018; the pytorch-lightning ACT port). The
prefix variant is much easier for a 128-unit RNN (see docs/sections/act.md), since entry i is
nonzero exactly when k ≥ i.

Batch: inputs (1, batch, size), targets (1, batch, 1), mask (1, batch) of ones.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Batch, Task, check_batch_size, register_task


@register_task
class Parity(Task):
    name = "parity"
    defaults = {"size": 64, "placement": "random"}
    placements = ("random", "prefix")

    def __init__(self, size: int = 64, placement: str = "random") -> None:
        if int(size) != size or size < 1:
            raise ValueError(f"parity: size must be a positive integer, got {size!r}")
        if placement not in self.placements:
            raise ValueError(f"parity: placement must be one of {self.placements}, got {placement!r}")
        super().__init__(input_size=int(size), output_size=1)
        self.size = int(size)
        self.placement = placement

    def batch(self, batch_size: int, rng: np.random.Generator, **overrides: Any) -> Batch:
        """``overrides``: ``nonzero=k`` fixes the number of ±1 entries of every example."""
        check_batch_size(self, batch_size)
        unknown = set(overrides) - {"nonzero"}
        if unknown:
            raise TypeError(f"parity: unknown override(s) {sorted(unknown)}; only 'nonzero'")
        fixed = overrides.get("nonzero")
        if fixed is not None and not 1 <= int(fixed) <= self.size:
            raise ValueError(f"parity: nonzero must lie in [1, {self.size}], got {fixed!r}")
        nonzero = (np.full(batch_size, int(fixed)) if fixed is not None
                   else rng.integers(1, self.size + 1, size=batch_size))
        if self.placement == "random":
            # A random permutation per example: the entries ranked below k are the set ones.
            ranks = rng.random((batch_size, self.size)).argsort(axis=1).argsort(axis=1)
        else:  # "prefix": entries 0..k-1
            ranks = np.broadcast_to(np.arange(self.size), (batch_size, self.size))
        signs = rng.choice(np.array([-1.0, 1.0]), size=(batch_size, self.size))
        vectors = np.where(ranks < nonzero[:, None], signs, 0.0)
        targets = ((vectors > 0).sum(axis=1) % 2).astype(np.float64)
        return vectors[None], targets[None, :, None], np.ones((1, batch_size))
