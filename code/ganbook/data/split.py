"""The container every data set returns its parts in: images and their integer labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    """Images ``x`` and integer labels ``y`` of one part of a data set."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)
