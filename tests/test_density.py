"""GAN theory on 1-d Gaussians by quadrature, and the Jacobian density of generators against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
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


# ----------------------------------------------------------------------------- the Jacobian density of a generator


def _linear_generator(a, b):
    a_t, b_t = tf.constant(a, tf.float32), tf.constant(b, tf.float32)
    return lambda z: tf.matmul(z, a_t, transpose_b=True) + b_t


def test_jacobian_density_of_a_linear_generator_matches_the_gaussian_on_its_image():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 2)), rng.normal(size=5)
    z = rng.normal(size=(50, 2)).astype(np.float32)
    estimate = density.generator_log_density(_linear_generator(a, b), z)
    # closed form: coordinates y = Q^T (x - b) in an orthonormal basis Q of A's column space are N(0, R R^T), R = Q^T A
    q, _ = np.linalg.qr(a)
    r = q.T @ a
    x = z.astype(np.float64) @ a.T + b
    exact = stats.multivariate_normal(np.zeros(2), r @ r.T).logpdf((x - b) @ q)
    np.testing.assert_allclose(np.exp(estimate), np.exp(exact), rtol=0.01)
    np.testing.assert_allclose(estimate, exact, rtol=1e-4)


def test_jacobian_density_of_an_invertible_1d_generator_matches_the_analytic_density_and_a_histogram():
    # G(z) = sinh(z): p_g(x) = N(asinh x) / sqrt(1 + x^2)
    z = np.linspace(-2.5, 2.5, 41).astype(np.float32)[:, None]
    estimate = np.exp(density.generator_log_density(tf.sinh, z))
    x = np.sinh(z[:, 0].astype(np.float64))
    analytic = stats.norm.pdf(np.arcsinh(x)) / np.sqrt(1 + x * x)
    np.testing.assert_allclose(estimate, analytic, rtol=0.01)
    samples = np.sinh(np.random.default_rng(1).normal(size=2_000_000))
    counts, edges = np.histogram(samples, bins=np.linspace(-1.5, 1.5, 31))
    centres = (edges[:-1] + edges[1:]) / 2
    histogram = counts / (len(samples) * np.diff(edges))
    centre_estimate = np.exp(density.generator_log_density(tf.sinh,
                                                           np.arcsinh(centres)[:, None].astype(np.float32)))
    np.testing.assert_allclose(histogram, centre_estimate, rtol=0.02)


def test_jacobian_density_of_an_invertible_2d_generator_matches_the_analytic_density():
    # G(z1, z2) = (sinh z1, z2 + z1^2 / 2): det J = cosh z1
    def generator(z):
        return tf.stack([tf.sinh(z[:, 0]), z[:, 1] + 0.5 * tf.square(z[:, 0])], axis=1)

    z = np.random.default_rng(2).normal(size=(200, 2)).astype(np.float32)
    estimate = density.generator_log_density(generator, z)
    z64 = z.astype(np.float64)
    analytic = stats.norm.logpdf(z64).sum(axis=1) - np.log(np.cosh(z64[:, 0]))
    np.testing.assert_allclose(np.exp(estimate), np.exp(analytic), rtol=0.01)


def test_a_generator_that_squashes_a_direction_has_a_singular_jacobian():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])  # rank 1
    z = np.ones((3, 2), np.float32)
    assert np.all(np.isinf(density.generator_log_density(_linear_generator(a, np.zeros(3)), z)))
    with pytest.raises(ValueError, match="D >= d"):
        density.log_volume_factor(np.zeros((2, 1, 3)))


def test_inverting_a_linear_generator_recovers_images_on_its_image_and_not_off_it():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 2))
    generator = _linear_generator(a, np.zeros(6))
    z_true = rng.normal(size=(20, 2)).astype(np.float32)
    on_manifold = z_true @ a.T.astype(np.float32)
    z_found, errors = density.invert_generator(generator, on_manifold, noise_size=2, steps=600, learning_rate=0.05)
    assert errors.max() < 1e-4
    np.testing.assert_allclose(z_found, z_true, atol=1e-2)
    off = on_manifold + rng.normal(size=on_manifold.shape).astype(np.float32)
    _, off_errors = density.invert_generator(generator, off, noise_size=2, steps=600, learning_rate=0.05)
    assert off_errors.min() > 0.01
