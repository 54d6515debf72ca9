"""Figures of attentional models, drawn from attention weights and decoded outputs:
alignments (output symbol × input symbol), accuracy against input length, and a caption's
attention over its image."""
from __future__ import annotations

import numpy as np

from .core import pyplot, save_figure


def alignment_figure(path: str, panels: list[tuple[str, list[str], np.ndarray]]) -> str:
    """``panels``: one (input text, output symbols, weights (outputs, input characters)) per
    column, drawn as grey alignment matrices titled with the output. Returns ``path``."""
    plt = pyplot()
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), dpi=90)
    for ax, (text, output, weights) in zip(np.atleast_1d(axes), panels):
        ax.imshow(weights, cmap="gray_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(text)))
        ax.set_xticklabels(list(text), fontsize=7)
        ax.set_yticks(range(len(output)))
        ax.set_yticklabels(output, fontsize=8)
        ax.set_xlabel("input characters")
        ax.set_title("".join(output), fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel("output characters")
    return save_figure(figure, path)


def overlay_figure(path: str, images: np.ndarray, captions: list[list[str]], weights: np.ndarray,
                   columns: int) -> str:
    """Each generated word with its attention map over the image (Xu et al. 2015, fig. 3
    style). ``images`` (examples, H, W, 3); ``captions``: the words of each; ``weights``
    (words, examples, grid·grid); ``columns``: panels per row (the image, then the words)."""
    examples, size = len(images), images.shape[1]
    grid = int(round(np.sqrt(weights.shape[-1])))
    plt = pyplot()
    figure, axes = plt.subplots(examples, columns, figsize=(1.25 * columns, 1.45 * examples), dpi=90,
                                squeeze=False)
    for b in range(examples):
        words = captions[b]
        axes[b, 0].imshow(images[b])
        axes[b, 0].set_title("image", fontsize=8)
        for w in range(columns - 1):
            ax = axes[b, w + 1]
            if w < len(words):
                attention_map = weights[w, b].reshape(grid, grid)
                upsampled = np.kron(attention_map, np.ones((size // grid, size // grid)))
                ax.imshow(images[b] * 0.55)
                ax.imshow(upsampled / max(upsampled.max(), 1e-9), cmap="magma", alpha=0.6, vmin=0, vmax=1)
                ax.set_title(words[w], fontsize=8)
            ax.axis("off")
        axes[b, 0].axis("off")
    return save_figure(figure, path)
