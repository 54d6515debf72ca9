"""Gradcheck cases for the engine's built-in ops (``tinyaug/autograd/ops``).

Inputs stay away from kinks (abs/relu at 0, ties of max/maximum, clip bounds, huber's delta),
where finite differences straddle two pieces and no subgradient can match them.
"""
from __future__ import annotations

import numpy as np

import tinyaug as ta
from tinyaug.autograd.ops import arithmetic as ar
from tinyaug.autograd.ops import elementwise as el
from tinyaug.autograd.ops import linalg as la
from tinyaug.autograd.ops import losses as lo
from tinyaug.autograd.ops import neural as nn_ops
from tinyaug.autograd.ops import reductions as rd
from tinyaug.autograd.ops import shape as sh

from . import OpCase


# -- input makers: each returns ``rng -> array`` ------------------------------------------------

def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def positive(*shape, low=0.5, high=2.0):
    return lambda rng: rng.uniform(low, high, shape)


def away_from_zero(*shape, gap=0.2):
    """Values with |x| >= gap: no kink of abs/relu within reach of eps."""
    return lambda rng: rng.choice([-1.0, 1.0], size=shape) * rng.uniform(gap, 1.5, shape)


def distinct(*shape):
    """A random permutation of well-separated values: no ties for max/min."""
    def make(rng):
        count = int(np.prod(shape))
        return (rng.permutation(count) * 0.3 - count * 0.15 + rng.uniform(-0.05, 0.05, count)).reshape(shape)
    return make


def integers(low, high, *shape):
    return lambda rng: rng.integers(low, high, shape)


def inputs(*makers):
    return lambda rng: [make(rng) for make in makers]


def _maximum_pair(rng):
    b = rng.standard_normal(4)
    a = b + rng.choice([-1.0, 1.0], (3, 4)) * rng.uniform(0.1, 1.0, (3, 4))
    return [a, b]


def _clip_input(rng):
    # keep clear of the bounds -0.5 and 0.7
    x = rng.uniform(-1.5, 1.5, (3, 4))
    for bound in (-0.5, 0.7):
        near = np.abs(x - bound) < 0.05
        x[near] += 0.1
    return [x]


def _huber_pair(rng):
    prediction = rng.standard_normal((3, 4))
    difference = rng.choice([-1.0, 1.0], (3, 4)) * rng.choice([0.3, 0.6, 1.5, 2.5], (3, 4))
    return [prediction, prediction - difference]


