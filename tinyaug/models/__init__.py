"""Models. Recurrent cells follow one protocol (CONTRIBUTING.md): ``cell.initial_state(batch)``,
``cell(x, state) -> (output, new_state)``, ``cell.input_size``, ``cell.output_size``."""
from .lstm import LSTM, LSTMCell, lstm_cell_composite, lstm_sequence_composite
from .lstm_fused import FusedLSTMCell, FusedLSTMSequence, fused_lstm_cell, fused_lstm_sequence
from .rnn import GRUCell, RNNCell

__all__ = ["FusedLSTMCell", "FusedLSTMSequence", "GRUCell", "LSTM", "LSTMCell", "RNNCell",
           "fused_lstm_cell", "fused_lstm_sequence", "lstm_cell_composite",
           "lstm_sequence_composite"]
