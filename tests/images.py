"""Small smooth colour images for the cats-vs-dogs models' tests (no data set needed)."""

from __future__ import annotations

import numpy as np


def tiny_colour_images(count=64, size=32, seed=0):
    """``count`` images of ``size`` x ``size`` x 3 in [0, 1]: a colour per image plus a horizontal ramp."""
    rng = np.random.default_rng(seed)
    # smooth random images: a colour per image plus a horizontal ramp, in [0, 1]
    colour = rng.random((count, 1, 1, 3))
    ramp = np.linspace(0, 1, size)[None, None, :, None]
    images = np.broadcast_to(0.6 * colour + 0.4 * ramp, (count, size, size, 3))
    return np.clip(images, 0, 1).astype(np.float32)
