"""Global switches of the engine: gradient recording, anomaly detection, default dtype."""
from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np


class _State:
    __slots__ = ("grad_enabled", "anomaly", "default_dtype")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.default_dtype = np.dtype(np.float32)


STATE = _State()


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block no graph is recorded: results never require grad."""
    previous = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        yield
    finally:
        STATE.grad_enabled = previous


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Re-enable recording inside a ``no_grad`` block."""
    previous = STATE.grad_enabled
    STATE.grad_enabled = True
    try:
        yield
    finally:
        STATE.grad_enabled = previous


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every forward output and backward gradient for NaN/Inf.

    The first operation that produces one raises :class:`AnomalyError` naming itself, the
    direction (forward or backward) and its input shapes. Slow: for debugging only.
    """
    previous = STATE.anomaly
    STATE.anomaly = True
    try:
        yield
    finally:
        STATE.anomaly = previous


def set_default_dtype(dtype) -> None:
    """The dtype given to tensors made from Python numbers (float32 unless changed)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: default dtype must be floating, got {dtype}")
    STATE.default_dtype = dtype


def get_default_dtype() -> np.dtype:
    return STATE.default_dtype
