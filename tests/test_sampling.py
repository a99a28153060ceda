"""Sampling from each generator family: flat images in [0, 1], the right count, reproducible with a seed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import special

from ganbook import sampling
from ganbook.models import autoencoder, convolutional_gan, gan, vae


@pytest.fixture(scope="module")
def small_autoencoder():
    return autoencoder.build_autoencoder(code_size=8)


def _check(images, count):
    assert images.shape == (count, 784) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0


def test_prior_codes_are_standard_normal_draws_in_float32_and_the_vae_samplers_codes():
    codes = sampling.prior_codes(20_000, 3, seed=11)
    assert codes.dtype == np.float32 and codes.shape == (20_000, 3)
    np.testing.assert_allclose(codes.mean(axis=0), 0, atol=0.03)
    np.testing.assert_allclose(codes.std(axis=0), 1, atol=0.03)
    decoded = []
    vae = SimpleNamespace(latent_size=3, decode=lambda z: (decoded.append(np.array(z)), z)[1])
    sampling.vae_samples(vae, 5, seed=11)
    np.testing.assert_array_equal(np.concatenate(decoded), sampling.prior_codes(5, 3, seed=11))


def test_vae_samples_are_images_and_seeded():
    model = vae.build_vae(latent_size=3, hidden=(16,))
    first, again = sampling.vae_samples(model, 5, seed=4), sampling.vae_samples(model, 5, seed=4)
    _check(first, 5)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, sampling.vae_samples(model, 5, seed=5))


def test_vae_bernoulli_samples_are_binary_draws_around_the_pixel_means():
    model = vae.build_vae(latent_size=3, hidden=(16,))
    draws = sampling.vae_bernoulli_samples(model, 4000, seed=2)
    _check(draws, 4000)
    assert set(np.unique(draws)) <= {0.0, 1.0}
    np.testing.assert_array_equal(draws, sampling.vae_bernoulli_samples(model, 4000, seed=2))
    means = sampling.vae_samples(model, 4000, seed=2)  # the same prior draws
    # per pixel, the fraction of ones over 4,000 draws is within 5 standard errors of the mean probability
    p = means.mean(axis=0)
    standard_error = np.sqrt(np.mean(means * (1 - means), axis=0) / len(draws)) + 1e-6
    assert np.all(np.abs(draws.mean(axis=0) - p) < 5 * standard_error + 1e-3)


def test_latent_gan_and_pixel_gan_samples(small_autoencoder):
    latent = gan.build_latent_gan(code_size=8, noise_size=4, hidden=(16,))
    _check(sampling.latent_gan_samples(latent, small_autoencoder, 7, seed=1), 7)
    _check(sampling.pixel_gan_samples(convolutional_gan.build_dcgan(noise_size=4, width=4), 3, seed=1), 3)


class _RecordingDecoder:
    """A stand-in decoder that keeps the codes it is given and returns blank images."""

    def __init__(self):
        self.codes = []

    def __call__(self, codes):
        self.codes.append(np.asarray(codes))
        return np.zeros((len(self.codes[-1]), 784), np.float32)


def test_talk_random_codes_use_the_variance_as_standard_deviation():
    # training codes with mean 3 and standard deviation 3, so variance 9: the talk's draws spread by 9, not 3
    training_codes = np.random.default_rng(0).exponential(3.0, size=(5000, 8))
    mean, std, variance = training_codes.mean(), training_codes.std(), training_codes.var()
    decoder = _RecordingDecoder()
    autoencoder = SimpleNamespace(decoder=decoder)
    images = sampling.talk_random_code_samples(autoencoder, training_codes, 20_000, seed=0)
    _check(images, 20_000)
    drawn = np.concatenate(decoder.codes)
    assert drawn.shape == (20_000, 8)
    # 160,000 normal draws: the sample mean and standard deviation are within 1 % of the drawing scale
    assert drawn.mean() == pytest.approx(mean, abs=0.01 * variance)
    assert drawn.std() == pytest.approx(variance, rel=0.01)
    assert abs(drawn.std() - std) > 2 * std, "drawn with the standard deviation, not the variance"


def test_talk_random_codes_are_decoded_by_the_autoencoder(small_autoencoder):
    codes = np.random.default_rng(0).exponential(2.0, size=(500, 8))
    _check(sampling.talk_random_code_samples(small_autoencoder, codes, 6, seed=0), 6)


def test_truncated_noise_stays_inside_the_threshold_with_the_truncated_normal_variance():
    threshold = 1.5
    z = sampling.truncated_noise(20_000, 8, threshold, seed=3)
    assert z.shape == (20_000, 8) and z.dtype == np.float32
    assert np.abs(z).max() <= threshold
    # Var[z | |z| <= t] = 1 - 2 t phi(t) / (2 Phi(t) - 1), from integrating z^2 phi(z) by parts
    density = np.exp(-threshold**2 / 2) / np.sqrt(2 * np.pi)
    inside = special.erf(threshold / np.sqrt(2))  # 2 Phi(t) - 1
    variance = 1 - 2 * threshold * density / inside
    # 160,000 draws: the sample variance is within 1 % of the closed form, the mean within 0.01
    assert z.var() == pytest.approx(variance, rel=0.01)
    assert abs(z.mean()) < 0.01


def test_truncated_noise_is_seeded():
    first = sampling.truncated_noise(50, 4, 1.0, seed=7)
    np.testing.assert_array_equal(first, sampling.truncated_noise(50, 4, 1.0, seed=7))
    assert not np.array_equal(first, sampling.truncated_noise(50, 4, 1.0, seed=8))


@pytest.mark.parametrize("threshold", [0.0, -1.0, float("nan")])
def test_truncated_noise_rejects_a_threshold_that_is_not_positive(threshold):
    with pytest.raises(ValueError, match="threshold must be > 0"):
        sampling.truncated_noise(5, 4, threshold)


def test_truncated_pixel_gan_samples_are_images_from_the_generator():
    model = convolutional_gan.build_dcgan(noise_size=4, width=4)
    images = sampling.truncated_pixel_gan_samples(model, 6, 1.0, seed=2)
    _check(images, 6)
    z = sampling.truncated_noise(6, 4, 1.0, seed=2)
    np.testing.assert_allclose(images, model.generator(z, training=False).numpy(), atol=1e-6)
