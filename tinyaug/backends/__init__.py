"""Array backends: NumPy (default), CuPy (GPU) and a CPU stand-in that behaves like CuPy.

Every tensor holds one backend array; the backend is found from the array's type. The default
backend for new tensors comes from ``set_backend`` or, at import, the ``TINYAUG_BACKEND``
environment variable (``numpy``, ``cupy`` or ``standin``).
"""
from __future__ import annotations

import os
from typing import Any

from ..errors import BackendError
from .base import Backend
from .numpy_backend import NumpyBackend

_BACKENDS: dict[str, Backend] = {"numpy": NumpyBackend()}
_BY_ARRAY_TYPE: dict[type, Backend] = {_BACKENDS["numpy"].array_type: _BACKENDS["numpy"]}
_default_name = "numpy"

NAMES = ("numpy", "cupy", "standin")


def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name`` (the default backend when ``name`` is None)."""
    name = _default_name if name is None else name
    backend = _BACKENDS.get(name)
    if backend is None:
        if name == "cupy":
            from .cupy_backend import CupyBackend
            backend = CupyBackend()
        elif name == "standin":
            from .standin import StandinBackend
            backend = StandinBackend()
        else:
            raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(NAMES)}")
        _BACKENDS[name] = backend
        _BY_ARRAY_TYPE[backend.array_type] = backend
    return backend


def set_backend(name: str) -> Backend:
    """Make ``name`` the backend of newly created tensors; returns it."""
    global _default_name
    backend = get_backend(name)
    _default_name = name
    return backend


def backend_of(array: Any) -> Backend:
    """The backend that owns ``array``."""
    backend = _BY_ARRAY_TYPE.get(type(array))
    if backend is None:
        raise BackendError(f"{type(array).__name__} is not an array of any loaded backend "
                           f"({', '.join(_BACKENDS)})")
    return backend


def _from_environment() -> None:
    name = os.environ.get("TINYAUG_BACKEND")
    if name:
        set_backend(name)
