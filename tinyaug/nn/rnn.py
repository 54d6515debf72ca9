"""Simple recurrent cells on the recurrent-cell protocol: ``RNNCell`` (Elman) and ``GRUCell``
(Cho et al. 2014). Both are composite (built from engine ops); their state is h (batch, hidden)
and their output is h."""
from __future__ import annotations

import numpy as np

from ..autograd import ops
from ..autograd.tensor import Tensor, as_tensor
from ..errors import DTypeError, ShapeError
from . import init
from .layers import make_parameter
from .module import Module


def _as_weight_dtype(name: str, what: str, value, weight: Tensor) -> Tensor:
    """``value`` as a tensor of the weights' dtype: integer/bool data (bits, one-hots) is cast;
    a different floating dtype is an error, since NumPy would silently promote everything."""
    value = as_tensor(value, like=weight)
    if value.dtype == weight.dtype:
        return value
    if value.dtype.kind in "biu":
        return Tensor(value.data.astype(weight.dtype))
    raise DTypeError(f"{name}: {what} has dtype {value.dtype} (shape {value.shape}) but the "
                     f"weights are {weight.dtype}; cast one of them (x.astype(...) or model.astype(...))")


def _check_step(cell: Module, x: Tensor, h) -> Tensor:
    name = f"{type(cell).__name__}({cell.input_size}, {cell.hidden_size})"
    x = _as_weight_dtype(name, "the input", x, cell.weight_input)
    if x.ndim != 2 or x.shape[1] != cell.input_size:
        raise ShapeError(f"{name}: input must be (batch, {cell.input_size}), got shape {x.shape}")
    if not isinstance(h, Tensor):
        raise ShapeError(f"{name}: state must be one tensor h (batch, {cell.hidden_size}), "
                         f"got {type(h).__name__}")
    if h.shape != (x.shape[0], cell.hidden_size):
        raise ShapeError(f"{name}: state h must be ({x.shape[0]}, {cell.hidden_size}) for a batch "
                         f"of {x.shape[0]}, got {h.shape}")
    return x, _as_weight_dtype(name, "the state h", h, cell.weight_input)


class _SingleStateCell(Module):
    """Shared plumbing: sizes and a zero state h (batch, hidden)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, hidden_size

    def initial_state(self, batch_size: int) -> Tensor:
        """Zeros (batch_size, hidden_size) on the parameters' backend and dtype."""
        weight = self.weight_hidden
        return Tensor(weight.xp.zeros((batch_size, self.hidden_size), dtype=weight.dtype))

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class RNNCell(_SingleStateCell):
    """Elman's simple recurrent cell: h' = φ(x W_x + h W_h + b), φ = tanh or relu.

    ``cell(x, h) -> (h', h')``; x (batch, input_size), h (batch, hidden_size).
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh",
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__(input_size, hidden_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        rng = rng or init.default_rng()
        self.nonlinearity = nonlinearity
        self.weight_input = make_parameter(init.xavier_uniform((input_size, hidden_size), rng), dtype)
        self.weight_hidden = make_parameter(init.orthogonal((hidden_size, hidden_size), rng), dtype)
        self.bias = make_parameter(np.zeros(hidden_size), dtype)

    def forward(self, x: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        x, h = _check_step(self, x, state)
        pre_activation = x @ self.weight_input + h @ self.weight_hidden + self.bias
        h_new = ops.tanh(pre_activation) if self.nonlinearity == "tanh" else ops.relu(pre_activation)
        return h_new, h_new

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}"


class GRUCell(_SingleStateCell):
    """Gated recurrent unit, Cho et al. 2014 ("Learning Phrase Representations using RNN
    Encoder–Decoder", §2.3), with biases added:

        r  = σ(x W_r + h U_r + b_r)             reset gate    (Cho et al. 2014, eq. 5)
        z  = σ(x W_z + h U_z + b_z)             update gate   (eq. 6)
        h̃  = tanh(x W + (r ∘ h) U + b)          candidate     (eq. 8)
        h' = z ∘ h + (1 − z) ∘ h̃                new state     (eq. 7)

    Weights for the three blocks (r, z, candidate) are stored side by side: W_x (I, 3H),
    W_h (H, 3H), b (3H,). ``cell(x, h) -> (h', h')``.
    """

    def __init__(self, input_size: int, hidden_size: int, rng: np.random.Generator | None = None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size)
        rng = rng or init.default_rng()
        self.weight_input = make_parameter(np.concatenate(
            [init.xavier_uniform((input_size, hidden_size), rng) for _ in range(3)], axis=1), dtype)
        self.weight_hidden = make_parameter(np.concatenate(
            [init.orthogonal((hidden_size, hidden_size), rng) for _ in range(3)], axis=1), dtype)
        self.bias = make_parameter(np.zeros(3 * hidden_size), dtype)

    def forward(self, x: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        x, h = _check_step(self, x, state)
        H = self.hidden_size
        input_part = x @ self.weight_input + self.bias                       # (B, 3H)
        hidden_gates = h @ self.weight_hidden[:, :2 * H]                      # (B, 2H): r and z
        reset_gate = ops.sigmoid(input_part[:, :H] + hidden_gates[:, :H])     # eq. 5
        update_gate = ops.sigmoid(input_part[:, H:2 * H] + hidden_gates[:, H:])  # eq. 6
        candidate = ops.tanh(input_part[:, 2 * H:]
                             + (reset_gate * h) @ self.weight_hidden[:, 2 * H:])  # eq. 8
        h_new = update_gate * h + (1 - update_gate) * candidate               # eq. 7
        return h_new, h_new
