"""The Tensor: one backend array, its gradient, and the Function that made it."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import backends
from .errors import BackendError, DTypeError, GraphError
from .state import STATE


class Tensor:
    """A node of the computation graph holding one backend array.

    ``data``: the array (NumPy, CuPy or stand-in); ``grad``: an array of the same backend and
    shape after ``backward`` (leaves only), else None; ``creator``: the Function whose output
    this is (None for leaves). Operators and NumPy-named methods are attached in ``methods.py``.
    """

    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "name", "__weakref__")
    # Make NumPy defer to us in ``ndarray + Tensor`` instead of converting the tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None) -> None:
        backends.backend_of(data)  # raises BackendError for anything that is not a backend array
        if requires_grad and data.dtype.kind not in "fc":
            raise DTypeError(f"only floating tensors can require grad; got dtype {data.dtype} "
                             f"with shape {tuple(data.shape)}")
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.creator = None
        self.output_index = 0
        self.name = name

    @classmethod
    def _from_op(cls, data, requires_grad: bool, creator, output_index: int) -> "Tensor":
        # The hot path: skip validation, the op guarantees a backend array.
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.creator = creator
        t.output_index = output_index
        t.name = None
        return t

    # -- array-like properties ------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return int(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def backend(self):
        return backends.backend_of(self.data)

    @property
    def xp(self):
        """The array module of this tensor's backend (``numpy``, ``cupy`` or the stand-in)."""
        return backends.backend_of(self.data).xp

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        backend = backends.backend_of(self.data).name
        extra = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.numpy(), prefix="tensor(", separator=", ")
        where = "" if backend == "numpy" else f", backend={backend!r}"
        return f"tensor({body}, dtype={self.dtype}{where}{extra})"

    # -- conversions ------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """A host ``numpy.ndarray`` copy-free on NumPy, copied from the device otherwise."""
        return backends.backend_of(self.data).to_host(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise GraphError(f"item(): only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        if type(self.data) is not np.ndarray:
            raise TypeError(f"implicit conversion of a {self.backend.name} tensor to a NumPy array "
                            "is not allowed; call .numpy() to copy it to the host")
        return self.data if dtype is None else self.data.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with shape {self.shape} is ambiguous")
        return bool(self.data)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph."""
        return Tensor._from_op(self.data, False, None, 0)

    def to(self, backend: str) -> "Tensor":
        """This tensor on another backend (a copy, cut from the graph), keeping requires_grad."""
        target = backends.get_backend(backend)
        source = backends.backend_of(self.data)
        if target is source:
            return self
        data = target.from_host(source.to_host(self.data))
        return Tensor(data, requires_grad=self.requires_grad)

    def astype(self, dtype) -> "Tensor":
        """A cast; differentiable between floating dtypes."""
        from .ops.elementwise import Cast
        return Cast.apply(self, dtype=np.dtype(dtype))

    # -- autodiff ---------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad``: the upstream gradient, of this tensor's shape; may be omitted only for a
        tensor with one element. ``retain_graph``: keep the saved buffers for another backward
        (default: ``create_graph``). ``create_graph``: record the backward pass, so that the
        gradients, then tensors in ``.grad``, can be differentiated again.
        """
        if create_graph:
            from .higher_order import backward_create_graph
            backward_create_graph(self, grad, retain_graph)
            return
        from .graph import run_backward
        run_backward(self, grad, bool(retain_graph))

    def zero_grad(self) -> None:
        self.grad = None


class Parameter(Tensor):
    """A leaf tensor that a ``Module`` owns and an optimizer updates; requires grad by default."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        elif type(data) is np.ndarray:
            data = backends.get_backend().asarray(data)  # a host array goes to the default backend
        elif not isinstance(data, tuple(backends._BY_ARRAY_TYPE)):
            data = backends.get_backend().asarray(data, dtype=STATE.default_dtype)
        super().__init__(data, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter(" + super().__repr__() + ")"


def _infer_array(data: Any, dtype, backend_name: str | None):
    if isinstance(data, Tensor):
        data = data.data
    known = backends._BY_ARRAY_TYPE.get(type(data))
    if known is not None and backend_name is None and type(data) is not np.ndarray:
        backend = known  # device arrays stay where they are; host arrays go to the default backend
    else:
        backend = backends.get_backend(backend_name)
        if known is not None and known is not backend:
            data = known.to_host(data)
    if dtype is not None:
        return backend.asarray(data, dtype=np.dtype(dtype))
    if known is not None or isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return backend.asarray(data)  # arrays keep their dtype (float64 stays float64)
    host = np.asarray(data)
    if host.dtype.kind == "f":
        host = host.astype(STATE.default_dtype)
    elif host.dtype.kind not in "biuc":
        raise DTypeError(f"tensor(): cannot make a tensor from {type(data).__name__} "
                         f"(numpy dtype {host.dtype})")
    return backend.asarray(host)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False,
           backend: str | None = None) -> Tensor:
    """Make a leaf tensor.

    ``data``: a Python number or (nested) list, a NumPy/CuPy array, or a Tensor (its data is
    used). Python floats become ``float32`` (see ``set_default_dtype``); arrays keep their dtype.
    ``backend``: ``"numpy"``, ``"cupy"`` or ``"standin"``; defaults to a device array's own
    backend, else (host NumPy arrays, lists, numbers) the default backend.
    """
    array = _infer_array(data, dtype, backend)
    return Tensor(array, requires_grad=requires_grad)


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; Python numbers take ``like``'s dtype and backend (no upcasting)."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float, bool, np.number)):
        dtype = like.data.dtype if like.data.dtype.kind in "fc" else None
        if dtype is None and isinstance(value, float):
            dtype = STATE.default_dtype
        return Tensor._from_op(backends.backend_of(like.data).asarray(value, dtype=dtype), False, None, 0)
    if backends._BY_ARRAY_TYPE.get(type(value)) is not None:
        return Tensor._from_op(value, False, None, 0)
    if like is not None and not isinstance(value, (list, tuple)):
        raise BackendError(f"cannot use a {type(value).__name__} as an operand of a "
                           f"{backends.backend_of(like.data).name} tensor")
    return tensor(value)


def to_numpy(value: Any) -> np.ndarray:
    """A host ``numpy.ndarray`` from a Tensor or an array of any backend (for tests, plots, I/O)."""
    if isinstance(value, Tensor):
        return value.numpy()
    backend = backends._BY_ARRAY_TYPE.get(type(value))
    return backend.to_host(value) if backend is not None else np.asarray(value)
