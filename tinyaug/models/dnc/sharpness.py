"""Link distribution sharpness control (Csordás & Schmidhuber, ICLR 2019, "DNC-S"; a departure
from the Nature paper, off by default: the cell's ``sharpen_links``).

Following links chains one read weighting through L_t each step, and every write's noise
spreads the result further; they sharpen the forward and backward weightings before the read
modes mix them:

    S(d, s)_j = (d_j + ε)^s / Σ_k (d_k + ε)^s,   f^i = S(L_t w^{r,i}_{t−1}, s^{f,i}),
                                                  b^i = S(L_tᵀ w^{r,i}_{t−1}, s^{b,i}),

with s = oneplus(ŝ) ≥ 1 from the interface vector (one per read head and direction, and here
per write head too) and ε = 1e-6 (their code's). S(d, s) = softmax_j(s log(d_j + ε)), which is
how both versions compute it (no power of a number near 0 is formed). Note that S always sums
to 1, where f and b may sum to less (nothing linked yet): that is their definition.

``sharpen`` / ``FusedSharpen`` is one op; ``sharpen_composite`` its engine-op twin.
Shapes: weightings d (..., N), sharpness s (...) -> (..., N).
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError

SHARPEN_EPS = 1e-6


def _check(op: str, weights, sharpness) -> None:
    if weights.ndim < 1 or tuple(sharpness.shape) != tuple(weights.shape[:-1]):
        raise ShapeError(f"{op}: weightings (..., N) and sharpness (...) must agree, got "
                         f"{tuple(weights.shape)} and {tuple(sharpness.shape)}")


def sharpen_composite(weights: Tensor, sharpness: Tensor) -> Tensor:
    """S(d, s) = softmax(s log(d + ε)) from engine ops: d (..., N), s (...) -> (..., N)."""
    _check("sharpen_composite", weights, sharpness)
    return ops.softmax(sharpness[..., None] * ops.log(weights + SHARPEN_EPS), axis=-1)


class FusedSharpen(Function):
    """``sharpen_composite`` as one op: inputs d (..., N) ≥ 0, s (...); output S(d, s)."""

    def forward(self, weights, sharpness):
        xp = self.xp
        _check("FusedSharpen", weights, sharpness)
        log_weights = xp.log(weights + SHARPEN_EPS)
        scores = sharpness[..., None] * log_weights
        out = xp.exp(scores - scores.max(axis=-1, keepdims=True))
        out = out / out.sum(axis=-1, keepdims=True)
        self.saved = (weights, sharpness, log_weights, out)
        return out

    def backward(self, grad):
        weights, sharpness, log_weights, out = self.saved
        need_weights, need_sharpness = self.needs_input_grad
        grad_scores = out * (grad - (grad * out).sum(axis=-1, keepdims=True))     # softmax
        grad_weights = grad_scores * sharpness[..., None] / (weights + SHARPEN_EPS) if need_weights else None
        grad_sharpness = (grad_scores * log_weights).sum(axis=-1) if need_sharpness else None
        return grad_weights, grad_sharpness


def sharpen(weights: Tensor, sharpness: Tensor) -> Tensor:
    """S(d, s) by the fused op (same numbers as ``sharpen_composite``)."""
    return FusedSharpen.apply(weights, sharpness)
