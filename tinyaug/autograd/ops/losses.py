"""Losses. Each returns the mean over elements unless ``reduction`` says otherwise
(``"mean"``, ``"sum"`` or ``"none"``)."""
from __future__ import annotations

from ..errors import DTypeError, ShapeError
from ..function import Function
from ..tensor import as_tensor
from ._util import unbroadcast
from .arithmetic import subtract
from .neural import log_softmax
from .reductions import mean, sum as sum_


def _reduce(loss, reduction: str, op: str):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum_(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


class BinaryCrossEntropyWithLogits(Function):
    """Elementwise −[t log σ(x) + (1 − t) log(1 − σ(x))] = max(x, 0) − x t + log(1 + e^{−|x|}).

    Exact for any logit, no overflow at ±1e4. d/dx = σ(x) − t; d/dt = −x.
    """

    double_backward = True

    def forward(self, logits, targets):
        xp = self.xp
        self.logits, self.targets = logits, targets
        return xp.maximum(logits, 0) - logits * targets + xp.log1p(xp.exp(-xp.abs(logits)))

    def backward(self, grad):
        xp = self.xp
        need_x, need_t = self.needs_input_grad
        gx = gt = None
        if need_x:
            probability = 0.5 * (xp.tanh(0.5 * self.logits) + 1)
            gx = unbroadcast(grad * (probability - self.targets), self.logits.shape)
        if need_t:
            gt = unbroadcast(-grad * self.logits, self.targets.shape)
        return gx, gt


def binary_cross_entropy_with_logits(logits, targets, reduction: str = "mean"):
    """BCE on logits (natural log units), stable for any logit."""
    targets = as_tensor(targets, like=logits)
    if targets.shape != logits.shape:
        raise ShapeError(f"binary_cross_entropy_with_logits: logits {logits.shape} and targets "
                         f"{targets.shape} differ in shape")
    return _reduce(BinaryCrossEntropyWithLogits.apply(logits, targets), reduction,
                   "binary_cross_entropy_with_logits")


class CrossEntropy(Function):
    """−log softmax(logits)[target] per position. ``logits``: (..., classes); ``targets``:
    integer class indices of shape (...). Backward: softmax − one_hot(target)."""

    double_backward = True

    def forward(self, logits, targets):
        xp = self.xp
        classes = logits.shape[-1]
        if targets.shape != logits.shape[:-1]:
            raise ShapeError(f"cross_entropy: targets of shape {targets.shape} do not match "
                             f"logits of shape {logits.shape} (expected {logits.shape[:-1]})")
        if targets.size and (int(targets.min()) < 0 or int(targets.max()) >= classes):
            raise ShapeError(f"cross_entropy: target classes must lie in [0, {classes}); got "
                             f"values from {int(targets.min())} to {int(targets.max())}")
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
        self.log_probs, self.targets = log_probs, targets
        return -xp.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]

    def save_for_graph(self, inputs, outputs):
        self.log_probs = log_softmax(inputs[0], axis=-1)  # create_graph: as a tensor of the logits

    def backward(self, grad):
        xp = self.xp
        gradient = xp.exp(self.log_probs)
        one_hot = xp.arange(gradient.shape[-1]) == self.targets[..., None]
        return (gradient - one_hot) * grad[..., None], None


def cross_entropy(logits, targets, mask=None, reduction: str = "mean"):
    """Softmax cross-entropy with integer ``targets``.

    ``logits``: (..., classes); ``targets``: (...) integers; ``mask``: optional (...) 0/1 weights;
    with a mask, ``"mean"`` divides by the number of unmasked positions.
    """
    targets = as_tensor(targets, like=logits)
    if targets.dtype.kind not in "iu":
        raise DTypeError(f"cross_entropy: targets must be integer class indices, got dtype {targets.dtype}")
    loss = CrossEntropy.apply(logits, targets)
    if mask is None:
        return _reduce(loss, reduction, "cross_entropy")
    mask = as_tensor(mask, like=logits)
    if mask.shape != loss.shape:
        raise ShapeError(f"cross_entropy: mask of shape {mask.shape} does not match targets {loss.shape}")
    mask = mask.astype(logits.dtype) if mask.dtype != logits.dtype else mask
    loss = loss * mask
    if reduction == "mean":
        return sum_(loss) / max(float(mask.data.sum()), 1.0)
    return _reduce(loss, reduction, "cross_entropy")


class Huber(Function):
    """0.5 x² where |x| ≤ δ, else δ (|x| − δ/2); gradient clip(x, −δ, δ)."""

    double_backward = True

    def forward(self, x):
        xp = self.xp
        self.x = x
        magnitude = xp.abs(x)
        return xp.where(magnitude <= self.delta, 0.5 * x * x, self.delta * (magnitude - 0.5 * self.delta))

    def backward(self, grad):
        return grad * self.xp.clip(self.x, -self.delta, self.delta)


def huber(prediction, target, delta: float = 1.0, reduction: str = "mean"):
    """Huber loss with threshold ``delta``."""
    return _reduce(Huber.apply(subtract(prediction, target), delta=delta), reduction, "huber")


def mse(prediction, target, reduction: str = "mean"):
    """Mean squared error."""
    difference = subtract(prediction, target)
    return _reduce(difference * difference, reduction, "mse")
