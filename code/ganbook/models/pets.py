"""Models for the downscaled cats-vs-dogs photographs (size x size x 3, pixels in [0, 1]).

- a small convolutional cat/dog classifier with built-in augmentation (random flips and shifts,
  active only in training) whose dense ``"features"`` layer embeds images for the Fréchet distance;
- a convolutional VAE, in the style of the Keras VAE example, with a Bernoulli (binary
  cross-entropy) likelihood on grey levels as is common for images in [0, 1]; its history keys
  mean what they mean for :class:`ganbook.models.vae.VAE`;
- a DCGAN generator and discriminator sized for a CPU, trained with :class:`ganbook.models.gan.GAN`.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models.gan import GAN
from ganbook.models.likelihoods import bernoulli_log_likelihood
from ganbook.models.vae import Sampling, kl_to_standard_normal

CLASSES = 2
FEATURE_LAYER = "features"


def build_pet_classifier(size: int = 32, width: int = 32, features: int = 128, shift: float = 0.1,
                         dropout: float = 0.3) -> keras.Model:
    """Flip + shift augmentation, three 3x3 conv + max-pool stages (width, 2x, 4x channels), logits.

    Global average pooling and dropout before the 128-unit feature layer keep the parameter count
    small: with 2,000 training images, a larger head overfits.
    """
    inputs = keras.Input((size, size, 3), name="pixels")
    h = keras.layers.RandomFlip("horizontal", seed=1)(inputs)
    h = keras.layers.RandomTranslation(shift, shift, fill_mode="reflect", seed=2)(h)
    for multiple in (1, 2, 4):
        h = keras.layers.Conv2D(multiple * width, 3, padding="same", activation="relu")(h)
        h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    h = keras.layers.Dropout(dropout, seed=3)(h)
    h = keras.layers.Dense(features, activation="relu", name=FEATURE_LAYER)(h)
    outputs = keras.layers.Dense(CLASSES, name="output")(h)
    return keras.Model(inputs, outputs, name="pet_classifier")


class ConvVAE(keras.Model):
    """q(z | x) by strided convolutions, p(x | z) by transposed convolutions.

    Its history, as the :class:`~ganbook.models.vae.VAE`'s, in nats per image: ``loss`` = -ELBO,
    ``reconstruction`` = E_q log p(x | z) (a log-likelihood: minus the summed binary cross-entropy)
    and ``kl`` = KL(q(z | x) || p(z)), so that loss = kl - reconstruction.
    """

    def __init__(self, size: int = 32, latent_size: int = 64, width: int = 32, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if size % 4:
            raise ValueError(f"size must be divisible by 4, got {size}")
        self.size, self.latent_size = size, latent_size
        self.encoder_body = keras.Sequential([
            keras.Input((size, size, 3)),
            keras.layers.Conv2D(width, 4, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2D(2 * width, 4, strides=2, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu"),
        ], name="encoder")
        self.to_mu = keras.layers.Dense(latent_size, name="mu")
        self.to_log_var = keras.layers.Dense(latent_size, name="log_var")
        quarter = size // 4
        self.decoder = keras.Sequential([
            keras.Input((latent_size,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(quarter * quarter * 2 * width, activation="relu"),
            keras.layers.Reshape((quarter, quarter, 2 * width)),
            keras.layers.Conv2DTranspose(width, 4, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same"),
        ], name="decoder")  # outputs logits
        self.sampling = Sampling(seed=seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "reconstruction", "kl")}

    def encode(self, x):
        h = self.encoder_body(x)
        return self.to_mu(h), self.to_log_var(h)

    def decode(self, z):
        """Pixel means in [0, 1]."""
        return tf.sigmoid(self.decoder(z))

    def call(self, x, training=False):
        mu, log_var = self.encode(x)
        return self.decode(self.sampling([mu, log_var]))

    def elbo_terms(self, x):
        """Per-image (reconstruction log-likelihood, KL) with one reparameterised sample."""
        mu, log_var = self.encode(x)
        logits = self.decoder(self.sampling([mu, log_var]))
        return bernoulli_log_likelihood(x, logits, axis=[1, 2, 3]), kl_to_standard_normal(mu, log_var)

    def _batch_means(self, x):
        reconstruction, kl = self.elbo_terms(x)
        return tf.reduce_mean(reconstruction), tf.reduce_mean(kl)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _update(self, reconstruction, kl):
        for name, value in (("loss", kl - reconstruction), ("reconstruction", reconstruction), ("kl", kl)):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            reconstruction, kl = self._batch_means(x)
            loss = kl - reconstruction  # the negative ELBO
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return self._update(reconstruction, kl)

    def test_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self._update(*self._batch_means(x))


def build_conv_vae(size: int = 32, latent_size: int = 64, width: int = 32, seed: int = 0) -> ConvVAE:
    model = ConvVAE(size, latent_size, width, seed)
    model(tf.zeros((1, size, size, 3)))
    return model


def build_pet_dcgan(size: int = 32, noise_size: int = 100, width: int = 32, seed: int = 0) -> GAN:
    """Generator: dense to (size/8)^2 x 4w maps, three stride-2 transposed convs to size x size x 3 (sigmoid).
    Discriminator: three stride-2 convs with leaky ReLUs and a linear logit.

    ``seed`` seeds the GAN's noise; the initial weights come from the global seed, which the
    caller sets (the model cache seeds with the recipe's seed before it builds)."""
    if size % 8:
        raise ValueError(f"size must be divisible by 8, got {size}")
    start = size // 8
    generator = keras.Sequential([
        keras.Input((noise_size,)),
        keras.layers.Dense(start * start * 4 * width),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Reshape((start, start, 4 * width)),
        keras.layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(width, 4, strides=2, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="sigmoid"),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input((size, size, 3)),
        keras.layers.Conv2D(width, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(2 * width, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(4 * width, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Flatten(),
        keras.layers.Dense(1),
    ], name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed)
    gan(tf.zeros((1, noise_size)))
    return gan
