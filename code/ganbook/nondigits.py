"""Images that are not digits, shaped like MNIST digits: controls for experiments on digit models.

Each function returns float32 images flattened to 784 values in [0, 1], as ``data.flatten`` gives
MNIST digits: uniform noise, inverted digits (1 - x), and capital letters drawn by code with
Pillow's built-in font, size-normalised and centred the way MNIST's digits were (the glyph scaled,
anti-aliased, to fit a 20 x 20 box, then placed in the 28 x 28 frame with its centre of mass at the
centre). A model that treats these like digits has not learned anything specific to digits.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIDE = 28  # MNIST's frame
BOX = 20  # MNIST's digits were scaled to fit a BOX x BOX box inside the frame
LETTERS = "AEFHKMRWX"  # capitals that do not look like digits
FONT_SIZE = 96  # pixels; the glyph is drawn large and scaled down, which anti-aliases it
MAX_ANGLE = 15.0  # degrees of random rotation in ``letters``
MAX_STROKE = 3  # extra stroke thickness in ``letters``, in pixels at FONT_SIZE


def uniform_noise(count: int, seed: int = 0) -> np.ndarray:
    """``count`` images of independent uniform pixels in [0, 1), float32 of shape (count, 784)."""
    count = _check_count(count)
    rng = np.random.default_rng(seed)
    return rng.random((count, SIDE * SIDE), dtype=np.float32)


def inverted_digits(digits: np.ndarray) -> np.ndarray:
    """1 - x: white digits on black become black digits on white; (n, 784) or (n, 28, 28) in [0, 1]."""
    digits = np.asarray(digits, np.float32)
    if digits.ndim == 3 and digits.shape[1:] == (SIDE, SIDE):
        digits = digits.reshape(len(digits), -1)
    if digits.ndim != 2 or digits.shape[1] != SIDE * SIDE:
        raise ValueError(f"digits must have shape (n, 784) or (n, 28, 28), got {digits.shape}")
    if not np.all(np.isfinite(digits)) or digits.min(initial=0) < 0 or digits.max(initial=0) > 1:
        raise ValueError("digits must be intensities in [0, 1]; divide uint8 images by 255 first")
    return 1.0 - digits


def mnist_frame(glyph: np.ndarray) -> np.ndarray:
    """Put a grey image (2-D, values in [0, 1], ink bright) into a 28 x 28 frame as MNIST did.

    The ink's bounding box is scaled, keeping its aspect ratio and anti-aliased, so that its longer
    side is 20 pixels, and the result is placed with its centre of mass at the frame's centre
    (shifted back inside the frame if the mass is far off-centre). Returns (784,) float32.
    """
    glyph = np.asarray(glyph, np.float64)
    if glyph.ndim != 2 or not np.all(np.isfinite(glyph)) or glyph.min(initial=0) < 0 or glyph.max(initial=0) > 1:
        raise ValueError("glyph must be a 2-D array of intensities in [0, 1]")
    rows, cols = np.nonzero(glyph > 0)
    if len(rows) == 0:
        raise ValueError("glyph is blank: there is no ink to frame")
    ink = glyph[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = BOX / max(ink.shape)
    height, width = (max(1, round(n * scale)) for n in ink.shape)
    image = Image.fromarray(np.round(255 * ink).astype(np.uint8)).resize((width, height), Image.LANCZOS)
    box = np.clip(np.asarray(image, np.float64) / 255, 0, 1)
    mass = box.sum()
    if mass == 0:
        raise ValueError("glyph is too faint to survive scaling to the 20 x 20 box")
    centre = [np.sum(box.sum(axis=1 - axis) * np.arange(box.shape[axis])) / mass for axis in (0, 1)]
    top, left = (int(np.clip(round((SIDE - 1) / 2 - c), 0, SIDE - n)) for c, n in zip(centre, box.shape))
    frame = np.zeros((SIDE, SIDE))
    frame[top:top + height, left:left + width] = box
    return frame.reshape(-1).astype(np.float32)


def letter(character: str, angle: float = 0.0, stroke: int = 0) -> np.ndarray:
    """One character drawn with Pillow's built-in font, rotated by ``angle`` degrees (counter-clockwise)
    and thickened by ``stroke`` pixels (at the drawing size), in MNIST's frame: (784,) float32."""
    if not isinstance(character, str) or len(character) != 1:
        raise ValueError(f"character must be a single character, got {character!r}")
    if not np.isfinite(angle):
        raise ValueError(f"angle must be finite, got {angle}")
    if int(stroke) != stroke or stroke < 0:
        raise ValueError(f"stroke must be a whole number of pixels >= 0, got {stroke}")
    canvas = 2 * FONT_SIZE
    image = Image.new("L", (canvas, canvas))
    ImageDraw.Draw(image).text((FONT_SIZE // 2, FONT_SIZE // 2), character, fill=255, font=_font())
    if image.getbbox() is None:
        raise ValueError(f"the built-in font draws nothing for {character!r}")
    if stroke:
        image = image.filter(ImageFilter.MaxFilter(2 * int(stroke) + 1))  # dilate: a thicker pen
    image = image.crop(image.getbbox()).rotate(float(angle), resample=Image.BICUBIC, expand=True)
    return mnist_frame(np.asarray(image, np.float64) / 255)


def letters(count: int, seed: int = 0, alphabet: str = LETTERS, max_angle: float = MAX_ANGLE,
            max_stroke: int = MAX_STROKE) -> np.ndarray:
    """``count`` letters, cycling through ``alphabet``, each with a random rotation in
    [-max_angle, max_angle] degrees and a random stroke in 0..max_stroke: (count, 784) float32."""
    count = _check_count(count)
    if not isinstance(alphabet, str) or not alphabet:
        raise ValueError("alphabet must be a non-empty string")
    if not np.isfinite(max_angle) or max_angle < 0:
        raise ValueError(f"max_angle must be >= 0, got {max_angle}")
    if int(max_stroke) != max_stroke or max_stroke < 0:
        raise ValueError(f"max_stroke must be a whole number >= 0, got {max_stroke}")
    rng = np.random.default_rng(seed)
    angles = rng.uniform(-max_angle, max_angle, count)
    strokes = rng.integers(0, int(max_stroke) + 1, count)
    return np.stack([letter(alphabet[i % len(alphabet)], angles[i], int(strokes[i])) for i in range(count)])


@functools.cache
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font at FONT_SIZE (Pillow >= 10.1 with FreeType); else its small bitmap font."""
    try:
        return ImageFont.load_default(size=FONT_SIZE)
    except (TypeError, ImportError, OSError):  # older Pillow, or no FreeType: scaling up still works
        return ImageFont.load_default()


def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive whole number, got {count!r}")
    return int(count)
