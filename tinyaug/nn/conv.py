"""A small 2-D convolution for the image captioner, built from engine ops (im2col).

Images are channels-last, ``(batch, height, width, channels)``, so that im2col is a
concatenation of shifted slices and the convolution one matrix product:

    y[b, i, j, :] = Σ_{u,v} x_pad[b, s·i + u, s·j + v, :] · W[u, v]  + bias

with the patch of every output position laid out as (u, v, channel) and W reshaped to
(k·k·in, out). No new Function: the gradient flows through ``pad``, slicing,
``concatenate`` and ``matmul``, so it is as exact as those ops (gradchecked in the tests).
"""
from __future__ import annotations

import numpy as np

from ..autograd import ops
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from . import init
from .layers import make_parameter
from .module import Module


def im2col(images: Tensor, kernel_size: int, stride: int = 1, padding: int = 0) -> Tensor:
    """Patches of ``images`` (batch, height, width, channels) as (batch, out_h, out_w,
    kernel_size² · channels), ordered (row offset, column offset, channel)."""
    if images.ndim != 4:
        raise ShapeError(f"im2col: images must be (batch, height, width, channels), got {images.shape}")
    if padding:
        images = ops.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    _, height, width, _ = images.shape
    out_h = (height - kernel_size) // stride + 1
    out_w = (width - kernel_size) // stride + 1
    if out_h < 1 or out_w < 1:
        raise ShapeError(f"im2col: a {kernel_size}×{kernel_size} kernel does not fit a padded "
                         f"{height}×{width} image")
    shifted = []
    for u in range(kernel_size):
        for v in range(kernel_size):
            shifted.append(images[:, u:u + stride * (out_h - 1) + 1:stride,
                                  v:v + stride * (out_w - 1) + 1:stride, :])
    return ops.concatenate(shifted, axis=-1)


def conv2d(images: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
           padding: int = 0) -> Tensor:
    """2-D cross-correlation. images (B, H, W, C_in); weight (k, k, C_in, C_out); bias (C_out,)
    -> (B, H', W', C_out) with H' = (H + 2·padding − k) // stride + 1."""
    if weight.ndim != 4 or weight.shape[0] != weight.shape[1]:
        raise ShapeError(f"conv2d: weight must be (k, k, in_channels, out_channels), got {weight.shape}")
    if images.ndim != 4 or images.shape[-1] != weight.shape[2]:
        raise ShapeError(f"conv2d: images {images.shape} must be (batch, height, width, "
                         f"{weight.shape[2]}) for weight {weight.shape}")
    kernel_size, _, in_channels, out_channels = weight.shape
    patches = im2col(images, kernel_size, stride, padding)
    out = patches @ ops.reshape(weight, (kernel_size * kernel_size * in_channels, out_channels))
    return out + bias if bias is not None else out


class Conv2d(Module):
    """``Conv2d(in_channels, out_channels, kernel_size, stride, padding)`` over channels-last
    images (batch, height, width, in_channels) -> (batch, height', width', out_channels)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int = 1, rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        fan_in = kernel_size * kernel_size * in_channels
        # He-style uniform bound for ReLU layers: Var(w) = 2 / fan_in.
        bound = np.sqrt(6.0 / fan_in)
        self.weight = make_parameter(rng.uniform(-bound, bound, (kernel_size, kernel_size, in_channels,
                                                                 out_channels)), dtype)
        self.bias = make_parameter(np.zeros(out_channels), dtype)

    def forward(self, images: Tensor) -> Tensor:
        return conv2d(images, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


__all__ = ["Conv2d", "conv2d", "im2col"]
