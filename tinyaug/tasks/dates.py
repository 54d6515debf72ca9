"""Date normalisation: a date written in one of a dozen human formats ("21 Nov 2026",
"11/21/26", "Saturday, November 21, 2026", "2026.11.21", ...) -> "2026-11-21", character by
character. The data is generated here (no download).

Dates run from 1950-01-01 to 2049-12-31 (two-digit years 50–99 mean 19xx, 00–49 mean 20xx,
so every format is unambiguous). The days are split once, by a fixed permutation, into
train (80 %), validation (10 %) and test (10 %): a test date never appears in training, in
any format.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np

from .base import Task, register_task
from .tokens import Seq2SeqBatch, Vocabulary, pad_time_major

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST_DAY, LAST_DAY = _dt.date(1950, 1, 1), _dt.date(2049, 12, 31)
SPLIT_FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}
SPLIT_SEED = 20261121


def _ordinal(day: int) -> str:
    if day in (11, 12, 13):
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


# Each format: a name and a function of a date. Fourteen formats.
FORMATS = {
    "d mon yyyy":         lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",             # 21 Nov 2026
    "mm/dd/yy":           lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",          # 11/21/26
    "weekday, month d, yyyy": lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    "yyyy.mm.dd":         lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",                    # 2026.11.21
    "month d, yyyy":      lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",                # November 21, 2026
    "d month yyyy":       lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",                 # 21 November 2026
    "dd.mm.yyyy":         lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",                    # 21.11.2026
    "mon d, yyyy":        lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",            # Nov 21, 2026
    "yyyy/mm/dd":         lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",                    # 2026/11/21
    "wkd d mon yyyy":     lambda d: f"{WEEKDAYS[d.weekday()][:3].lower()} {d.day} {MONTHS[d.month - 1][:3].lower()} {d.year}",
    "dd-MON-yy":          lambda d: f"{d.day:02d}-{MONTHS[d.month - 1][:3].upper()}-{d.year % 100:02d}",  # 21-NOV-26
    "m/d/yyyy":           lambda d: f"{d.month}/{d.day}/{d.year}",                            # 11/21/2026
    "dth of month yyyy":  lambda d: f"{_ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",    # 21st of November 2026
    "yyyymmdd":           lambda d: f"{d.year}{d.month:02d}{d.day:02d}",                      # 20261121
}


def iso(date: _dt.date) -> str:
    return date.isoformat()


def _source_symbols() -> list[str]:
    chars = set("0123456789 ,./-")
    for name in MONTHS + WEEKDAYS:
        chars.update(name + name.lower() + name.upper())
    chars.update("stndrdthof")
    return sorted(chars)


SOURCE_VOCAB = Vocabulary(_source_symbols())
TARGET_VOCAB = Vocabulary(list("0123456789-"))


def split_days(split: str) -> np.ndarray:
    """Day numbers (``date.toordinal()``) of ``split``: "train", "validation" or "test"."""
    if split not in SPLIT_FRACTIONS:
        raise ValueError(f"dates: unknown split {split!r}; choose train, validation or test")
    days = np.arange(FIRST_DAY.toordinal(), LAST_DAY.toordinal() + 1)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(days))
    n_train = int(len(days) * SPLIT_FRACTIONS["train"])
    n_validation = int(len(days) * SPLIT_FRACTIONS["validation"])
    bounds = {"train": (0, n_train), "validation": (n_train, n_train + n_validation),
              "test": (n_train + n_validation, len(days))}[split]
    return np.sort(days[order[bounds[0]:bounds[1]]])


@register_task
class DateNormalisation(Task):
    """``batch(batch_size, rng, split="train")`` -> ``Seq2SeqBatch`` of (written date,
    ISO date) pairs; ``info["texts"]`` holds the source strings, ``info["formats"]`` the
    format names. ``formats``: restrict to some of ``FORMATS`` (default all)."""

    name = "dates"
    defaults = {"formats": None}

    def __init__(self, formats: tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.formats = tuple(formats) if formats else tuple(FORMATS)
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise ValueError(f"dates: unknown format(s) {unknown}; known: {list(FORMATS)}")
        self.source_vocab, self.target_vocab = SOURCE_VOCAB, TARGET_VOCAB
        self._days = {split: split_days(split) for split in SPLIT_FRACTIONS}

    def examples(self, days: np.ndarray, format_names) -> tuple[list[str], list[str]]:
        """(written, ISO) strings for day numbers and format names."""
        written, normalised = [], []
        for day, fmt in zip(days, format_names):
            date = _dt.date.fromordinal(int(day))
            written.append(FORMATS[fmt](date))
            normalised.append(iso(date))
        return written, normalised

    def batch(self, batch_size: int, rng: np.random.Generator, split: str = "train") -> Seq2SeqBatch:
        if split not in self._days:
            raise ValueError(f"dates: unknown split {split!r}; choose train, validation or test")
        days = rng.choice(self._days[split], size=batch_size)
        formats = [self.formats[i] for i in rng.integers(0, len(self.formats), size=batch_size)]
        return self.encode(*self.examples(days, formats), info={"formats": formats})

    def encode(self, written: list[str], normalised: list[str], info: dict | None = None) -> Seq2SeqBatch:
        source, source_mask = pad_time_major([self.source_vocab.encode(t) for t in written])
        target, target_mask = pad_time_major([self.target_vocab.encode(t) for t in normalised], append_eos=True)
        return Seq2SeqBatch(source, source_mask, target, target_mask,
                            info={"texts": written, "targets": normalised, **(info or {})})
