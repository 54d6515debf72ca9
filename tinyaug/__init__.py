"""tinyaug: reverse-mode autodiff on NumPy/CuPy, and the augmented RNNs built on it.

    import tinyaug as ta
    x = ta.tensor([[1.0, 2.0]], requires_grad=True)
    y = ta.tanh(x @ x.T).sum()
    y.backward()
    x.grad
"""
from . import backends, nn, optim
from .autograd import (AnomalyError, BackendError, DTypeError, Function, GradcheckError, GraphError,
                       Parameter, ShapeError, Tensor, TinyaugError, as_tensor, detect_anomaly,
                       enable_grad, get_default_dtype, grad, gradcheck, gradgradcheck, is_grad_enabled, no_grad,
                       set_default_dtype, tensor, to_numpy)
from .autograd.ops import *  # noqa: F401,F403 - the op namespace, NumPy names
from .autograd.ops import __all__ as _ops_all
from .backends import get_backend, set_backend
from .checkpoint import CheckpointError, load, save

backends._from_environment()

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "BackendError", "DTypeError", "Function", "GradcheckError", "GraphError",
    "Parameter", "ShapeError", "Tensor", "TinyaugError", "as_tensor", "backends", "detect_anomaly",
    "enable_grad", "get_backend", "get_default_dtype", "grad", "gradcheck", "gradgradcheck", "is_grad_enabled", "no_grad",
    "set_backend", "set_default_dtype", "tensor", "to_numpy", *_ops_all,
]
