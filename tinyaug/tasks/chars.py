"""Character-level language modelling on English text a registry package ships (no download
at run time), as streams for truncated BPTT.

Default corpus: the Debian package ``fortunes`` (``apt-get install fortunes``; the text files
of BSD fortune(6) in /usr/share/games/fortunes, about 2.7 MB of English quotations, jokes,
definitions and poems; BSD-3-Clause, "Copyright (c) 1991 The Regents of the University of
California", per /usr/share/doc/fortunes/copyright). Any folder of text files works
(``corpus_dir``). Files are read in sorted order (ascii-art skipped), joined, and split into
training text (the first 95%) and held-out text (the rest).

Characters: printable ASCII (32–126) and newline get their own ids, everything else one shared
id: a vocabulary of 97. Pure NumPy; ``CharStreams.next_window`` gives (inputs one-hot
(T, B, 97), targets ids (T, B)) from B streams that each read the training text onward from
their own offset, so consecutive windows continue each other.
"""
from __future__ import annotations

import os

import numpy as np

DEFAULT_CORPUS_DIR = "/usr/share/games/fortunes"
SKIPPED_FILES = ("ascii-art",)
VOCAB_SIZE = 97  # 95 printable ASCII + newline + "other"


class CorpusError(FileNotFoundError):
    """The text corpus is missing (with how to install it)."""


def encode(text: bytes) -> np.ndarray:
    """Bytes -> ids: printable ASCII c -> c − 32 (0..94), newline -> 95, anything else -> 96."""
    raw = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
    ids = np.full(raw.shape, 96, dtype=np.int64)
    printable = (raw >= 32) & (raw <= 126)
    ids[printable] = raw[printable] - 32
    ids[raw == 10] = 95
    return ids


def decode(ids: np.ndarray) -> str:
    return "".join(chr(i + 32) if i < 95 else ("\n" if i == 95 else "?") for i in np.ravel(ids))


def load_corpus(corpus_dir: str = DEFAULT_CORPUS_DIR) -> np.ndarray:
    """All text files of ``corpus_dir`` (sorted, no .dat index files or .u8 links), encoded."""
    if not os.path.isdir(corpus_dir):
        raise CorpusError(f"chars: no text corpus at {corpus_dir!r}; install the Debian package "
                          "'fortunes' (apt-get install fortunes) or pass --set corpus_dir=FOLDER "
                          "(a folder of plain-text files)")
    chunks = []
    for name in sorted(os.listdir(corpus_dir)):
        path = os.path.join(corpus_dir, name)
        if (name.endswith((".dat", ".u8")) or name in SKIPPED_FILES or os.path.islink(path)
                or not os.path.isfile(path)):
            continue
        with open(path, "rb") as file:
            chunks.append(file.read())
    if not chunks:
        raise CorpusError(f"chars: {corpus_dir!r} holds no text files")
    return encode(b"\n".join(chunks))


def split_corpus(ids: np.ndarray, held_out: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    cut = int(len(ids) * (1.0 - held_out))
    return ids[:cut], ids[cut:]


def one_hot(ids: np.ndarray, size: int = VOCAB_SIZE) -> np.ndarray:
    out = np.zeros(ids.shape + (size,), dtype=np.float32)
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


class CharStreams:
    """``batch`` streams over ``text`` (ids), starting at evenly spaced offsets (shifted by a
    random phase from ``rng``), wrapping around at the end."""

    def __init__(self, text: np.ndarray, batch: int, rng: np.random.Generator) -> None:
        if len(text) < batch + 2:
            raise ValueError(f"chars: a text of {len(text)} characters is too short for "
                             f"{batch} streams")
        self.text, self.batch = text, batch
        spacing = len(text) // batch
        self.positions = (np.arange(batch) * spacing + int(rng.integers(0, spacing))) % len(text)

    def next_window(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs (T, B, 97) one-hot float32, targets (T, B) ids): the next T characters of
        each stream and the T characters after each of them."""
        offsets = (self.positions[None, :] + np.arange(window + 1)[:, None]) % len(self.text)
        ids = self.text[offsets]                                        # (T + 1, B)
        self.positions = (self.positions + window) % len(self.text)
        return one_hot(ids[:-1]), ids[1:]


__all__ = ["CharStreams", "CorpusError", "DEFAULT_CORPUS_DIR", "VOCAB_SIZE", "decode", "encode",
           "load_corpus", "one_hot", "split_corpus"]
