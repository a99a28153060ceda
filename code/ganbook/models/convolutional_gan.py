"""DCGANs on pixels: small convolutional GANs for 28 x 28 digits and for 32 x 32 pet photographs
(``ganbook.models.gan.GAN`` models, in the style of Radford et al., 2016).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models.gan import GAN, compute_precision


# Shown in the chapter on generative adversarial networks (book/gan.md).
def strided_convolutions(widths: list[int], batch_norm: bool = False) -> list:
    """A discriminator's body: 4x4 convolutions of stride 2 with ``widths``
    filters, each followed by a leaky ReLU (slope 0.2); with ``batch_norm``,
    a batch normalisation before every activation but the first."""
    body = []
    for index, width in enumerate(widths):
        body.append(keras.layers.Conv2D(width, 4, strides=2, padding="same"))
        if batch_norm and index > 0:
            body.append(keras.layers.BatchNormalization())
        body.append(keras.layers.LeakyReLU(0.2))
    return body


# Shown in the chapter on generative adversarial networks (book/gan.md).
def build_dcgan(noise_size: int = 64, width: int = 32, seed: int = 0,
                average_decay: float = 0.0,
                discriminator_batch_norm: bool = False,
                compute_dtype: str = "float32") -> GAN:
    """A small DCGAN for 28x28 digits, flat 784-pixel images at its ends.

    ``discriminator_batch_norm``: batch normalisation after D's second
    convolution (``strided_convolutions``), as in Radford et al. (2016),
    whose discriminators normalise every layer but the first.
    ``average_decay``: see ``GAN``. ``compute_dtype``: see
    ``compute_precision``.
    """
    layers = keras.layers
    with compute_precision(compute_dtype):
        generator = keras.Sequential([
            keras.Input((noise_size,)),
            layers.Dense(7 * 7 * 2 * width),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((7, 7, 2 * width)),
            layers.Conv2DTranspose(width, 4, strides=2, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(1, 4, strides=2, padding="same"),
            layers.Reshape((784,)),
            layers.Activation("sigmoid", dtype="float32"),
        ], name="generator")
        discriminator = keras.Sequential([
            keras.Input((784,)),
            layers.Reshape((28, 28, 1)),
            *strided_convolutions([width, 2 * width],
                                  discriminator_batch_norm),
            layers.Flatten(),
            layers.Dense(1, dtype="float32"),
        ], name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed,
              average_decay=average_decay)
    gan(tf.zeros((1, noise_size)))
    return gan


def build_pet_dcgan(size: int = 32, noise_size: int = 100, width: int = 32, seed: int = 0,
                    compute_dtype: str = "float32") -> GAN:
    """Generator: dense to (size/8)^2 x 4w maps, three stride-2 transposed convs to size x size x 3 (sigmoid).
    Discriminator: three stride-2 convs with leaky ReLUs and a linear logit.

    ``seed`` seeds the GAN's noise; the initial weights come from the global seed, which the
    caller sets (the model cache seeds with the recipe's seed before it builds).
    ``compute_dtype``: see ``compute_precision``."""
    if size % 8:
        raise ValueError(f"size must be divisible by 8, got {size}")
    start = size // 8
    layers = keras.layers
    with compute_precision(compute_dtype):
        generator = keras.Sequential([
            keras.Input((noise_size,)),
            layers.Dense(start * start * 4 * width),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((start, start, 4 * width)),
            layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(width, 4, strides=2, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(3, 4, strides=2, padding="same"),
            layers.Activation("sigmoid", dtype="float32"),
        ], name="generator")
        discriminator = keras.Sequential([
            keras.Input((size, size, 3)),
            *strided_convolutions([width, 2 * width, 4 * width]),
            layers.Flatten(),
            layers.Dense(1, dtype="float32"),
        ], name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed)
    gan(tf.zeros((1, noise_size)))
    return gan
