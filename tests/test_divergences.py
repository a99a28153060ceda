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
    grid = np.linspace(-12, 14, 200_001)
    exact = divergences.wasserstein_1d(grid, stats.norm.cdf(grid, 0, 1), stats.norm.cdf(grid, 1, 2))
    # the sorted matching is optimal in one dimension, and the solver finds it (the solver's time grows
    # as n^3: 500 points take a fraction of a second, 3,000 took two minutes)
    a, b = rng.normal(0, 1, 500), rng.normal(1, 2, 500)
    assert divergences.exact_wasserstein(a, b) == pytest.approx(np.mean(np.abs(np.sort(a) - np.sort(b))), rel=1e-9)
    # and the sorted matching of large samples approaches the closed form (s.e. about 0.005 here)
    a, b = rng.normal(0, 1, 200_000), rng.normal(1, 2, 200_000)
    assert np.mean(np.abs(np.sort(a) - np.sort(b))) == pytest.approx(exact, abs=0.02)


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


# ----------------------------------------------------------------------------- the non-saturating fit

@pytest.mark.parametrize("mean, std", [(0.0, 1.7), (2.0, 0.5), (0.3, 3.0), (1.0, 0.1)])
def test_non_saturating_divergence_is_reverse_kl_minus_twice_the_jsd(mean, std):
    target = divergences.Mixture((-2.0, 2.0), (0.5, 0.5))
    x = np.linspace(-10, 10, 20_001)
    separately = (divergences.gaussian_fit_divergence("reverse KL", target, mean, std, x)
                  - 2 * divergences.gaussian_fit_divergence("JSD", target, mean, std, x))
    assert divergences.non_saturating_divergence(target, mean, std, x) == pytest.approx(separately, abs=1e-9)


def test_non_saturating_divergence_is_zero_at_the_target_and_positive_elsewhere():
    target = divergences.Mixture((0.3,), (1.2,))
    x = np.linspace(-15, 15, 20_001)
    assert abs(divergences.non_saturating_divergence(target, 0.3, 1.2, x)) < 1e-10
    for mean, std in ((0.0, 1.2), (0.3, 1.0), (-2.0, 3.0)):
        assert divergences.non_saturating_divergence(target, mean, std, x) > 1e-4


def test_non_saturating_divergence_on_one_of_two_separated_modes():
    """KL(q || p) = log 2 and JSD = 3/4 log 4/3 for modes that do not overlap (the chapter's proposition)."""
    target = divergences.Mixture((-10.0, 10.0), (0.5, 0.5))
    x = np.linspace(-20, 20, 40_001)
    expected = np.log(2) - 1.5 * np.log(4 / 3)
    assert divergences.non_saturating_divergence(target, 10.0, 0.5, x) == pytest.approx(expected, abs=1e-9)


def test_fit_gaussian_by_reproduces_fit_gaussian_and_the_non_saturating_fit_seeks_a_mode():
    target = divergences.Mixture((-2.0, 2.0), (0.5, 0.5))

    def reverse_kl(target, mean, std, x):
        return divergences.gaussian_fit_divergence("reverse KL", target, mean, std, x)

    by = divergences.fit_gaussian_by(reverse_kl, target, start=(0.5, 1.0))
    direct = divergences.fit_gaussian("reverse KL", target, start=(0.5, 1.0))
    assert by == pytest.approx(direct, abs=1e-9)
    mode = divergences.fit_gaussian_by(divergences.non_saturating_divergence, target, start=(0.5, 1.0))
    assert mode["mean"] == pytest.approx(2.0, abs=1e-2) and mode["std"] == pytest.approx(0.5, abs=1e-2)


# ----------------------------------------------------------------------------- spectral normalisation

@pytest.mark.parametrize("shape", [(64, 32), (10, 40), (1, 5), (7, 7)])
def test_spectral_norm_estimate_approaches_the_largest_singular_value_from_below(shape):
    weights = np.random.default_rng(3).normal(size=shape)
    largest = np.linalg.svd(weights, compute_uv=False)[0]
    estimates = [divergences.spectral_norm_estimate(weights, k, seed=4) for k in (1, 3, 10, 30, 500)]
    assert all(e <= largest * (1 + 1e-12) for e in estimates)
    assert estimates[-1] == pytest.approx(largest, rel=1e-8)


def test_spectral_norm_estimate_error_falls_by_the_squared_singular_value_ratio_squared():
    """Singular values 3, 2, 1: the relative error is at most C (2/3)^(4(k - 1))."""
    rng = np.random.default_rng(5)
    left, _ = np.linalg.qr(rng.normal(size=(6, 3)))
    right, _ = np.linalg.qr(rng.normal(size=(4, 3)))
    weights = left @ np.diag([3.0, 2.0, 1.0]) @ right.T
    errors = np.array([1 - divergences.spectral_norm_estimate(weights, k, seed=6) / 3 for k in range(1, 16)])
    bound = errors[0] * 3 * (2 / 3) ** (4 * np.arange(15))  # a generous constant C
    assert np.all(errors <= bound + 1e-15) and errors[-1] < 1e-8


def test_spectral_norm_estimate_is_exact_for_rank_one_and_rejects_bad_input():
    weights = np.outer([1.0, 2.0, 2.0], [0.0, 3.0, 4.0])  # singular value 3 * 5
    assert divergences.spectral_norm_estimate(weights, 1) == pytest.approx(15.0, rel=1e-12)
    with pytest.raises(ValueError, match="at least one step"):
        divergences.spectral_norm_estimate(weights, 0)
    with pytest.raises(ValueError, match="matrix"):
        divergences.spectral_norm_estimate(np.ones(3), 5)
