"""Draw images from each of the book's generators, as flat (n, 784) float32 arrays in [0, 1].

Shared by the chapters that compare generators, so that every chapter draws samples the same
way: VAEs show the Bernoulli means of p(x | z) for z from the prior (or, with
``vae_bernoulli_samples``, binary images drawn from p(x | z)), the latent GAN's codes are
decoded by the autoencoder, and the autoencoder alone decodes codes drawn from a Gaussian fitted
the talk's way. A pixel GAN can also be fed truncated noise (the truncation trick).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from scipy import stats

DECODE_BATCH = 4096


def _decode(decoder, codes) -> np.ndarray:
    parts = [np.asarray(decoder(tf.constant(codes[s : s + DECODE_BATCH], tf.float32)))
             for s in range(0, len(codes), DECODE_BATCH)]
    return np.clip(np.concatenate(parts), 0.0, 1.0).astype(np.float32)


def vae_decode(vae, codes: np.ndarray) -> np.ndarray:
    """Pixel probabilities E[x | z] for given codes z (rows of ``codes``)."""
    return _decode(vae.decode, codes)


def autoencoder_decode(autoencoder, codes: np.ndarray) -> np.ndarray:
    """The autoencoder's decoder applied to given codes, clipped to [0, 1]."""
    return _decode(autoencoder.decoder, codes)


def prior_codes(count: int, latent_size: int, seed: int = 0) -> np.ndarray:
    """``count`` draws z ~ N(0, I) of ``latent_size`` numbers each, as float32: a VAE's prior."""
    return np.random.default_rng(seed).normal(size=(count, latent_size)).astype(np.float32)


def vae_samples(vae, count: int, seed: int = 0) -> np.ndarray:
    """Pixel probabilities decoded from ``count`` prior draws z ~ N(0, I) (``prior_codes``)."""
    return vae_decode(vae, prior_codes(count, vae.latent_size, seed))


def vae_bernoulli_samples(vae, count: int, seed: int = 0) -> np.ndarray:
    """Binary images x ~ p(x | z) for the same prior draws z as ``vae_samples`` with this seed.

    Each pixel is 1 with the decoder's probability: a sample of the VAE's model of binarised
    digits, where ``vae_samples`` shows its conditional mean E[x | z].
    """
    probabilities = vae_samples(vae, count, seed)
    uniform = np.random.default_rng([seed, 1]).random(probabilities.shape, dtype=np.float32)
    return (uniform < probabilities).astype(np.float32)


# Shown in the chapter on generative adversarial networks (book/gan.md).
def truncated_noise(count: int, size: int, threshold: float,
                    seed: int = 0) -> np.ndarray:
    """``count`` draws of z ~ N(0, I) in ``size`` dimensions, each
    coordinate conditioned on |z_i| <= ``threshold``: the truncation trick
    of Brock et al. (2019).
    """
    if not threshold > 0:
        raise ValueError(
            f"the truncation threshold must be > 0, got {threshold}")
    rng = np.random.default_rng(seed)
    z = stats.truncnorm.rvs(-threshold, threshold, size=(count, size),
                            random_state=rng)
    return z.astype(np.float32)


def truncated_pixel_gan_samples(pixel_gan, count: int, threshold: float,
                                seed: int = 0) -> np.ndarray:
    """Images from a pixel-space generator fed truncated noise (``truncated_noise``)."""
    z = truncated_noise(count, pixel_gan.noise_size, threshold, seed)
    return _decode(pixel_gan.generator, z)


def latent_gan_samples(latent_gan, autoencoder, count: int, seed: int = 0) -> np.ndarray:
    """Codes from the GAN on autoencoder codes, decoded by the autoencoder's decoder."""
    return autoencoder_decode(autoencoder, latent_gan.sample(count, seed=seed))


def pixel_gan_samples(pixel_gan, count: int, seed: int = 0) -> np.ndarray:
    """Images straight from a pixel-space generator."""
    return np.clip(pixel_gan.sample(count, seed=seed), 0.0, 1.0).astype(np.float32)


def talk_random_code_samples(autoencoder, training_codes: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """The talk's attempt: codes ~ N(mean, std = variance) of all code entries, decoded.

    The talk passed the variance where NumPy expects a standard deviation; see the autoencoder chapter.
    """
    codes = np.asarray(training_codes, np.float64)
    rng = np.random.default_rng(seed)
    random_codes = rng.normal(codes.mean(), codes.var(), size=(count, codes.shape[1])).astype(np.float32)
    return _decode(autoencoder.decoder, random_codes)
