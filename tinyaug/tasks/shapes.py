"""A captioning-like task made here: 32×32 RGB images with 3–5 coloured shapes on black, and
the sentence naming them left to right ("red square blue circle yellow triangle").

The shapes never overlap horizontally, so "left to right" is unambiguous. ``info["boxes"]``
keeps every object's box (x0, y0, x1, y1) in pixels, inclusive-exclusive, so that attention
maps can be scored: words 2k and 2k+1 of a sentence name object k.
"""
from __future__ import annotations

import numpy as np

from .base import Task, register_task
from .tokens import Seq2SeqBatch, Vocabulary, pad_time_major

COLOURS = {"red": (1.0, 0.15, 0.1), "green": (0.1, 0.85, 0.2), "blue": (0.2, 0.35, 1.0),
           "yellow": (1.0, 0.9, 0.1)}
SHAPES = ("square", "circle", "triangle")
IMAGE_SIZE = 32


def shape_mask(shape: str, size: int) -> np.ndarray:
    """A (size, size) boolean stencil of ``shape``."""
    rows, cols = np.mgrid[0:size, 0:size]
    centre = (size - 1) / 2
    if shape == "square":
        return np.ones((size, size), dtype=bool)
    if shape == "circle":
        return (rows - centre) ** 2 + (cols - centre) ** 2 <= (size / 2) ** 2 - 0.5
    if shape == "triangle":  # apex at the top, full width at the bottom row
        half_width = (rows + 1) / size * (size / 2)
        return np.abs(cols - centre) <= half_width - 0.25
    raise ValueError(f"shapes: unknown shape {shape!r}")


@register_task
class Shapes(Task):
    """``batch(batch_size, rng, split="train")`` -> ``Seq2SeqBatch`` whose ``source`` is the
    images (batch, 32, 32, 3) float64 in [0, 1] (``source_mask`` is None) and whose target is
    the sentence. Images are drawn fresh from ``rng`` (the space of scenes is far larger than
    any training run sees; ``split`` is accepted for symmetry with the other tasks)."""

    name = "shapes"
    defaults = {"min_objects": 3, "max_objects": 5, "min_size": 5, "max_size": 6}

    def __init__(self, min_objects: int = 3, max_objects: int = 5, min_size: int = 5, max_size: int = 6) -> None:
        if not 1 <= min_objects <= max_objects or max_objects * max_size > IMAGE_SIZE:
            raise ValueError(f"shapes: {max_objects} objects of up to {max_size} px must fit side by "
                             f"side in {IMAGE_SIZE} px (min_objects {min_objects})")
        super().__init__()
        self.min_objects, self.max_objects = min_objects, max_objects
        self.min_size, self.max_size = min_size, max_size
        self.target_vocab = Vocabulary(list(COLOURS) + list(SHAPES))
        self.source_vocab = None

    def scene(self, rng: np.random.Generator, count: int):
        """One image (32, 32, 3), its words and its boxes [(x0, y0, x1, y1), ...] left to right."""
        image = np.zeros((IMAGE_SIZE, IMAGE_SIZE, 3))
        sizes = rng.integers(self.min_size, self.max_size + 1, size=count)
        free = IMAGE_SIZE - int(sizes.sum())
        # Split the free columns into count + 1 random gaps (before, between, after the shapes).
        cuts = np.sort(rng.integers(0, free + 1, size=count))
        gaps = np.diff(np.concatenate([[0], cuts]))
        words, boxes = [], []
        x = 0
        for size, gap in zip(sizes, gaps):
            x += int(gap)
            y = int(rng.integers(0, IMAGE_SIZE - size + 1))
            colour = list(COLOURS)[rng.integers(len(COLOURS))]
            shape = SHAPES[rng.integers(len(SHAPES))]
            stencil = shape_mask(shape, int(size))
            image[y:y + size, x:x + size][stencil] = COLOURS[colour]
            words += [colour, shape]
            boxes.append((x, y, x + int(size), y + int(size)))
            x += int(size)
        return image, words, boxes

    def batch(self, batch_size: int, rng: np.random.Generator, split: str = "train") -> Seq2SeqBatch:
        counts = rng.integers(self.min_objects, self.max_objects + 1, size=batch_size)
        images, sentences, boxes = [], [], []
        for count in counts:
            image, words, object_boxes = self.scene(rng, int(count))
            images.append(image)
            sentences.append(words)
            boxes.append(object_boxes)
        target, target_mask = pad_time_major([self.target_vocab.encode(w) for w in sentences], append_eos=True)
        return Seq2SeqBatch(np.stack(images), None, target, target_mask,
                            info={"sentences": [" ".join(w) for w in sentences], "boxes": boxes})
