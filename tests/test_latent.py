"""ganbook.latent: active units, per-dimension KL, the aggregate posterior, code samplers, two-sample test."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from ganbook import latent


def synthetic_encoder_means(images=2000, used=3, collapsed=4, seed=0):
    """Posterior means of an encoder that uses ``used`` dimensions and ignores ``collapsed`` others."""
    rng = np.random.default_rng(seed)
    used_part = rng.normal(0.0, 1.0, (images, used))
    collapsed_part = 0.3 + rng.normal(0.0, 0.01, (images, collapsed))  # variance 1e-4, far below 0.01
    return np.concatenate([used_part, collapsed_part], axis=1)


def test_active_units_finds_the_collapsed_dimensions_of_a_synthetic_encoder():
    mu = synthetic_encoder_means(used=3, collapsed=4)
    assert latent.active_units(mu).tolist() == [True] * 3 + [False] * 4


def test_unit_activity_is_the_variance_of_the_means_over_images():
    mu = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]])
    np.testing.assert_allclose(latent.unit_activity(mu), [4.0, 0.0])


def test_active_units_threshold_is_strict():
    mu = np.array([[0.0], [np.sqrt(0.02)]])  # sample variance exactly 0.01
    assert not latent.active_units(mu, threshold=0.01)[0]
    assert latent.active_units(mu, threshold=0.009)[0]


def test_kl_per_dimension_matches_the_closed_form_by_hand():
    mu = np.array([[1.0, 0.0], [1.0, 0.0]])
    log_var = np.array([[0.0, np.log(4.0)], [0.0, np.log(4.0)]])
    # dimension 0: (1 + 1 - 1 - 0)/2 = 0.5; dimension 1: (0 + 4 - 1 - log 4)/2
    np.testing.assert_allclose(latent.kl_per_dimension(mu, log_var), [0.5, (3.0 - np.log(4.0)) / 2])


def test_kl_per_dimension_is_zero_when_the_posterior_is_the_prior():
    zeros = np.zeros((5, 3))
    np.testing.assert_allclose(latent.kl_per_dimension(zeros, zeros), 0.0, atol=1e-12)


def test_aggregate_log_density_matches_scipy_for_a_two_component_mixture():
    mu = np.array([[0.0, 1.0], [2.0, -1.0]])
    log_var = np.log(np.array([[1.0, 0.25], [4.0, 1.0]]))
    z = np.random.default_rng(0).normal(size=(7, 2))
    expected = np.log(0.5 * sum(multivariate_normal(m, np.diag(np.exp(v))).pdf(z) for m, v in zip(mu, log_var)))
    np.testing.assert_allclose(latent.aggregate_log_density(z, mu, log_var), expected, rtol=1e-10)


def test_aggregate_log_density_works_in_blocks(monkeypatch):
    rng = np.random.default_rng(1)
    mu, log_var, z = rng.normal(size=(30, 3)), rng.normal(0, 0.3, (30, 3)), rng.normal(size=(11, 3))
    whole = latent.aggregate_log_density(z, mu, log_var)
    monkeypatch.setattr(latent, "DENSITY_ROWS", 4)
    np.testing.assert_allclose(latent.aggregate_log_density(z, mu, log_var), whole, rtol=1e-12)


def test_aggregate_kl_is_zero_when_every_posterior_is_the_prior():
    zeros = np.zeros((50, 4))
    result = latent.aggregate_kl(zeros, zeros, count=200)
    assert result["kl_q_p"]["estimate"] == pytest.approx(0.0, abs=1e-9)
    assert result["kl_p_q"]["estimate"] == pytest.approx(0.0, abs=1e-9)


def test_aggregate_kl_of_a_shifted_gaussian_matches_the_closed_form():
    # every q(z | x) = N(m, I), so q = N(m, I) and both KLs equal |m|^2 / 2
    shift = np.array([1.0, -0.5, 0.5])
    mu, log_var = np.tile(shift, (20, 1)), np.zeros((20, 3))
    result = latent.aggregate_kl(mu, log_var, count=4000, seed=3)
    for direction in ("kl_q_p", "kl_p_q"):
        estimate = result[direction]
        assert abs(estimate["estimate"] - shift @ shift / 2) < 5 * estimate["standard_error"]


def test_aggregate_draws_have_the_mixture_mean_and_variance():
    mu = np.array([[-2.0], [2.0]])
    log_var = np.log(np.array([[0.25], [0.25]]))
    draws = latent.aggregate_draws(mu, log_var, 20_000, seed=0)
    assert draws.mean() == pytest.approx(0.0, abs=0.05)
    assert draws.var() == pytest.approx(4.0 + 0.25, rel=0.03)


def test_aggregate_density_rejects_a_wrong_latent_size():
    with pytest.raises(ValueError, match="z must have shape"):
        latent.aggregate_log_density(np.zeros((3, 2)), np.zeros((4, 3)), np.zeros((4, 3)))


def test_posterior_arrays_must_match():
    with pytest.raises(ValueError, match="mu and log_var"):
        latent.kl_per_dimension(np.zeros((4, 3)), np.zeros((4, 2)))


def three_clusters(count=3000, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[-10.0, 0.0], [0.0, 10.0], [10.0, 0.0]])
    labels = rng.choice(3, count, p=[0.2, 0.3, 0.5])
    return centres[labels] + rng.normal(0, 0.5, (count, 2)), centres


def test_mixture_sampler_draws_from_the_fitted_components():
    codes, _ = three_clusters()
    mixture = latent.fit_code_mixture(codes, components=3, seed=0)
    draws, components = latent.mixture_codes(mixture, 6000, seed=1)
    # each draw lies nearest to the mean of the component it is reported to come from
    nearest = np.argmin(((draws[:, None, :] - mixture.means_[None]) ** 2).sum(-1), axis=1)
    assert np.array_equal(nearest, components)
    # and the components are drawn in proportion to the fitted weights
    shares = np.bincount(components, minlength=3) / len(components)
    np.testing.assert_allclose(shares, mixture.weights_, atol=0.02)
    np.testing.assert_allclose(np.sort(mixture.weights_), [0.2, 0.3, 0.5], atol=0.03)


def test_mixture_sampler_is_seeded_and_shuffled():
    codes, _ = three_clusters()
    mixture = latent.fit_code_mixture(codes, components=3, seed=0)
    first, components = latent.mixture_codes(mixture, 500, seed=4)
    again, _ = latent.mixture_codes(mixture, 500, seed=4)
    other, _ = latent.mixture_codes(mixture, 500, seed=5)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.any(np.diff(components) < 0)  # not grouped by component, as sklearn's sample returns them
    assert first.dtype == np.float32


def test_fit_code_mixture_needs_as_many_codes_as_components():
    with pytest.raises(ValueError, match="components"):
        latent.fit_code_mixture(np.zeros((5, 2)), components=10)


def test_two_sample_accuracy_is_chance_for_one_distribution_and_high_for_two():
    rng = np.random.default_rng(0)
    same = latent.two_sample_accuracy(rng.normal(size=(2000, 3)), rng.normal(size=(2000, 3)))
    shifted = latent.two_sample_accuracy(rng.normal(size=(2000, 3)), rng.normal(3.0, 1.0, (2000, 3)))
    assert abs(same["accuracy"] - 0.5) < 4 * same["standard_error"] + 0.01
    assert shifted["accuracy"] > 0.95


def test_two_sample_accuracy_needs_matching_dimensions():
    with pytest.raises(ValueError, match="same d"):
        latent.two_sample_accuracy(np.zeros((50, 2)), np.zeros((50, 3)))
