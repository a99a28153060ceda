"""f-divergences, their variational bound, the non-saturating gradient, Gaussian fits and W1:
closed forms against quadrature, the assignment solver and Monte Carlo; clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from ganbook import divergences

X = np.linspace(-20, 20, 40_001)
P, Q = stats.norm.pdf(X, 0.0, 1.0), stats.norm.pdf(X, 1.0, 1.5)


def _kl_gaussians(m1, s1, m2, s2):
    """KL(N(m1, s1^2) || N(m2, s2^2)) in closed form."""
    return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


@pytest.mark.parametrize("name", sorted(divergences.F_DIVERGENCES))
def test_each_conjugate_is_the_supremum_of_u_t_minus_f(name):
    family = divergences.F_DIVERGENCES[name]
    for t in (-2.0, -0.5, -0.05):  # inside every listed conjugate's domain
        found = optimize.minimize_scalar(lambda log_u: -(np.exp(log_u) * t - family.f(np.exp(log_u))),
                                         bounds=(-30, 30), method="bounded", options={"xatol": 1e-12})
        assert float(family.conjugate(t)) == pytest.approx(-found.fun, abs=1e-7)


@pytest.mark.parametrize("name", sorted(divergences.F_DIVERGENCES))
def test_the_activation_maps_every_output_into_the_conjugates_domain(name):
    family = divergences.F_DIVERGENCES[name]
    values = family.activation(np.linspace(-30, 30, 601))
    assert np.all(np.isfinite(family.conjugate(values)))


@pytest.mark.parametrize("name", sorted(divergences.F_DIVERGENCES))
def test_the_bound_is_below_the_divergence_and_tight_at_the_optimal_critic(name):
    family = divergences.F_DIVERGENCES[name]
    exact = divergences.f_divergence(name, X, P, Q)
    best = family.optimal_critic(P / Q)
    assert divergences.variational_bound(name, X, P, Q, best) == pytest.approx(exact, abs=1e-8)
    rng = np.random.default_rng(0)
    for _ in range(5):  # other critics, kept inside the domain through the activation
        critic = family.activation(rng.normal() + rng.normal() * X / 4)
        assert divergences.variational_bound(name, X, P, Q, critic) < exact


def test_kl_by_f_divergence_matches_the_gaussian_closed_form():
    assert divergences.f_divergence("KL", X, P, Q) == pytest.approx(_kl_gaussians(0, 1, 1, 1.5), abs=1e-9)
    assert divergences.f_divergence("reverse KL", X, P, Q) == pytest.approx(_kl_gaussians(1, 1.5, 0, 1), abs=1e-9)


def test_the_gan_member_is_twice_the_jsd_minus_log_4():
    m = 0.5 * (P + Q)
    jsd = 0.5 * integrate.simpson(P * np.log(P / m), x=X) + 0.5 * integrate.simpson(Q * np.log(Q / m), x=X)
    assert divergences.f_divergence("GAN", X, P, Q) == pytest.approx(2 * jsd - np.log(4), abs=1e-9)


def test_a_critic_outside_the_domain_gives_minus_infinity_and_bad_input_a_clear_error():
    assert divergences.variational_bound("reverse KL", X, P, Q, np.ones_like(X)) == -np.inf
    with pytest.raises(ValueError, match="unknown f-divergence"):
        divergences.f_divergence("Hellinger", X, P, Q)
    with pytest.raises(ValueError, match="positive"):
        divergences.f_divergence("KL", X, P, np.zeros_like(X))


@pytest.mark.parametrize("theta, scale", [(0.5, 1.0), (1.0, 0.7), (2.0, 1.5), (-1.0, 0.5)])
def test_non_saturating_gradient_equals_the_gradient_of_kl_minus_twice_jsd(theta, scale):
    expected = divergences.central_gradient(divergences.kl_minus_2jsd, theta, scale)
    np.testing.assert_allclose(divergences.non_saturating_gradient(theta, scale), expected, atol=1e-6)


def test_non_saturating_gradient_against_monte_carlo():
    """The quadrature against a plain average over draws of z, with D* held fixed."""
    theta, scale = 1.0, 0.7
    z = np.random.default_rng(0).normal(size=2_000_000)
    x = theta + scale * z
    log_d, log_g = stats.norm.logpdf(x), stats.norm.logpdf(x, theta, scale)
    d_star = 1 / (1 + np.exp(log_g - log_d))
    slope = -x - (d_star * -x + (1 - d_star) * -(x - theta) / scale**2)
    samples = -np.stack([slope, slope * z])
    mean, error = samples.mean(axis=1), samples.std(axis=1) / np.sqrt(len(z))
    assert np.all(np.abs(divergences.non_saturating_gradient(theta, scale) - mean) < 5 * error)


def test_forward_kl_fit_matches_the_mixtures_mean_and_variance():
    """Minimising KL(p || N(m, s^2)) over Gaussians matches moments: m = E_p x, s^2 = Var_p x."""
    target = divergences.Mixture((-2.0, 1.0), (0.5, 1.0))
    fit = divergences.fit_gaussian("forward KL", target, start=(0.5, 1.0))
    mean = np.mean(target.means)
    variance = np.mean(np.square(target.stds) + np.square(target.means)) - mean**2
    assert fit["mean"] == pytest.approx(mean, abs=1e-4)
    assert fit["std"] == pytest.approx(np.sqrt(variance), abs=1e-4)


def test_reverse_kl_fit_sits_on_one_well_separated_mode():
    target = divergences.Mixture((-3.0, 3.0), (0.5, 0.5))
    fit = divergences.fit_gaussian("reverse KL", target, start=(0.5, 1.0))
    assert fit["mean"] == pytest.approx(3.0, abs=1e-2) and fit["std"] == pytest.approx(0.5, abs=1e-2)
    with pytest.raises(ValueError, match="divergence must be one of"):
        divergences.fit_gaussian("Hellinger", target, start=(0.5, 1.0))


def test_w1_closed_form_in_one_dimension_against_the_assignment_solver():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 3000), rng.normal(1, 2, 3000)
    grid = np.linspace(-12, 14, 200_001)
    exact = divergences.wasserstein_1d(grid, stats.norm.cdf(grid, 0, 1), stats.norm.cdf(grid, 1, 2))
    # the sorted matching is optimal in one dimension, and the solver finds it
    assert divergences.exact_wasserstein(a, b) == pytest.approx(np.mean(np.abs(np.sort(a) - np.sort(b))), rel=1e-9)
    assert divergences.exact_wasserstein(a, b) == pytest.approx(exact, abs=0.05)


def test_w1_between_parallel_lines_is_the_offset():
    for theta in (0.0, 0.3, -1.0):
        closed = divergences.parallel_lines(theta)
        assert closed["W1"] == abs(theta)
        assert closed["JSD"] == (np.log(2) if theta else 0.0)
        a, b = divergences.parallel_line_samples(theta, 400, seed=2)
        # moving every point sideways costs |theta|; matching the heights adds a little
        assert abs(theta) <= divergences.exact_wasserstein(a, b) < abs(theta) + 0.05


def test_exact_wasserstein_needs_equal_shapes():
    with pytest.raises(ValueError, match="same shape"):
        divergences.exact_wasserstein(np.zeros((3, 2)), np.zeros((4, 2)))
