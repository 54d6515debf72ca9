"""A CPU stand-in for CuPy, so that GPU code paths run in CI without a GPU.

It wraps NumPy arrays in :class:`StandinArray`, which behaves like ``cupy.ndarray`` where code
usually goes wrong on a real GPU:

* implicit conversion to a host array (``np.asarray(x)``, ``__array__``) raises ``TypeError``,
  as CuPy does; ``.get()`` is the explicit way back to the host;
* mixing with plain ``numpy.ndarray`` operands in an operation raises ``TypeError``
  ("Unsupported type"), as CuPy does; only ``asarray``/``array`` accept host arrays;
* reductions return 0-d arrays rather than NumPy scalars.

Everything else is computed by NumPy, so results match the NumPy backend exactly.
"""
from __future__ import annotations

import types
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from .base import Backend

_HOST_TYPES = (np.ndarray,)


def _unwrap(value: Any, where: str) -> Any:
    """Replace stand-in arrays by their NumPy payload; refuse host arrays like CuPy does."""
    cls = type(value)
    if cls is StandinArray:
        return value._array
    if cls is np.ndarray:
        raise TypeError(f"Unsupported type {cls} in {where}: the stand-in backend, like CuPy, "
                        "does not mix device arrays with numpy.ndarray; convert explicitly")
    if cls is tuple or cls is list:
        return cls(_unwrap(v, where) for v in value)
    if cls is dict:
        return {k: _unwrap(v, where) for k, v in value.items()}
    return value


def _wrap(value: Any) -> Any:
    cls = type(value)
    if cls is np.ndarray:
        return StandinArray(value)
    if isinstance(value, np.generic):
        return StandinArray(np.asarray(value))
    if cls is tuple or cls is list:
        return cls(_wrap(v) for v in value)
    return value


class StandinArray(NDArrayOperatorsMixin):
    """A ``cupy.ndarray`` look-alike that lives in host memory."""

    __slots__ = ("_array",)

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    # -- the behaviours that make this a useful stand-in --------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed (stand-in backend, "
                        "like CuPy). Use `.get()` or `Tensor.numpy()` to copy to the host explicitly.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        where = f"numpy.{ufunc.__name__}"
        out = kwargs.get("out")
        inputs = _unwrap(inputs, where)
        if out is not None:
            kwargs["out"] = _unwrap(out, where)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        where = f"numpy.{func.__name__}"
        return _wrap(func(*_unwrap(args, where), **_unwrap(kwargs, where)))

    def get(self) -> np.ndarray:
        """Copy to a host ``numpy.ndarray`` (CuPy's spelling)."""
        return self._array.copy()

    # -- plain delegation ---------------------------------------------------------------
    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    nbytes = property(lambda self: self._array.nbytes)
    itemsize = property(lambda self: self._array.itemsize)
    T = property(lambda self: StandinArray(self._array.T))

    def __getitem__(self, index):
        return _wrap(self._array[_unwrap_index(index)])

    def __setitem__(self, index, value):
        self._array[_unwrap_index(index)] = _unwrap(value, "__setitem__")

    def __getattr__(self, name):
        if name.startswith("__"):
            # Never hand out __array_interface__/__array_struct__: NumPy would use them to
            # convert silently, which is exactly what CuPy (and so the stand-in) refuses.
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        attr = getattr(self._array, name)
        if callable(attr):
            def method(*args, **kwargs):
                where = f"ndarray.{name}"
                return _wrap(attr(*_unwrap(args, where), **_unwrap(kwargs, where)))
            return method
        return _wrap(attr)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (_wrap(row) for row in self._array)

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __repr__(self):
        return f"standin.{self._array!r}"


def _unwrap_index(index):
    # CuPy accepts host integer arrays as indices, so indices are unwrapped leniently.
    if type(index) is StandinArray:
        return index._array
    if type(index) is tuple:
        return tuple(i._array if type(i) is StandinArray else i for i in index)
    return index


class _StandinCallable:
    """A NumPy function (or ufunc) that takes and returns stand-in arrays."""

    __slots__ = ("_func", "_name", "_lenient")

    def __init__(self, func, name: str, lenient: bool) -> None:
        self._func = func
        self._name = name
        self._lenient = lenient

    def __call__(self, *args, **kwargs):
        if self._lenient:  # asarray/array accept host data, as in CuPy
            args = tuple(a._array if type(a) is StandinArray else a for a in args)
            return _wrap(np.array(self._func(*args, **kwargs), copy=True))
        where = f"standin.{self._name}"
        return _wrap(self._func(*_unwrap(args, where), **_unwrap(kwargs, where)))

    def __getattr__(self, name):  # ufunc methods: add.at, maximum.reduce, ...
        return _StandinCallable(getattr(self._func, name), f"{self._name}.{name}", False)


_LENIENT = {"asarray", "array", "ascontiguousarray"}


class StandinModule:
    """The stand-in's ``xp``: NumPy's namespace, returning stand-in arrays."""

    def __init__(self, module: types.ModuleType, prefix: str = "standin") -> None:
        self._module = module
        self._prefix = prefix

    def __getattr__(self, name: str):
        if name == "ndarray":
            return StandinArray
        attr = getattr(self._module, name)
        if isinstance(attr, types.ModuleType):
            return StandinModule(attr, f"{self._prefix}.{name}")
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes, constants
        wrapped = _StandinCallable(attr, f"{self._prefix}.{name}", name in _LENIENT)
        setattr(self, name, wrapped)  # cache: later look-ups skip __getattr__
        return wrapped


class StandinBackend(Backend):
    """The CPU stand-in for CuPy; select it with ``ta.set_backend("standin")``."""

    name = "standin"
    array_type = StandinArray

    def __init__(self) -> None:
        self.xp = StandinModule(np)

    def asarray(self, data, dtype=None):
        if type(data) is StandinArray:
            return data if dtype is None or data.dtype == dtype else data.astype(dtype)
        return StandinArray(np.array(data, dtype=dtype, copy=True))

    def to_host(self, array):
        return array._array.copy()

    def from_host(self, array):
        return StandinArray(np.array(array, copy=True))

    def scatter_add(self, target, index, values):
        np.add.at(target._array, _unwrap_index(index), values._array if type(values) is StandinArray else values)
