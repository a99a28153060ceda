"""The ring of eight Gaussians and toy.mode_coverage: which modes a sample covers, and with what quality."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import toy

CENTRES = toy.ring_centres()


def test_the_centres_lie_evenly_on_the_circle():
    assert CENTRES.shape == (toy.RING_MODES, 2)
    np.testing.assert_allclose(np.linalg.norm(CENTRES, axis=1), toy.RING_RADIUS)
    steps = np.diff(np.unwrap(np.arctan2(CENTRES[:, 1], CENTRES[:, 0])))
    np.testing.assert_allclose(steps, 2 * np.pi / toy.RING_MODES)


def test_ring_samples_are_seeded_float32_points_near_the_centres():
    points = toy.ring_of_gaussians(1000, seed=3)
    assert points.shape == (1000, 2) and points.dtype == np.float32
    np.testing.assert_array_equal(points, toy.ring_of_gaussians(1000, seed=3))
    nearest = np.linalg.norm(points[:, None] - CENTRES[None], axis=2).min(axis=1)
    assert nearest.max() < 6 * toy.RING_STD


def test_a_sample_of_the_ring_covers_every_mode_with_high_quality():
    coverage = toy.mode_coverage(toy.ring_of_gaussians(8000, seed=1))
    assert coverage["modes_covered"] == toy.RING_MODES
    # within 3 standard deviations of a 2-d Gaussian's centre: 1 - exp(-4.5) = 98.9 % of its points
    assert coverage["high_quality_fraction"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)
    equal_share = coverage["high_quality_fraction"] / toy.RING_MODES
    np.testing.assert_allclose(coverage["per_mode"], equal_share, atol=0.015)


def test_a_sample_on_one_mode_covers_that_mode_only():
    points = CENTRES[3] + toy.RING_STD * np.random.default_rng(0).normal(size=(2000, 2))
    coverage = toy.mode_coverage(points)
    assert coverage["modes_covered"] == 1
    assert coverage["per_mode"][3] == pytest.approx(coverage["high_quality_fraction"])
    assert np.count_nonzero(coverage["per_mode"]) == 1


def test_far_away_points_are_low_quality_and_cover_nothing():
    # the origin, and points on rays through the centres well inside and outside the ring
    rays = CENTRES.repeat(10, axis=0)
    far = np.concatenate([np.zeros((50, 2)), 0.5 * rays, 1.5 * rays])
    coverage = toy.mode_coverage(far)
    assert coverage["modes_covered"] == 0 and coverage["high_quality_fraction"] == 0.0
    assert not coverage["per_mode"].any()


def test_high_quality_means_within_three_standard_deviations_of_the_nearest_centre():
    inside = CENTRES[0] + [2.9 * toy.RING_STD, 0.0]
    outside = CENTRES[0] + [3.1 * toy.RING_STD, 0.0]
    assert toy.mode_coverage(np.stack([inside, outside]))["high_quality_fraction"] == 0.5


def test_a_mode_counts_as_covered_from_min_fraction_of_all_samples():
    # 985 points on mode 0, 10 (1 %) on mode 1, 5 (0.5 %) on mode 2, exactly at the centres
    points = np.concatenate([CENTRES[[0]].repeat(985, axis=0), CENTRES[[1]].repeat(10, axis=0),
                             CENTRES[[2]].repeat(5, axis=0)])
    coverage = toy.mode_coverage(points)
    assert coverage["modes_covered"] == 2
    np.testing.assert_allclose(coverage["per_mode"][:3], [0.985, 0.01, 0.005])
    assert toy.mode_coverage(points, min_fraction=0.005)["modes_covered"] == 3


def test_per_mode_fractions_add_up_to_the_high_quality_fraction():
    mixed = np.concatenate([toy.ring_of_gaussians(600, seed=2), np.zeros((400, 2))])
    coverage = toy.mode_coverage(mixed)
    assert coverage["per_mode"].sum() == pytest.approx(coverage["high_quality_fraction"])
    assert coverage["high_quality_fraction"] == pytest.approx(0.6 * (1 - np.exp(-4.5)), abs=0.02)


@pytest.mark.parametrize("shape", [(10,), (10, 3), (2, 5, 2)])
def test_samples_that_are_not_points_in_the_plane_are_refused(shape):
    with pytest.raises(ValueError, match=r"samples must have shape \(n, 2\)"):
        toy.mode_coverage(np.zeros(shape))
