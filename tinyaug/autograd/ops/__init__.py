"""Every built-in differentiable operation, under its NumPy name."""
from .arithmetic import add, divide, multiply, negative, power, subtract
from .elementwise import (abs, clip, exp, log, log1p, maximum, minimum, relu, sigmoid, softplus,
                          sqrt, tanh, where)
from .linalg import einsum, matmul
from .losses import binary_cross_entropy_with_logits, cross_entropy, huber, mse
from .neural import circular_convolution, cosine_similarity, dropout, log_softmax, softmax
from .reductions import cumprod, cumsum, logsumexp, max, mean, min, sum, var
from .shape import (broadcast_to, concatenate, expand_dims, getitem, pad, reshape, roll, split,
                    squeeze, stack, swapaxes, take_along_axis, transpose)

__all__ = [
    "abs", "add", "binary_cross_entropy_with_logits", "broadcast_to", "circular_convolution",
    "clip", "concatenate", "cosine_similarity", "cross_entropy", "cumprod", "cumsum", "divide",
    "dropout", "einsum", "exp", "expand_dims", "getitem", "huber", "log", "log1p", "log_softmax",
    "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mse", "multiply",
    "negative", "pad", "power", "relu", "reshape", "roll", "sigmoid", "softmax", "softplus",
    "split", "sqrt", "squeeze", "stack", "subtract", "sum", "swapaxes", "take_along_axis", "tanh",
    "transpose", "var", "where",
]
