"""Toy data with known structure: the ring of eight Gaussians, and how many of its modes samples cover.

The ring (Metz et al. 2017) is the standard small test of mode collapse: eight tight Gaussians on
a circle, so a generator that finds only some of them is visible at a glance and countable.
"""

from __future__ import annotations

import numpy as np

RING_MODES = 8
RING_RADIUS = 2.0
RING_STD = 0.02
HIGH_QUALITY_STDS = 3.0  # a sample within 3 standard deviations of a centre counts as that mode's


def ring_centres(modes: int = RING_MODES, radius: float = RING_RADIUS) -> np.ndarray:
    """The (modes, 2) centres, evenly spaced on a circle."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(count: int, modes: int = RING_MODES, radius: float = RING_RADIUS, std: float = RING_STD,
                      seed: int = 0) -> np.ndarray:
    """``count`` points from the equal mixture of N(centre, std^2 I) over the ring's centres, float32."""
    rng = np.random.default_rng(seed)
    centres = ring_centres(modes, radius)
    return (centres[rng.integers(0, modes, count)] + std * rng.normal(size=(count, 2))).astype(np.float32)


def mode_coverage(samples: np.ndarray, modes: int = RING_MODES, radius: float = RING_RADIUS, std: float = RING_STD,
                  min_fraction: float = 0.01) -> dict:
    """Which modes the samples reach: high-quality samples lie within 3 std of their nearest centre.

    A mode is *covered* when at least ``min_fraction`` of all samples are high-quality samples of it.
    Returns the count of covered modes, the fraction of high-quality samples, and per-mode fractions.
    """
    samples = np.asarray(samples, np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must have shape (n, 2), got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - ring_centres(modes, radius)[None], axis=2)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] < HIGH_QUALITY_STDS * std
    per_mode = np.bincount(nearest[good], minlength=modes) / len(samples)
    return {"modes_covered": int(np.sum(per_mode >= min_fraction)), "high_quality_fraction": float(good.mean()),
            "per_mode": per_mode}
