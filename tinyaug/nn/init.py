"""Parameter initialisers. Each takes a shape and a NumPy ``Generator`` and returns a host
float array; ``Module`` constructors turn it into a ``Parameter`` on the default backend."""
from __future__ import annotations

import numpy as np


def uniform(shape, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(low, high, size=shape)


def xavier_uniform(shape, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Glorot & Bengio (2010): U(±gain·sqrt(6 / (fan_in + fan_out))); shape (fan_in, fan_out)."""
    fan_in, fan_out = shape[0], shape[-1]
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape)


def orthogonal(shape, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Saxe et al. (2013): a (semi-)orthogonal matrix from the QR of a Gaussian one."""
    rows, cols = shape[0], int(np.prod(shape[1:]))
    gaussian = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(gaussian)
    q = q * np.sign(np.diag(r))  # make the decomposition unique, the distribution uniform
    if rows < cols:
        q = q.T
    return gain * q[:rows, :cols].reshape(shape)


def zeros(shape) -> np.ndarray:
    return np.zeros(shape)


def lstm_bias(hidden_size: int, forget_bias: float = 1.0) -> np.ndarray:
    """Bias for gates in (i, f, g, o) order with the forget gate at ``forget_bias``
    (Gers et al. 2000; Jozefowicz et al. 2015): the cell remembers by default."""
    bias = np.zeros(4 * hidden_size)
    bias[hidden_size:2 * hidden_size] = forget_bias
    return bias


_global_rng = np.random.default_rng(0)


def default_rng() -> np.random.Generator:
    """The generator used when a module is built without ``rng``; reseed with ``seed``."""
    return _global_rng


def seed(value: int) -> None:
    """Reseed the default initialisation generator."""
    global _global_rng
    _global_rng = np.random.default_rng(value)
