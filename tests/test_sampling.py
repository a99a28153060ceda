"""Sampling from each generator family: flat images in [0, 1], the right count, reproducible with a seed."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import sampling
from ganbook.models import autoencoder, gan, vae


@pytest.fixture(scope="module")
def small_autoencoder():
    return autoencoder.build_autoencoder(code_size=8)


def _check(images, count):
    assert images.shape == (count, 784) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0


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
    _check(sampling.pixel_gan_samples(gan.build_dcgan(noise_size=4, width=4), 3, seed=1), 3)


def test_talk_random_codes_use_the_variance_as_standard_deviation(small_autoencoder):
    codes = np.random.default_rng(0).exponential(2.0, size=(500, 8))
    _check(sampling.talk_random_code_samples(small_autoencoder, codes, 6, seed=0), 6)
