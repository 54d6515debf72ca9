"""Basic layers: Linear, Embedding, Sequential."""
from __future__ import annotations

import numpy as np

from .. import backends
from ..autograd import Parameter, Tensor
from ..autograd.state import STATE
from ..errors import DTypeError, ShapeError
from . import init
from .module import Module


def make_parameter(host: np.ndarray, dtype=None) -> Parameter:
    """A Parameter on the default backend from a host array, in ``dtype`` (default float32)."""
    dtype = STATE.default_dtype if dtype is None else np.dtype(dtype)
    return Parameter(backends.get_backend().asarray(host.astype(dtype)))


class Linear(Module):
    """y = x W + b. ``x``: (..., in_features) -> (..., out_features); W: (in, out)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.in_features, self.out_features = in_features, out_features
        self.weight = make_parameter(init.xavier_uniform((in_features, out_features), rng), dtype)
        self.bias = make_parameter(np.zeros(out_features), dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear({self.in_features}, {self.out_features}): input of shape "
                             f"{x.shape} has {x.shape[-1]} features, expected {self.in_features}")
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """Token ids (...) -> vectors (..., dim); rows of ids used twice get both gradients."""

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = make_parameter(rng.standard_normal((num_embeddings, embedding_dim)) * 0.1, dtype)

    def forward(self, ids) -> Tensor:
        data = ids.data if isinstance(ids, Tensor) else ids
        if not hasattr(data, "dtype"):
            data = np.asarray(data)
        if data.dtype.kind not in "iu":
            raise DTypeError(f"Embedding: ids must be integers, got dtype {data.dtype}")
        if data.size and (int(data.min()) < 0 or int(data.max()) >= self.num_embeddings):
            raise ShapeError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): ids must lie in "
                             f"[0, {self.num_embeddings}), got {int(data.min())}..{int(data.max())}")
        return self.weight[data]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Sequential(Module):
    """Apply modules (or plain functions) in order."""

    def __init__(self, *layers) -> None:
        super().__init__()
        self._layers = list(layers)
        for index, layer in enumerate(layers):
            if isinstance(layer, Module):
                setattr(self, str(index), layer)

    def forward(self, x):
        for layer in self._layers:
            x = layer(x)
        return x

    def __getitem__(self, index):
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)
