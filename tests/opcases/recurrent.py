"""Gradcheck cases for the recurrent models: the fused LSTM step and sequence, and their
composite twins (built from engine ops)."""
from tinyaug.autograd.ops.elementwise import Sigmoid, Tanh
from tinyaug.autograd.ops.linalg import Matmul
from tinyaug.autograd.ops.shape import Split, Stack
from tinyaug.nn.lstm import lstm_cell_composite, lstm_sequence_composite
from tinyaug.nn.lstm_fused import (_PER_STEP_MIN_BATCH, FusedLSTMCell, FusedLSTMSequence,
                                   fused_lstm_cell, fused_lstm_sequence)

from . import OpCase

BATCH, INPUT, HIDDEN, TIME = 2, 3, 2, 3


def _cell_inputs(rng):
    return [rng.standard_normal((BATCH, INPUT)), rng.standard_normal((BATCH, HIDDEN)),
            rng.standard_normal((BATCH, HIDDEN)), 0.7 * rng.standard_normal((INPUT, 4 * HIDDEN)),
            0.7 * rng.standard_normal((HIDDEN, 4 * HIDDEN)), 0.5 * rng.standard_normal(4 * HIDDEN)]


def _sequence_inputs(rng):
    return [rng.standard_normal((TIME, BATCH, INPUT))] + _cell_inputs(rng)[1:]


def _shared_state_inputs(rng):
    x, state, _, weight_input, weight_hidden, bias = _cell_inputs(rng)
    return [x, state, weight_input, weight_hidden, bias]


CASES = [
    OpCase("fused_lstm_cell", [FusedLSTMCell], fused_lstm_cell, _cell_inputs),
    # The same tensor as h and as c: both gradients must accumulate.
    OpCase("fused_lstm_cell_h_is_c", [FusedLSTMCell],
           lambda x, s, wx, wh, b: fused_lstm_cell(x, s, s, wx, wh, b), _shared_state_inputs),
    OpCase("fused_lstm_sequence", [FusedLSTMSequence], fused_lstm_sequence, _sequence_inputs),
    OpCase("fused_lstm_sequence_h0_is_c0", [FusedLSTMSequence],
           lambda xs, s, wx, wh, b: fused_lstm_sequence(xs, s, s, wx, wh, b),
           lambda rng: [rng.standard_normal((TIME, BATCH, INPUT))] + _shared_state_inputs(rng)[1:]),
    # A batch at the threshold from which the backward walks step by step (the other cases
    # take the all-steps-factors walk).
    OpCase("fused_lstm_sequence_stepwise_backward", [FusedLSTMSequence], fused_lstm_sequence,
           lambda rng: [rng.standard_normal((TIME, _PER_STEP_MIN_BATCH, 2)),
                        rng.standard_normal((_PER_STEP_MIN_BATCH, 1)),
                        rng.standard_normal((_PER_STEP_MIN_BATCH, 1)),
                        0.7 * rng.standard_normal((2, 4)), 0.7 * rng.standard_normal((1, 4)),
                        0.5 * rng.standard_normal(4)]),
    OpCase("composite_lstm_cell", [Matmul, Split, Sigmoid, Tanh], lstm_cell_composite, _cell_inputs),
    OpCase("composite_lstm_sequence", [Matmul, Split, Sigmoid, Tanh, Stack],
           lstm_sequence_composite, _sequence_inputs),
]
