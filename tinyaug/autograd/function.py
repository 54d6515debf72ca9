"""``Function``: the base class of every differentiable operation, built-in or user-written.

An op is a subclass with two methods side by side, both over raw backend arrays::

    class Square(ta.Function):
        def forward(self, x):
            self.x = x                  # save what backward needs
            return x * x
        def backward(self, grad):       # grad: d(loss)/d(output), same shape as the output
            return 2 * self.x * grad    # one gradient per input (None where not needed)

    y = Square.apply(x)

``apply`` records the op in the graph when some input requires grad and recording is on.
Keyword arguments of ``apply`` become attributes before ``forward`` runs
(``Sum.apply(x, axis=0)`` sets ``self.axis``). ``self.xp`` is the array module of the inputs'
backend and ``self.needs_input_grad`` says which inputs need a gradient. ``forward`` may
return a tuple of arrays for several outputs; ``backward`` then receives one gradient per
output (zeros for outputs that were not used).
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy

from .. import backends
from .errors import AnomalyError, BackendError, ShapeError, TinyaugError
from .state import STATE
from .tensor import Tensor, as_tensor

_sequence = itertools.count()
_BY_ARRAY_TYPE = backends._BY_ARRAY_TYPE


class Function:
    """Base class of differentiable operations; see the module docstring."""

    # Class-level defaults, so that a recorded op need not store them and a released op
    # (whose ``__dict__`` is cleared) still answers: ``inputs is None`` means "released".
    inputs = None
    output_meta = None  # None: one output; else one (shape, dtype) per output
    sequence = -1
    # Defaults for the common case, so the hot path need not write them: a NumPy op with one
    # input that needs a gradient. ``run``/``run_unary`` set them on the instance otherwise.
    xp = numpy
    needs_input_grad = (True,)
    # Second order (``create_graph=True``, ``ta.grad``, ``gradgradcheck``): True when
    # ``backward`` uses only ``self.xp`` functions, operators and array methods that tensors
    # share, so that it can run on tensors and be recorded (see ``higher_order.py``).
    # ``composite``: for a fused kernel that cannot, the differentiable alternative to name.
    double_backward = False
    composite = None

    def __init__(self, **params: Any) -> None:
        self.__dict__.update(params)

    def forward(self, *arrays: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *grad_outputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run ``forward`` on the inputs' arrays; record the op if a gradient will be needed."""
        if cls.__init__ is _base_init:
            fn = _new(cls)
            if params:
                fn.__dict__.update(params)
        else:
            fn = cls(**params)
        if len(inputs) == 1:
            return run_unary(fn, inputs[0])
        return run(fn, inputs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


_base_init = Function.__init__
_new = object.__new__
_NONE_NEEDED = (False,)
_NDARRAY = numpy.ndarray


class _XPByArrayType(dict):
    """Array type -> array module, filled from the backends as they load."""

    def __missing__(self, array_type):
        xp = self[array_type] = _BY_ARRAY_TYPE[array_type].xp
        return xp


_XP_BY_ARRAY_TYPE = _XPByArrayType()


# The engine's hot path: every op of every model goes through ``run_unary`` or ``run``. They
# avoid per-call lists and repeated look-ups and build output tensors inline, unvalidated.

def run_unary(fn: Function, x: Any) -> Any:
    """``apply`` for an op instance ``fn`` (parameters already set) with one input."""
    if type(x) is not Tensor and not isinstance(x, Tensor):
        x = as_tensor(x)
    data = x.data
    array_type = type(data)
    if array_type is not _NDARRAY:
        fn.xp = _XP_BY_ARRAY_TYPE[array_type]
    record = x.requires_grad and STATE.grad_enabled
    if not record:
        fn.needs_input_grad = _NONE_NEEDED
    try:
        out = fn.forward(data)
    except TinyaugError:
        raise
    except (ValueError, TypeError, IndexError) as exc:
        raise ShapeError(f"{type(fn).__name__}: {exc} (inputs: {_describe((data,))})") from exc
    if STATE.anomaly:
        _check_finite(type(fn), "forward", out, (data,), fn.xp)
    if type(out) is not array_type:
        if type(out) is tuple:
            return _outputs(fn, (x,), out, array_type, record)
        out = fn.xp.asarray(out)  # NumPy reductions hand back scalars; keep arrays throughout
    t = _new(Tensor)
    t.data = out
    t.grad = None
    t.output_index = 0
    t.name = None
    if record:
        fn.inputs = (x,)
        fn.sequence = next(_sequence)
        t.requires_grad = out.dtype.kind in "fc"
        t.creator = fn
    else:
        t.requires_grad = False
        t.creator = None
    return t


def run(fn: Function, inputs: tuple) -> Any:
    """``apply`` for an op instance ``fn`` (parameters already set) with any number of inputs."""
    for x in inputs:
        if type(x) is not Tensor and not isinstance(x, Tensor):
            inputs = tuple([x if isinstance(x, Tensor) else as_tensor(x) for x in inputs])
            break
    arrays = tuple([x.data for x in inputs])
    array_type = type(arrays[0]) if arrays else backends.get_backend().array_type
    for data in arrays:
        if type(data) is not array_type:
            raise BackendError(_mixed_backends_message(type(fn), inputs))
    needs_grad = tuple([x.requires_grad for x in inputs])
    record = True in needs_grad and STATE.grad_enabled
    xp = fn.xp = _XP_BY_ARRAY_TYPE[array_type]
    fn.needs_input_grad = needs_grad if record else (False,) * len(arrays)
    try:
        out = fn.forward(*arrays)
    except TinyaugError:
        raise
    except (ValueError, TypeError, IndexError) as exc:
        raise ShapeError(f"{type(fn).__name__}: {exc} (inputs: {_describe(arrays)})") from exc
    if STATE.anomaly:
        _check_finite(type(fn), "forward", out, arrays, xp)
    if type(out) is not array_type:
        if type(out) is tuple:
            return _outputs(fn, inputs, out, array_type, record)
        out = xp.asarray(out)
    t = _new(Tensor)
    t.data = out
    t.grad = None
    t.output_index = 0
    t.name = None
    if record:
        fn.inputs = inputs
        fn.sequence = next(_sequence)
        t.requires_grad = out.dtype.kind in "fc"
        t.creator = fn
    else:
        t.requires_grad = False
        t.creator = None
    return t


def _outputs(fn, inputs, outputs, array_type, record) -> tuple:
    """The tensors of a multi-output op (``forward`` returned a tuple)."""
    outputs = tuple([_ensure_array(o, array_type, fn) for o in outputs])
    if not record:
        return tuple([Tensor._from_op(o, False, None, i) for i, o in enumerate(outputs)])
    fn.inputs = inputs
    fn.sequence = next(_sequence)
    fn.output_meta = tuple([(o.shape, o.dtype) for o in outputs])
    return tuple([Tensor._from_op(o, o.dtype.kind in "fc", fn, i) for i, o in enumerate(outputs)])


def _ensure_array(value, array_type, fn):
    if type(value) is array_type:
        return value
    return fn.xp.asarray(value)  # NumPy reductions hand back scalars; keep arrays throughout


def _describe(arrays) -> str:
    return ", ".join(f"{tuple(a.shape)} {a.dtype}" for a in arrays)


def _mixed_backends_message(cls, inputs) -> str:
    names = []
    for x in inputs:
        data = x.data if isinstance(x, Tensor) else x
        backend = _BY_ARRAY_TYPE.get(type(data))
        names.append(backend.name if backend else type(data).__name__)
    return (f"{cls.__name__}: inputs live on different backends ({', '.join(names)}); "
            "move them to one with .to(...)")


def _check_finite(cls, direction: str, outputs, arrays, xp) -> None:
    outputs = outputs if type(outputs) is tuple else (outputs,)
    for index, out in enumerate(outputs):
        if out is None or out.dtype.kind not in "fc":
            continue
        if not bool(xp.isfinite(out).all()):  # xp.isfinite also takes NumPy scalars
            what = "output" if direction == "forward" else "gradient of input"
            raise AnomalyError(f"{cls.__name__}.{direction} produced NaN or Inf in {what} {index} "
                               f"(shape {tuple(out.shape)}); inputs: {_describe(arrays)}")
