"""Figures for the book: its style, image grids and training curves. matplotlib and numpy only; no training here.

Every chapter draws in the book's style, ``plt.style.use(STYLE)`` (the style sheet ``book.mplstyle``
beside this module): a colour-blind-safe palette in which each colour has its own line style, and
text that stays legible at the size a figure is shown (at most ``FIGURE_MAX_WIDTH_INCHES`` wide).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors, patheffects

STYLE = "ganbook.book"
FIGURE_MAX_WIDTH_INCHES = 9.0  # shown in the HTML's 672-pixel column at 0.75 of its size or more
SMALLEST_FONT_POINTS = 12       # 9 points or more at that size

# Float images may overshoot [0, 1] by float rounding (a sigmoid in float32, say), never by more.
PIXEL_TOLERANCE = 1e-6


def _check_images(images: np.ndarray) -> np.ndarray:
    """``images`` as an array: uint8 (0..255) as it is; anything else finite and in [0, 1], else a ValueError.

    imshow would silently draw NaN as blank and clip a 0..255 float image to white.
    """
    images = np.asarray(images)
    if images.size == 0:
        raise ValueError(f"images is empty (shape {images.shape}): there is nothing to draw")
    if images.dtype == np.uint8:
        return images
    bad = images.size - np.count_nonzero(np.isfinite(images))
    if bad:
        raise ValueError(f"images has {bad} non-finite pixels (NaN or inf) among {images.size}")
    low, high = images.min(), images.max()
    if low < -PIXEL_TOLERANCE or high > 1 + PIXEL_TOLERANCE:
        raise ValueError(f"images must be floats in [0, 1], found values in [{low:.4g}, {high:.4g}]: divide "
                         "0-255 images by 255 (or pass them as uint8); map tanh outputs with (x + 1) / 2")
    return images


def tile(images: np.ndarray, columns: int, pad: int = 1, pad_value: float = 1.0) -> np.ndarray:
    """Arrange (n, h, w[, c]) images into one (rows*(h+pad)-pad, columns*(w+pad)-pad[, c]) mosaic.

    Pixels are floats in [0, 1] or uint8 in 0..255.
    """
    images = _check_images(images)
    if columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    if images.ndim == 2:  # flat MNIST vectors
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"cannot reshape vectors of length {images.shape[1]} into square images")
        images = images.reshape(-1, side, side)
    if images.ndim not in (3, 4):
        raise ValueError(f"expected (n, h, w) or (n, h, w, c) images, got shape {images.shape}")
    count, height, width = images.shape[:3]
    rows = -(-count // columns)
    shape = (rows * (height + pad) - pad, columns * (width + pad) - pad) + images.shape[3:]
    mosaic = np.full(shape, pad_value, dtype=np.float32 if images.dtype != np.uint8 else np.uint8)
    if images.dtype == np.uint8:
        mosaic[...] = 255 if pad_value == 1.0 else int(pad_value)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (height + pad), column * (width + pad)
        mosaic[top : top + height, left : left + width] = image
    return mosaic


def _brightest(images: np.ndarray) -> int:
    """The value imshow should draw as full intensity: 255 for uint8 images, 1 for floats."""
    return 255 if images.dtype == np.uint8 else 1


def image_grid(images: np.ndarray, columns: int = 10, ax=None, title: str | None = None, size: float = 0.5):
    """Show images in a grid on ``ax`` (a new figure when None); grey-scale images use the grey colour map."""
    mosaic = tile(images, columns)
    if ax is None:
        rows = -(-len(images) // columns)
        _, ax = plt.subplots(figsize=(columns * size + 0.2, rows * size + (0.4 if title else 0.2)))
    grey = mosaic.ndim == 2
    ax.imshow(mosaic, cmap="gray_r" if grey else None, vmin=0, vmax=_brightest(mosaic),
              interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def curves(series: Mapping[str, Sequence[float]], x: Sequence[float] | None = None, ax=None,
           xlabel: str = "epoch", ylabel: str = "", log: bool = False):
    """Plot several named curves against a shared x axis.

    NaN values are drawn as gaps, as a diverged loss should be; a missing or empty series is an error.
    """
    empty = [label for label, values in series.items() if len(values) == 0]
    if not series or empty:
        raise ValueError(f"every series needs at least one value, got series {list(series)}, empty: {empty}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for label, values in series.items():
        positions = x if x is not None else np.arange(1, len(values) + 1)
        ax.plot(positions, values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", frameon=False)
    return ax


def captioned_images(images: np.ndarray, captions: Sequence[str], columns: int = 8, size: float = 1.1,
                     title: str | None = None):
    """Images in a grid with a short caption under each (for example a classifier's label and confidence)."""
    images = _check_images(images)
    if len(captions) != len(images):
        raise ValueError(f"got {len(images)} images but {len(captions)} captions")
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(-1, side, side)
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * (size + 0.3)), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, image, caption in zip(axes.flat, images, captions):
        ax.imshow(image, cmap="gray_r" if image.ndim == 2 else None, vmin=0, vmax=_brightest(image),
                  interpolation="nearest")
        ax.set_title(caption, y=-0.32)
    if title:
        fig.suptitle(title)
    return fig


def label_clusters(ax, points: np.ndarray, labels: np.ndarray) -> None:
    """Write each label at the median of its points, so that a scatter plot coloured by label
    names its clusters without colour too."""
    points, labels = np.asarray(points), np.asarray(labels)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(f"need points of shape (n, 2) and n labels, got {points.shape} and {labels.shape}")
    outline = [patheffects.withStroke(linewidth=3, foreground="white")]
    for label in np.unique(labels):
        x, y = np.median(points[labels == label], axis=0)
        ax.text(x, y, str(label), ha="center", va="center", fontweight="bold", path_effects=outline)


def annotated_heatmap(ax, values, rows: Sequence[str], columns: Sequence[str], centre: float,
                      template: str = "{:.2f}", cmap: str = "PuOr_r"):
    """A table of numbers drawn as cells, each with its value written in, shaded by a diverging,
    colour-blind-safe colour map whose white midpoint is ``centre``.

    It compares many sets over the same categories, where grouped bars would have to be told
    apart by colour alone.
    """
    values = np.asarray(values, dtype=float)
    if values.shape != (len(rows), len(columns)):
        raise ValueError(f"values have shape {values.shape}, but there are {len(rows)} rows "
                         f"and {len(columns)} columns")
    reach = max(float(np.max(np.abs(values - centre))), np.finfo(float).tiny)
    image = ax.imshow(values, cmap=cmap, norm=colors.Normalize(centre - reach, centre + reach),
                      aspect="auto")
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(rows)), rows)
    for (i, j), value in np.ndenumerate(values):
        dark = np.mean(image.cmap(image.norm(value))[:3]) < 0.5
        ax.text(j, i, template.format(value), ha="center", va="center",
                color="white" if dark else "black")
    return image
