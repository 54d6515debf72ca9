"""The attention tasks: dates (formats, splits), reversal and shapes."""
import datetime as dt

import numpy as np
import pytest

from tinyaug.tasks.dates import FORMATS, DateNormalisation, split_days
from tinyaug.tasks.reversal import Reversal
from tinyaug.tasks.shapes import COLOURS, Shapes
from tinyaug.tasks.tokens import BOS, EOS, PAD, Vocabulary

# strptime patterns that read each format back (the generator must write real dates).
PARSERS = {"d mon yyyy": "%d %b %Y", "mm/dd/yy": "%m/%d/%y", "weekday, month d, yyyy": "%A, %B %d, %Y",
           "yyyy.mm.dd": "%Y.%m.%d", "month d, yyyy": "%B %d, %Y", "d month yyyy": "%d %B %Y",
           "dd.mm.yyyy": "%d.%m.%Y", "mon d, yyyy": "%b %d, %Y", "yyyy/mm/dd": "%Y/%m/%d",
           "wkd d mon yyyy": "%a %d %b %Y", "dd-MON-yy": "%d-%b-%y", "m/d/yyyy": "%m/%d/%Y",
           "yyyymmdd": "%Y%m%d"}


def test_dates_formats_read_back_to_the_target(rng):
    task = DateNormalisation()
    assert len(FORMATS) >= 12
    days = rng.choice(split_days("train"), size=40)
    for name in FORMATS:
        written, normalised = task.examples(days, [name] * len(days))
        for text, iso in zip(written, normalised):
            if name == "dth of month yyyy":
                text = text.split(" of ")[0][:-2] + " " + text.split(" of ")[1]
                parsed = dt.datetime.strptime(text, "%d %B %Y").date()
            else:
                parsed = dt.datetime.strptime(text, PARSERS[name]).date()
            if "yy" in name and "yyyy" not in name and parsed.year >= 2050:
                parsed = parsed.replace(year=parsed.year - 100)  # strptime's pivot differs from ours
            assert parsed.isoformat() == iso, (name, text)


def test_dates_examples_from_the_brief():
    task = DateNormalisation()
    day = np.array([dt.date(2026, 11, 21).toordinal()])
    assert task.examples(day, ["d mon yyyy"])[0] == ["21 Nov 2026"]
    assert task.examples(day, ["mm/dd/yy"])[0] == ["11/21/26"]
    assert task.examples(day, ["weekday, month d, yyyy"])[0] == ["Saturday, November 21, 2026"]
    assert task.examples(day, ["yyyy.mm.dd"]) == (["2026.11.21"], ["2026-11-21"])


def test_dates_splits_are_disjoint_and_cover_the_range():
    train, validation, test = (set(split_days(s)) for s in ("train", "validation", "test"))
    assert not train & test and not train & validation and not validation & test
    total = dt.date(2049, 12, 31).toordinal() - dt.date(1950, 1, 1).toordinal() + 1
    assert len(train) + len(validation) + len(test) == total
    assert 0.09 < len(test) / total < 0.11


def test_dates_batches_draw_from_their_split(rng):
    task = DateNormalisation()
    test_days = {dt.date.fromordinal(int(d)).isoformat() for d in split_days("test")}
    batch = task.batch(64, rng, split="test")
    assert set(batch.info["targets"]) <= test_days
    assert batch.target.shape == (11, 64) and np.all(batch.target[-1] == EOS)
    decoded = ["".join(task.target_vocab.decode(batch.target[:, b])) for b in range(64)]
    assert decoded == batch.info["targets"]
    for b, text in enumerate(batch.info["texts"]):
        length = int(batch.source_mask[:, b].sum())
        assert "".join(task.source_vocab.decode(batch.source[:length, b])) == text
        assert np.all(batch.source[length:, b] == PAD)
    with pytest.raises(ValueError, match="unknown split"):
        task.batch(2, rng, split="dev")


def test_reversal_targets_are_reversed(rng):
    task = Reversal(min_length=5, max_length=12, symbols=6)
    batch = task.batch(20, rng)
    for b, n in enumerate(batch.info["lengths"]):
        source = batch.source[:n, b]
        np.testing.assert_array_equal(batch.target[:n, b], source[::-1])
        assert batch.target[n, b] == EOS and batch.target_mask[:n + 1, b].all()
        assert batch.source_mask[:, b].sum() == n
    assert 5 <= batch.info["lengths"].min() and batch.info["lengths"].max() <= 12
    assert batch.source.max() < len(task.source_vocab) and batch.source[batch.source_mask > 0].min() > EOS
    fixed = task.batch(3, rng, length=40)
    assert fixed.source.shape == (40, 3)
    decoder_inputs = fixed.decoder_inputs()
    assert np.all(decoder_inputs[0] == BOS)
    np.testing.assert_array_equal(decoder_inputs[1:], fixed.target[:-1])


def test_shapes_scenes_match_their_sentences(rng):
    task = Shapes()
    batch = task.batch(16, rng)
    assert batch.source.shape == (16, 32, 32, 3) and 0 <= batch.source.min() and batch.source.max() <= 1
    for b, (sentence, boxes) in enumerate(zip(batch.info["sentences"], batch.info["boxes"])):
        words = sentence.split()
        assert 3 <= len(boxes) <= 5 and len(words) == 2 * len(boxes)
        for k, (x0, y0, x1, y1) in enumerate(boxes):
            if k:
                assert x0 >= boxes[k - 1][2]          # left to right, no horizontal overlap
            patch = batch.source[b, y0:y1, x0:x1]
            lit = patch[patch.max(axis=-1) > 0]
            np.testing.assert_allclose(lit, np.broadcast_to(COLOURS[words[2 * k]], lit.shape))
            area = (lit.shape[0]) / ((x1 - x0) * (y1 - y0))
            shape = words[2 * k + 1]
            assert {"square": area == 1, "circle": 0.6 < area < 1, "triangle": area < 0.7}[shape], (shape, area)
        assert task.target_vocab.decode(batch.target[:, b]) == words


def test_vocabulary_round_trip_and_errors():
    vocab = Vocabulary(list("abc"))
    assert vocab.decode(vocab.encode(list("cab")) + [EOS, 3]) == list("cab")
    with pytest.raises(ValueError, match="unknown symbol"):
        vocab.encode(["z"])
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(["a", "a"])
