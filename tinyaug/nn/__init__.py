"""Reusable layers: ``Module``, ``Linear``, ``Embedding``, ``Sequential``, initialisers, and the
building blocks models are made of: recurrent cells (``rnn``, ``lstm``, ``lstm_fused``),
attention scores (``attention``) and convolutions (``conv``).

Recurrent cells follow one protocol (CONTRIBUTING.md): ``cell.initial_state(batch)``,
``cell(x, state) -> (output, new_state)``, ``cell.input_size``, ``cell.output_size``."""
from . import init
from .layers import Embedding, Linear, Sequential, make_parameter
from .module import Module
from .synthetic_gradient import SyntheticGradient
from ..autograd import Parameter
from .lstm import LSTM, LSTMCell, lstm_cell_composite, lstm_sequence_composite
from .lstm_fused import FusedLSTMCell, FusedLSTMSequence, fused_lstm_cell, fused_lstm_sequence
from .rnn import GRUCell, RNNCell

__all__ = ["Embedding", "FusedLSTMCell", "FusedLSTMSequence", "GRUCell", "LSTM", "LSTMCell",
           "Linear", "Module", "Parameter", "RNNCell", "Sequential", "SyntheticGradient",
           "fused_lstm_cell", "fused_lstm_sequence", "init", "lstm_cell_composite",
           "lstm_sequence_composite", "make_parameter"]
