"""A lookup table that memorises its training set: zero training error, no generalisation."""

from __future__ import annotations

import numpy as np


class LookupTable:
    """Remembers the label of every training image; answers ``default`` (the commonest label) for unseen ones."""

    def __init__(self) -> None:
        self.table: dict[bytes, int] = {}
        self.default = 0

    def fit(self, x: np.ndarray, y: np.ndarray) -> LookupTable:
        self.table = {image.tobytes(): int(label) for image, label in zip(np.asarray(x), y)}
        self.default = int(np.bincount(y).argmax())
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.array([self.table.get(image.tobytes(), self.default) for image in np.asarray(x)])

    def hits(self, x: np.ndarray) -> int:
        """How many of the images are in the table (exact pixel match)."""
        return sum(image.tobytes() in self.table for image in np.asarray(x))
