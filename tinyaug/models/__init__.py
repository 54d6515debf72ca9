"""Whole models from the papers, one module or folder each: ``ntm/`` (Neural Turing Machine),
``programmer/`` (Neural Programmer), ``act`` (Adaptive Computation Time), ``seq2seq``
(encoder–decoders with attention, the captioner). The reusable layers they are built from
(recurrent cells, LSTM, attention scores, convolutions) live in ``tinyaug.nn``.

Models compute; they never draw. A model that has something to show returns a trace (a dict
of host arrays over time) that ``tinyaug.plots`` draws."""
