"""Parzen windows against exact Gaussian densities, and k-means on separated clusters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ganbook import metrics


def test_parzen_with_one_sample_is_that_gaussian_density():
    rng = np.random.default_rng(0)
    centre = rng.normal(size=(1, 5))
    x = rng.normal(size=(7, 5))
    exact = stats.multivariate_normal(centre[0], 0.3**2 * np.eye(5)).logpdf(x)
    np.testing.assert_allclose(metrics.parzen_log_likelihood(centre, x, 0.3), exact, rtol=1e-5)


def test_parzen_is_the_mixture_density_and_stable_far_away():
    samples = np.array([[0.0, 0.0], [4.0, 0.0]])
    x = np.array([[1.0, 0.5], [300.0, -200.0]])
    sigma = 0.7
    exact = np.log(0.5 * stats.multivariate_normal([0, 0], sigma**2 * np.eye(2)).pdf(x[:1])
                   + 0.5 * stats.multivariate_normal([4, 0], sigma**2 * np.eye(2)).pdf(x[:1]))
    values = metrics.parzen_log_likelihood(samples, x, sigma)
    assert values[0] == pytest.approx(exact, rel=1e-5)
    far = stats.multivariate_normal([4, 0], sigma**2 * np.eye(2)).logpdf(x[1])  # nearest sample dominates
    assert values[1] == pytest.approx(far + np.log(0.5), rel=1e-4), "must not underflow to -inf"


def test_parzen_converges_to_the_true_density_in_one_dimension():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(20_000, 1))
    x = rng.normal(size=(2000, 1))
    estimate = metrics.parzen_log_likelihood(samples, x, 0.1).mean()
    # true mean log-density of N(0,1) under itself, adjusted for the bandwidth: N(0, 1 + 0.01)
    expected = stats.norm(0, np.sqrt(1.01)).logpdf(x).mean()
    assert estimate == pytest.approx(expected, abs=0.02)


def test_parzen_evaluation_picks_a_sigma_from_the_grid_and_rejects_bad_input():
    rng = np.random.default_rng(2)
    samples, valid, test = rng.normal(size=(500, 3)), rng.normal(size=(100, 3)), rng.normal(size=(100, 3))
    result = metrics.parzen_evaluation(samples, valid, test)
    assert result["sigma"] in metrics.PARZEN_SIGMAS and result["standard_error"] > 0
    with pytest.raises(ValueError, match="same D"):
        metrics.parzen_log_likelihood(samples, rng.normal(size=(2, 4)), 0.5)
    with pytest.raises(ValueError, match="positive"):
        metrics.parzen_log_likelihood(samples, valid, 0.0)


def _inertia(x, centroids):
    return float(np.min(((x[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1).sum())


def test_kmeans_lowers_the_inertia_and_converges_to_cluster_means():
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    x = np.concatenate([c + 0.5 * rng.normal(size=(100, 2)) for c in centres]).astype(np.float32)
    start = metrics.kmeans_centroids(x, k=4, iterations=0, seed=0)
    found = metrics.kmeans_centroids(x, k=4, iterations=20, seed=0)
    assert _inertia(x, found) < _inertia(x, start)
    nearest = np.argmin(((x[:, None, :] - found[None]) ** 2).sum(-1), axis=1)
    for j in np.unique(nearest):  # a fixed point of Lloyd's algorithm: every centre is its cluster's mean
        np.testing.assert_allclose(found[j], x[nearest == j].mean(axis=0), atol=1e-4)


def test_parzen_for_many_sigmas_matches_one_sigma_at_a_time():
    rng = np.random.default_rng(3)
    samples, x = rng.normal(size=(300, 5)), rng.normal(size=(40, 5))
    sigmas = [0.2, 0.5, 1.5]
    together = metrics.parzen_log_likelihoods(samples, x, sigmas)
    assert together.shape == (3, 40)
    for row, sigma in zip(together, sigmas):
        np.testing.assert_allclose(row, metrics.parzen_log_likelihood(samples, x, sigma), rtol=1e-6)
