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
    samples, valid, test = rng.uniform(size=(500, 3)), rng.uniform(size=(100, 3)), rng.uniform(size=(100, 3))
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


# ------------------------------------------------------------ bad input gets a clear ValueError

RNG = np.random.default_rng(4)
SAMPLES, VALIDATION, TEST = (RNG.random((50, 4)) for _ in range(3))
BINARY = (RNG.random((6, 4)) > 0.5).astype(np.float32)


def spoilt(array: np.ndarray, value: float) -> np.ndarray:
    """A float copy of ``array`` with one entry replaced by ``value`` (NaN, inf, ...)."""
    copy = np.array(array, np.float64)
    copy.flat[copy.size // 2] = value
    return copy


@pytest.mark.parametrize("samples, validation, test, match", [
    pytest.param(spoilt(SAMPLES, np.nan), VALIDATION, TEST, "samples has 1 non-finite", id="NaN sample"),
    pytest.param(SAMPLES, spoilt(VALIDATION, np.nan), TEST, "validation has 1 non-finite",
                 id="NaN validation pixel"),
    pytest.param(SAMPLES, VALIDATION, spoilt(TEST, np.inf), "test has 1 non-finite", id="inf test pixel"),
    pytest.param(SAMPLES[:0], VALIDATION, TEST, "samples is empty", id="no samples"),
    pytest.param(SAMPLES, VALIDATION, TEST[:0], "test is empty", id="no test images"),
])
def test_parzen_evaluation_rejects_non_finite_or_empty_input(samples, validation, test, match):
    with pytest.raises(ValueError, match=match):
        metrics.parzen_evaluation(samples, validation, test)


@pytest.mark.parametrize("function, arguments, match", [
    pytest.param(metrics.parzen_log_likelihood, (SAMPLES, spoilt(TEST, np.nan), 0.3), "x has 1 non-finite",
                 id="Parzen NaN x"),
    pytest.param(metrics.parzen_log_likelihood, (SAMPLES, TEST, np.inf), "sigmas has 1 non-finite",
                 id="Parzen infinite sigma"),
    pytest.param(metrics.parzen_log_likelihoods, (SAMPLES, TEST, []), "sigmas is empty",
                 id="Parzen no sigmas"),
    pytest.param(metrics.parzen_log_likelihoods, (SAMPLES, TEST[:0], [0.3]), "x is empty", id="Parzen no x"),
    pytest.param(metrics.mean_and_standard_error, ([],), "values is empty", id="mean of nothing"),
    pytest.param(metrics.mean_and_standard_error, ([1.0],), "2 or more values", id="s.e. of one value"),
    pytest.param(metrics.mean_and_standard_error, ([1.0, np.nan],), "values has 1 non-finite",
                 id="mean with NaN"),
    pytest.param(metrics.kmeans_centroids, (spoilt(SAMPLES, np.nan), 3), "x has 1 non-finite",
                 id="k-means NaN"),
    pytest.param(metrics.kmeans_centroids, (SAMPLES, 0), "1 <= k <= n", id="k-means k = 0"),
    pytest.param(metrics.kmeans_centroids, (SAMPLES[:2], 3), "1 <= k <= n", id="k-means k > n"),
])
def test_parzen_standard_error_and_kmeans_reject_bad_input(function, arguments, match):
    with pytest.raises(ValueError, match=match):
        function(*arguments)


@pytest.mark.parametrize("x, k, chunk, match", [
    pytest.param(BINARY, 0, 100, "k and chunk must be >= 1", id="k = 0"),
    pytest.param(BINARY, -1, 100, "k and chunk must be >= 1", id="k < 0"),
    pytest.param(BINARY, 5, 0, "k and chunk must be >= 1", id="chunk = 0"),
    pytest.param(BINARY[:0], 1, 1, "x is empty", id="no images"),
    pytest.param(spoilt(BINARY, np.nan), 1, 1, "x has 1 non-finite", id="NaN pixel"),
])
def test_importance_weighted_bound_rejects_bad_input(x, k, chunk, match):
    # the checks come before the model is called, so no model is needed
    with pytest.raises(ValueError, match=match):
        metrics.importance_weighted_bound(None, None, x, k, chunk=chunk)


def test_parzen_evaluation_refuses_raw_8_bit_pixels_naming_the_fix():
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(50, 784)).astype(np.uint8)
    with pytest.raises(ValueError, match=r"samples must hold pixels in \[0, 1\], found \[0, 255\]: divide 8-bit"):
        metrics.parzen_evaluation(pixels, pixels / 255.0, pixels / 255.0)
    with pytest.raises(ValueError, match=r"test must hold pixels in \[0, 1\], found \[-0.5"):
        metrics.parzen_evaluation(pixels / 255.0, pixels / 255.0, pixels / 255.0 - 0.5)
    gaussian = rng.normal(size=(50, 4))  # other data, with bandwidths of their own: any finite values
    assert metrics.parzen_evaluation(gaussian, gaussian, gaussian, sigmas=[0.5, 1.0])["sigma"] in (0.5, 1.0)


@pytest.mark.parametrize("call, match", [
    pytest.param(lambda: metrics.parzen_evaluation(np.full(784, 0.5), SAMPLES, SAMPLES),
                 r"samples must be a 2-d array \(n, D\): one flattened example per row, got shape \(784,\)",
                 id="Parzen 1-d samples"),
    pytest.param(lambda: metrics.parzen_log_likelihood([[0.1, 0.2]], [[0.1, 0.3]], 0.1, batch_size=0),
                 "batch_size must be a whole number of at least 1, got 0", id="Parzen batch 0"),
    pytest.param(lambda: metrics.parzen_log_likelihood(SAMPLES, TEST, 0.1, batch_size=-5),
                 "batch_size must be a whole number of at least 1, got -5", id="Parzen negative batch"),
    pytest.param(lambda: metrics.importance_weighted_bound(None, None, np.ones((2, 4)), k=1, batch_size=0),
                 "batch_size must be a whole number of at least 1, got 0", id="IWAE batch 0"),
    pytest.param(lambda: metrics.importance_weighted_bound(None, None, np.ones(4), k=1),
                 r"x must be a 2-d array", id="IWAE 1-d"),
    pytest.param(lambda: metrics.kmeans_centroids(SAMPLES, 3, batch_size=0),
                 "batch_size must be a whole number of at least 1", id="k-means batch 0"),
])
def test_metrics_name_a_wrong_shape_or_batch_size(call, match):
    with pytest.raises(ValueError, match=match):
        call()
