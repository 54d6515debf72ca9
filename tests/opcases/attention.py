"""Gradcheck cases for the attention area: the masked softmax (attention weights over padded
sources). The attention layers, Conv2d and the seq2seq models are composites of engine ops
and are gradchecked in tests/models/test_attention*.py."""
import numpy as np

from tinyaug.nn.attention import MaskedSoftmax, masked_softmax

from . import OpCase

BATCH, TARGET, SOURCE = 2, 3, 4


def _scores_and_mask(rng):
    mask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], dtype=bool)
    return [rng.standard_normal((BATCH, SOURCE)), mask]


def _broadcast_mask(rng):
    # One (batch, source) mask shared by every target step of (batch, target, source) scores.
    mask = np.array([[[1, 1, 0, 0]], [[0, 1, 1, 1]]], dtype=bool)
    return [rng.standard_normal((BATCH, TARGET, SOURCE)), mask]


def _fully_masked_row(rng):
    mask = np.array([[1, 0, 1, 1], [0, 0, 0, 0]], dtype=np.int64)
    return [rng.standard_normal((BATCH, SOURCE)), mask]


CASES = [
    OpCase("masked_softmax", [MaskedSoftmax], masked_softmax, _scores_and_mask),
    OpCase("masked_softmax_broadcast_mask", [MaskedSoftmax], masked_softmax, _broadcast_mask),
    OpCase("masked_softmax_fully_masked_row", [MaskedSoftmax], masked_softmax, _fully_masked_row),
    OpCase("masked_softmax_large_scores", [MaskedSoftmax], lambda s, m: masked_softmax(s * 1e3, m),
           lambda rng: [rng.standard_normal((BATCH, SOURCE)) * 1e-3, _scores_and_mask(rng)[1]]),
]
