"""GAN theory on 1-d Gaussians: the optimal discriminator and C(G) = -log 4 + 2 JSD, by quadrature."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ganbook import density


@pytest.mark.parametrize("model", [(0.0, 1.0), (1.0, 1.0), (0.5, 2.0), (-3.0, 0.5)])
def test_value_at_the_optimal_discriminator_is_minus_log4_plus_2_jsd(model):
    check = density.gaussian_check(0.0, 1.0, *model)
    assert check["value_at_optimum"] == pytest.approx(check["closed_form"], abs=1e-8)
    assert check["value_at_perturbed"] < check["value_at_optimum"], "D* must maximise V"


def test_equal_distributions_give_minus_log4_and_d_star_one_half():
    check = density.gaussian_check(0.0, 1.0, 0.0, 1.0)
    assert check["jsd"] == pytest.approx(0.0, abs=1e-10)
    assert check["value_at_optimum"] == pytest.approx(-np.log(4), abs=1e-8)
    p = stats.norm.pdf(np.linspace(-3, 3, 7))
    np.testing.assert_allclose(density.optimal_discriminator(p, p), 0.5)


def test_jsd_is_between_zero_and_log2_and_grows_with_distance():
    values = [density.gaussian_check(0.0, 1.0, shift, 1.0)["jsd"] for shift in (0.5, 2.0, 8.0)]
    assert 0 < values[0] < values[1] < values[2] <= np.log(2) + 1e-9
    assert values[2] == pytest.approx(np.log(2), abs=1e-3), "nearly disjoint supports give nearly log 2"


def test_kl_between_gaussians_matches_its_closed_form():
    x = np.linspace(-20, 20, 200_001)
    p, q = stats.norm.pdf(x, 0.3, 1.2), stats.norm.pdf(x, -0.5, 0.8)
    closed = np.log(0.8 / 1.2) + (1.2**2 + 0.8**2) / (2 * 0.8**2) - 0.5
    assert density.kl_divergence(x, p, q) == pytest.approx(closed, rel=1e-8)


def test_optimal_discriminator_where_both_densities_vanish():
    d = density.optimal_discriminator(np.array([0.0, 1.0, 0.0]), np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(d, [0.5, 0.5, 0.0])
