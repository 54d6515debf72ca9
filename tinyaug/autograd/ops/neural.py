"""Neural-network building blocks used by the models: softmax family, cosine similarity,
circular convolution (the NTM shift), dropout."""
from __future__ import annotations

from ..errors import ShapeError
from ..function import Function
from ..tensor import as_tensor
from ._util import normalize_axis, unbroadcast
from .elementwise import sqrt


class Softmax(Function):
    """exp(x - max) / sum(exp(x - max)) along ``axis``: no overflow for large inputs."""

    double_backward = True

    def forward(self, x):
        xp = self.xp
        self.axis = normalize_axis(self.axis, x.ndim, "softmax")[0]
        shifted = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.out = shifted / shifted.sum(axis=self.axis, keepdims=True)
        return self.out

    def backward(self, grad):
        out = self.out
        return out * (grad - (grad * out).sum(axis=self.axis, keepdims=True))


def softmax(x, axis: int = -1):
    return Softmax.apply(x, axis=axis)


class LogSoftmax(Function):
    """x - logsumexp(x) along ``axis``; finite where log(softmax(x)) would give -inf."""

    double_backward = True

    def forward(self, x):
        xp = self.xp
        self.axis = normalize_axis(self.axis, x.ndim, "log_softmax")[0]
        shifted = x - x.max(axis=self.axis, keepdims=True)
        self.out = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.out

    def backward(self, grad):
        return grad - self.xp.exp(self.out) * grad.sum(axis=self.axis, keepdims=True)


def log_softmax(x, axis: int = -1):
    return LogSoftmax.apply(x, axis=axis)


class CosineSimilarity(Function):
    """K(a, b) = a·b / (‖a‖ ‖b‖ + eps) along ``axis`` (NTM paper, eq. 6), broadcasting.

    The ``eps`` keeps an all-zero row (fresh memory) at similarity 0 with a finite gradient.
    """

    double_backward = True

    def forward(self, a, b):
        xp = self.xp
        self.axis = normalize_axis(self.axis, max(a.ndim, b.ndim), "cosine_similarity")[0] - max(a.ndim, b.ndim)
        if a.shape[self.axis] != b.shape[self.axis]:
            raise ShapeError(f"cosine_similarity: vectors of length {a.shape[self.axis]} and "
                             f"{b.shape[self.axis]} (shapes {a.shape}, {b.shape}) along axis {self.axis}")
        self.a, self.b = a, b
        self.norm_a = xp.sqrt((a * a).sum(axis=self.axis, keepdims=True))
        self.norm_b = xp.sqrt((b * b).sum(axis=self.axis, keepdims=True))
        self.dot = (a * b).sum(axis=self.axis, keepdims=True)
        self.denominator = self.norm_a * self.norm_b + self.eps
        return (self.dot / self.denominator).squeeze(self.axis)

    def save_for_graph(self, inputs, outputs):
        # create_graph: the norms and dot product as tensors of the inputs
        a, b = inputs
        self.norm_a = sqrt((a * a).sum(axis=self.axis, keepdims=True))
        self.norm_b = sqrt((b * b).sum(axis=self.axis, keepdims=True))
        self.dot = (a * b).sum(axis=self.axis, keepdims=True)
        self.denominator = self.norm_a * self.norm_b + self.eps

    def backward(self, grad):
        xp = self.xp
        grad = xp.expand_dims(grad, self.axis) / self.denominator
        ratio = self.dot / self.denominator
        tiny = xp.finfo(self.a.dtype).tiny
        # d‖a‖/da = a / ‖a‖, taken as 0 at a = 0 (where a·b is 0 too).
        unit_a = self.a / xp.maximum(self.norm_a, tiny)
        unit_b = self.b / xp.maximum(self.norm_b, tiny)
        ga = grad * (self.b - ratio * self.norm_b * unit_a)
        gb = grad * (self.a - ratio * self.norm_a * unit_b)
        return unbroadcast(ga, self.a.shape), unbroadcast(gb, self.b.shape)


def cosine_similarity(a, b, axis: int = -1, eps: float = 1e-8):
    """Cosine similarity along ``axis``, broadcasting ``a`` against ``b``."""
    return CosineSimilarity.apply(a, b, axis=axis, eps=eps)


class CircularConvolution(Function):
    """w̃(i) = Σ_j w(j) s((i − j) mod N) (NTM paper, eq. 8), with the K shift weights of ``s``
    standing for shifts −(K−1)/2 … +(K−1)/2. ``w``: (..., N); ``s``: (..., K), K odd, K ≤ N."""

    double_backward = True

    def forward(self, w, s):
        xp = self.xp
        n, k = w.shape[-1], s.shape[-1]
        if k % 2 == 0 or k > n:
            raise ShapeError(f"circular_convolution: {k} shift weights for {n} locations; "
                             "need an odd count no larger than the number of locations")
        shifts = xp.arange(k) - (k - 1) // 2
        positions = xp.arange(n)
        # rolled[..., k, i] = w[..., (i - shift_k) mod N]
        self.gather = (positions[None, :] - shifts[:, None]) % n
        self.scatter = (positions[None, :] + shifts[:, None]) % n
        self.w, self.s = w, s
        self.rolled = w[..., self.gather]
        return (s[..., :, None] * self.rolled).sum(axis=-2)

    def save_for_graph(self, inputs, outputs):
        self.rolled = inputs[0][..., self.gather]  # create_graph: as a tensor of w

    def backward(self, grad):
        gw = (self.s[..., :, None] * grad[..., self.scatter]).sum(axis=-2)
        gs = (grad[..., None, :] * self.rolled).sum(axis=-1)
        return unbroadcast(gw, self.w.shape), unbroadcast(gs, self.s.shape)


def circular_convolution(weights, shift_weights):
    """Rotate ``weights`` (..., N) by the shift distribution ``shift_weights`` (..., K)."""
    return CircularConvolution.apply(weights, shift_weights)


class Dropout(Function):
    """x * mask, with the mask (already scaled by 1/(1-p)) given as the second input."""

    double_backward = True

    def forward(self, x, mask):
        self.mask, self.input_shape = mask, x.shape
        return x * mask

    def backward(self, grad):
        return unbroadcast(grad * self.mask, self.input_shape), None


def dropout(x, p: float = 0.5, training: bool = True, mask=None):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p).

    Identity when ``training`` is False or ``p`` is 0. ``mask``: a fixed 0/1 array to use
    instead of a random one (for gradchecks and reproducible tests).
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0:
        return x
    xp = x.xp
    if mask is None:
        mask = xp.random.random_sample(x.shape) >= p
    mask = as_tensor(mask, like=x).data.astype(x.dtype) / (1 - p)
    return Dropout.apply(x, as_tensor(mask, like=x))
