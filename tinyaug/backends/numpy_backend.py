"""The default backend: plain NumPy on the CPU."""
from __future__ import annotations

import numpy as np

from .base import Backend


class NumpyBackend(Backend):
    name = "numpy"
    xp = np
    array_type = np.ndarray

    def to_host(self, array):
        return np.asarray(array)

    def scatter_add(self, target, index, values):
        np.add.at(target, index, values)
