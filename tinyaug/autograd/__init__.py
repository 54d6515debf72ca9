"""The autodiff engine: Tensor, Function, the backward walk, and gradcheck."""
from . import methods as _methods
from .errors import (AnomalyError, BackendError, DTypeError, GradcheckError, GraphError,
                     ShapeError, TinyaugError)
from .function import Function
from .gradcheck import gradcheck, gradgradcheck
from .higher_order import grad
from .state import detect_anomaly, enable_grad, get_default_dtype, is_grad_enabled, no_grad, set_default_dtype
from .tensor import Parameter, Tensor, as_tensor, tensor, to_numpy

_methods.attach()