C = OpCase
CASES = [
    # arithmetic ----------------------------------------------------------------------------
    C("add", [ar.Add], lambda a, b: ta.add(a, b), inputs(normal(3, 4), normal(3, 4))),
    C("add_broadcast_multi_axis", [ar.Add], lambda a, b: a + b, inputs(normal(2, 3, 4), normal(3, 1))),
    C("add_broadcast_both", [ar.Add], lambda a, b: a + b, inputs(normal(3, 1), normal(1, 4))),
    C("add_repeated", [ar.Add], lambda x: x + x, inputs(normal(3, 4))),
    C("add_python_scalar", [ar.AddScalar], lambda x: 2.5 + x, inputs(normal(3, 4))),
    C("add_scalar_function_int", [ar.AddScalar], lambda x: ta.add(x, 2), inputs(normal(3, 4))),
    C("subtract_scalar", [ar.AddScalar], lambda x: x - 0.5, inputs(normal(3, 4))),
    C("subtract_broadcast", [ar.Subtract], lambda a, b: ta.subtract(a, b), inputs(normal(2, 3), normal(3))),
    C("subtract_reflected_scalar", [ar.RSubScalar], lambda x: 1.0 - x, inputs(normal(4))),
    C("subtract_tensor_0d", [ar.Subtract], lambda x, c: x - c, inputs(normal(4), normal())),
    C("multiply_broadcast", [ar.Multiply], lambda a, b: ta.multiply(a, b), inputs(normal(2, 1, 3), normal(4, 1))),
    C("multiply_repeated", [ar.Multiply], lambda x: x * x, inputs(normal(3, 4))),
    C("multiply_scalar", [ar.MulScalar], lambda x: 3.0 * (x * 2), inputs(normal(3, 4))),
    C("divide_broadcast", [ar.Divide], lambda a, b: ta.divide(a, b), inputs(normal(3, 4), positive(4))),
    C("divide_scalar", [ar.DivScalar], lambda x: x / 3.0, inputs(normal(3, 4))),
    C("divide_reflected_scalar", [ar.RDivScalar], lambda x: 2.0 / x, inputs(away_from_zero(3, 4))),
    C("divide_reflected_tensor", [ar.Divide], lambda x, c: c / x, inputs(away_from_zero(3, 4), normal(1))),
    C("divide_repeated", [ar.Divide], lambda x: x / (x * x + 1.0), inputs(normal(3, 4))),
    C("negative", [ar.Negative], lambda x: -x, inputs(normal(3, 4))),
    C("power_both_broadcast", [ar.Power], lambda a, b: ta.power(a, b), inputs(positive(3, 4), normal(4))),
    C("power_scalar_exponent", [ar.PowScalar], lambda x: x ** 3, inputs(normal(3, 4))),
    C("power_scalar_fractional", [ar.PowScalar], lambda x: ta.power(x, -1.5), inputs(positive(3, 4))),
    C("power_scalar_base", [ar.RPowScalar], lambda x: 2.0 ** x, inputs(normal(3, 4))),
    C("power_repeated", [ar.Power], lambda x: x ** x, inputs(positive(3, 4))),
    # elementwise ----------------------------------------------------------------------------
    C("exp", [el.Exp], lambda x: ta.exp(x), inputs(normal(3, 4))),
    C("log", [el.Log], lambda x: ta.log(x), inputs(positive(3, 4))),
    C("log1p", [el.Log1p], lambda x: ta.log1p(x), inputs(positive(3, 4, low=-0.5, high=2.0))),
    C("sqrt", [el.Sqrt], lambda x: ta.sqrt(x), inputs(positive(3, 4))),
    C("abs", [el.Abs], lambda x: ta.abs(x), inputs(away_from_zero(3, 4))),
    C("tanh", [el.Tanh], lambda x: ta.tanh(x), inputs(normal(3, 4))),
    C("tanh_large_directional", [el.Tanh], lambda x: ta.tanh(x), inputs(normal(20, 20))),
    C("sigmoid", [el.Sigmoid], lambda x: ta.sigmoid(x), inputs(normal(3, 4))),
    C("relu", [el.Relu], lambda x: ta.relu(x), inputs(away_from_zero(3, 4))),
    C("softplus", [el.Softplus], lambda x: ta.softplus(x), inputs(normal(3, 4))),
    C("maximum_broadcast", [el.Maximum], lambda a, b: ta.maximum(a, b), _maximum_pair),
    C("maximum_repeated", [el.Maximum], lambda x: ta.maximum(x, -x), inputs(away_from_zero(3, 4))),
    C("minimum_broadcast", [el.Minimum], lambda a, b: ta.minimum(a, b), _maximum_pair),
    C("minimum_scalar", [el.Minimum], lambda x: ta.minimum(x, 0.0), inputs(away_from_zero(3, 4))),
    C("clip", [el.Clip], lambda x: ta.clip(x, -0.5, 0.7), _clip_input),
    C("clip_lower_only", [el.Clip], lambda x: ta.clip(x, lo=-0.5), _clip_input),
    C("where_broadcast", [el.Where], lambda c, a, b: ta.where(c, a, b),
      lambda rng: [rng.random((3, 4)) > 0.5, rng.standard_normal((3, 4)), rng.standard_normal(4)]),
    C("where_repeated", [el.Where], lambda c, x: ta.where(c, x, x * 2.0),
      lambda rng: [rng.random((3, 4)) > 0.5, rng.standard_normal((3, 4))]),
    C("cast_float64", [el.Cast], lambda x: x.astype(np.float64) * 2.0, inputs(normal(3, 4))),
    # A float32 round trip loses digits: finite differences need a wide step and loose tolerances.
    C("cast_float32_round_trip", [el.Cast], lambda x: x.astype(np.float32).astype(np.float64),
      inputs(normal(3, 4)), check=dict(eps=1e-3, atol=1e-3, rtol=1e-2)),
    # linalg ----------------------------------------------------------------------------------
    C("matmul", [la.Matmul], lambda a, b: ta.matmul(a, b), inputs(normal(3, 4), normal(4, 2))),
    C("matmul_batched_broadcast", [la.Matmul], lambda a, b: a @ b, inputs(normal(2, 1, 3, 4), normal(5, 4, 2))),
    C("matmul_vector_left", [la.Matmul], lambda a, b: a @ b, inputs(normal(4), normal(2, 4, 3))),
    C("matmul_vector_right", [la.Matmul], lambda a, b: a @ b, inputs(normal(2, 3, 4), normal(4))),
    C("matmul_vector_vector", [la.Matmul], lambda a, b: a @ b, inputs(normal(4), normal(4))),
    C("matmul_repeated", [la.Matmul], lambda x: x @ x, inputs(normal(3, 3))),
    C("einsum_matmul", [la.Einsum], lambda a, b: ta.einsum("ij,jk->ik", a, b), inputs(normal(3, 4), normal(4, 2))),
    C("einsum_batched", [la.Einsum], lambda a, b: ta.einsum("bij,bjk->bik", a, b),
      inputs(normal(2, 3, 4), normal(2, 4, 2))),
    C("einsum_outer_implicit", [la.Einsum], lambda a, b: ta.einsum("i,j", a, b), inputs(normal(3), normal(4))),
    C("einsum_summed_only_letter", [la.Einsum], lambda a, b: ta.einsum("ij,k->i", a, b),
      inputs(normal(3, 4), normal(5))),
    C("einsum_full_sum", [la.Einsum], lambda a: ta.einsum("ij->", a), inputs(normal(3, 4))),
    C("einsum_repeated", [la.Einsum], lambda x: ta.einsum("ij,ij->i", x, x), inputs(normal(3, 4))),
    # reductions ------------------------------------------------------------------------------
    C("sum_all", [rd.Sum], lambda x: ta.sum(x), inputs(normal(3, 4))),
    C("sum_axis_keepdims", [rd.Sum], lambda x: x.sum(axis=1, keepdims=True), inputs(normal(3, 4))),
    C("sum_multi_axis", [rd.Sum], lambda x: ta.sum(x, axis=(0, 2)), inputs(normal(2, 3, 4))),
    C("sum_negative_axis_keepdims", [rd.Sum], lambda x: ta.sum(x, axis=(-1, 0), keepdims=True), inputs(normal(2, 3, 4))),
    C("mean_axis", [rd.Mean], lambda x: ta.mean(x, axis=0), inputs(normal(3, 4))),
    C("mean_multi_axis_keepdims", [rd.Mean], lambda x: ta.mean(x, axis=(1, 2), keepdims=True), inputs(normal(2, 3, 4))),
    C("max_all", [rd.Max], lambda x: ta.max(x), inputs(distinct(3, 4))),
    C("max_axis", [rd.Max], lambda x: x.max(axis=-1), inputs(distinct(3, 4))),
    C("max_multi_axis_keepdims", [rd.Max], lambda x: ta.max(x, axis=(0, 2), keepdims=True), inputs(distinct(2, 3, 4))),
    C("min_axis_keepdims", [rd.Min], lambda x: ta.min(x, axis=0, keepdims=True), inputs(distinct(3, 4))),
    C("min_multi_axis", [rd.Min], lambda x: ta.min(x, axis=(1, 2)), inputs(distinct(2, 3, 4))),
    C("logsumexp_all", [rd.LogSumExp], lambda x: ta.logsumexp(x), inputs(normal(3, 4))),
    C("logsumexp_axis_keepdims", [rd.LogSumExp], lambda x: ta.logsumexp(x, axis=1, keepdims=True), inputs(normal(3, 4))),
    C("logsumexp_multi_axis", [rd.LogSumExp], lambda x: ta.logsumexp(x, axis=(0, 2)), inputs(normal(2, 3, 4))),
    C("var_all", [rd.Var], lambda x: ta.var(x), inputs(normal(3, 4))),
    C("var_axis_ddof", [rd.Var], lambda x: ta.var(x, axis=1, ddof=1), inputs(normal(3, 4))),
    C("var_multi_axis_keepdims", [rd.Var], lambda x: ta.var(x, axis=(0, 2), keepdims=True), inputs(normal(2, 3, 4))),
    C("cumsum_last", [rd.Cumsum], lambda x: ta.cumsum(x), inputs(normal(3, 4))),
    C("cumsum_axis0", [rd.Cumsum], lambda x: ta.cumsum(x, axis=0), inputs(normal(3, 4))),
    C("cumprod_last", [rd.Cumprod], lambda x: ta.cumprod(x), inputs(normal(3, 4))),
    C("cumprod_axis0_with_zero", [rd.Cumprod], lambda x: ta.cumprod(x, axis=0),
      lambda rng: [np.where(np.arange(12).reshape(3, 4) == 5, 0.0, rng.standard_normal((3, 4)))]),
    # nn --------------------------------------------------------------------------------------
    C("softmax_last", [nn_ops.Softmax], lambda x: ta.softmax(x), inputs(normal(3, 4))),
    C("softmax_axis0", [nn_ops.Softmax], lambda x: ta.softmax(x, axis=0), inputs(normal(3, 4))),
    C("log_softmax_last", [nn_ops.LogSoftmax], lambda x: ta.log_softmax(x), inputs(normal(3, 4))),
    C("log_softmax_axis1_3d", [nn_ops.LogSoftmax], lambda x: ta.log_softmax(x, axis=1), inputs(normal(2, 3, 4))),
    C("cosine_similarity_broadcast", [nn_ops.CosineSimilarity], lambda a, b: ta.cosine_similarity(a, b),
      inputs(normal(3, 5), normal(5))),
    C("cosine_similarity_axis0", [nn_ops.CosineSimilarity], lambda a, b: ta.cosine_similarity(a, b, axis=0),
      inputs(normal(4, 3), normal(4, 3))),
    C("cosine_similarity_repeated", [nn_ops.CosineSimilarity], lambda x: ta.cosine_similarity(x, x * 2.0 + 1.0),
      inputs(normal(3, 4))),
    C("circular_convolution", [nn_ops.CircularConvolution], lambda w, s: ta.circular_convolution(w, s),
      inputs(normal(2, 5), normal(2, 3))),
    C("circular_convolution_broadcast_shift", [nn_ops.CircularConvolution],
      lambda w, s: ta.circular_convolution(w, s), inputs(normal(2, 6), normal(5))),
    C("dropout_fixed_mask", [nn_ops.Dropout], lambda x, mask: ta.dropout(x, p=0.5, mask=mask),
      lambda rng: [rng.standard_normal((3, 4)), rng.integers(0, 2, (3, 4))]),
    # losses ----------------------------------------------------------------------------------
    C("bce_with_logits", [lo.BinaryCrossEntropyWithLogits],
      lambda x, t: ta.binary_cross_entropy_with_logits(x, t), inputs(normal(3, 4), positive(3, 4, low=0.05, high=0.95))),
    C("bce_with_logits_none", [lo.BinaryCrossEntropyWithLogits],
      lambda x, t: ta.binary_cross_entropy_with_logits(x, t, reduction="none"),
      inputs(normal(3, 4), positive(3, 4, low=0.05, high=0.95))),
    C("cross_entropy", [lo.CrossEntropy], lambda x, t: ta.cross_entropy(x, t), inputs(normal(3, 5), integers(0, 5, 3))),
    C("cross_entropy_masked_3d", [lo.CrossEntropy],
      lambda x, t, m: ta.cross_entropy(x, t, mask=m),
      lambda rng: [rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3)),
                   np.array([[True, True, False], [True, False, True]])]),
    C("cross_entropy_sum", [lo.CrossEntropy], lambda x, t: ta.cross_entropy(x, t, reduction="sum"),
      inputs(normal(4, 3), integers(0, 3, 4))),
    C("mse", [ar.Subtract, ar.Multiply, rd.Mean], lambda p, t: ta.mse(p, t), inputs(normal(3, 4), normal(3, 4))),
    C("huber", [lo.Huber], lambda p, t: ta.huber(p, t, delta=1.0), _huber_pair),
    C("huber_sum_delta2", [lo.Huber], lambda p, t: ta.huber(p, t, delta=2.0, reduction="sum"), _huber_pair),
    # shape -----------------------------------------------------------------------------------
    C("reshape", [sh.Reshape], lambda x: ta.reshape(x, (4, 3)), inputs(normal(3, 4))),
    C("reshape_method_infer", [sh.Reshape], lambda x: x.reshape(2, -1), inputs(normal(2, 3, 2))),
    C("flatten", [sh.Reshape], lambda x: x.flatten(), inputs(normal(3, 4))),
    C("expand_dims", [sh.Reshape], lambda x: ta.expand_dims(x, 1), inputs(normal(3, 4))),
    C("squeeze", [sh.Reshape], lambda x: ta.squeeze(x, axis=1), inputs(normal(3, 1, 4))),
    C("transpose_default", [sh.Transpose], lambda x: ta.transpose(x), inputs(normal(2, 3, 4))),
    C("transpose_axes", [sh.Transpose], lambda x: x.transpose(1, 2, 0), inputs(normal(2, 3, 4))),
    C("swapaxes", [sh.Transpose], lambda x: ta.swapaxes(x, 0, -1), inputs(normal(2, 3, 4))),
    C("transpose_T_repeated", [sh.Transpose], lambda x: x.T * x, inputs(normal(3, 3))),
    C("broadcast_to", [sh.BroadcastTo], lambda x: ta.broadcast_to(x, (2, 3, 4)), inputs(normal(3, 1))),
    C("getitem_slices", [sh.GetItem], lambda x: x[1:, ::-2], inputs(normal(3, 5))),
    C("getitem_int_none_ellipsis", [sh.GetItem], lambda x: x[None, ..., 1], inputs(normal(3, 4))),
    C("getitem_int_array_repeats", [sh.GetItem], lambda x, i: x[i] * 2.0,
      lambda rng: [rng.standard_normal((4, 3)), np.array([0, 2, 2, 3, 0])]),
    C("getitem_tuple_arrays", [sh.GetItem], lambda x, i, j: x[i, j],
      lambda rng: [rng.standard_normal((4, 3)), np.array([0, 1, 1, 3]), np.array([2, 0, 0, 1])]),
    C("getitem_int_array_unique_assigned", [sh.GetItem], lambda x, i: x[:, i] * 2.0,
      lambda rng: [rng.standard_normal((4, 5)), np.array([4, 0, 2])]),
    C("getitem_negative_twin_accumulates", [sh.GetItem], lambda x, i: x[i] * 3.0,
      lambda rng: [rng.standard_normal((4, 3)), np.array([1, -3, 2])]),
    C("getitem_bool_mask", [sh.GetItem], lambda x, m: x[m],
      lambda rng: [rng.standard_normal((3, 4)), np.arange(12).reshape(3, 4) % 3 == 0]),
    C("getitem_repeated_use", [sh.GetItem], lambda x: x[0] * x[1] + x[0], inputs(normal(2, 4))),
    C("concatenate_axis0", [sh.Concatenate], lambda a, b: ta.concatenate([a, b]), inputs(normal(2, 3), normal(4, 3))),
    C("concatenate_axis_last_repeated", [sh.Concatenate], lambda x: ta.concatenate([x, x], axis=-1), inputs(normal(2, 3))),
    C("stack_axis1", [sh.Stack], lambda a, b: ta.stack([a, b], axis=1), inputs(normal(2, 3), normal(2, 3))),
    C("stack_repeated", [sh.Stack], lambda x: ta.stack([x, x * 2.0, x]), inputs(normal(2, 3))),
    C("split_all_outputs", [sh.Split], lambda x: tuple(ta.split(x, 3, axis=1)), inputs(normal(2, 6))),
    C("split_indices_one_used", [sh.Split], lambda x: ta.split(x, [1, 3])[1] * 3.0, inputs(normal(5, 2))),
    C("pad_int", [sh.Pad], lambda x: ta.pad(x, 1), inputs(normal(2, 3))),
    C("pad_pairs_value", [sh.Pad], lambda x: ta.pad(x, [(0, 2), (1, 0)], constant_values=1.5), inputs(normal(2, 3))),
    C("roll_axis", [sh.Roll], lambda x: ta.roll(x, 2, axis=1), inputs(normal(3, 4))),
    C("roll_tuple", [sh.Roll], lambda x: ta.roll(x, (1, -1), axis=(0, 1)), inputs(normal(3, 4))),
    C("roll_flat", [sh.Roll], lambda x: ta.roll(x, 5), inputs(normal(3, 4))),
    C("take_along_axis_repeats", [sh.TakeAlongAxis], lambda x, i: ta.take_along_axis(x, i, axis=1),
      lambda rng: [rng.standard_normal((3, 4)), np.array([[0, 0, 3], [1, 2, 2], [3, 3, 3]])]),
    C("scatter_add_repeats", [sh.ScatterAdd],
      lambda v: sh.ScatterAdd.apply(v, index=np.array([0, 2, 2, 0]), shape=(3, 2), once=False),
      inputs(normal(4, 2))),
    C("scatter_add_once_slices", [sh.ScatterAdd],
      lambda v: sh.ScatterAdd.apply(v, index=(slice(None), slice(1, 4)), shape=(2, 5), once=True),
      inputs(normal(2, 3))),
    C("take_along_axis_axis0", [sh.TakeAlongAxis], lambda x, i: ta.take_along_axis(x, i, axis=0),
      lambda rng: [rng.standard_normal((3, 4)), np.array([[2, 0, 1, 1], [2, 2, 0, 1]])]),
]
