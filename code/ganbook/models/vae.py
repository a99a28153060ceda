"""Variational autoencoders: a Gaussian encoder q(z|x) = N(mu, diag(exp(log_var))), a Bernoulli decoder.

The encoder outputs the mean ``mu`` and the *log-variance* ``log_var`` of q(z|x); samples are
z = mu + exp(log_var / 2) * eps with eps ~ N(0, I) (the reparameterisation trick). The decoder
outputs Bernoulli logits for the 784 pixels. Training maximises the evidence lower bound on
dynamically binarised images (each pixel redrawn as Bernoulli(intensity) every time it is seen).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models import noise
from ganbook.models.likelihoods import bernoulli_log_likelihood

INPUT_SIZE = 784


class Sampling(keras.layers.Layer):
    """The reparameterisation trick: z = mu + sigma * eps with eps ~ N(0, I).

    sigma = exp(log_var / 2); the noise is seeded, for reproducibility.
    Shown in the chapter on variational autoencoders (book/vae.md).
    """

    def __init__(self, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mu, log_var = inputs
        eps = noise.normal(tf.shape(mu), self.seed_generator)
        return mu + tf.exp(0.5 * log_var) * eps


def kl_to_standard_normal(mu, log_var):
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) in closed form, per example.

    Summed over the latent dimensions (the last axis).
    Shown in the chapter on variational autoencoders (book/vae.md).
    """
    return 0.5 * tf.reduce_sum(
        tf.square(mu) + tf.exp(log_var) - 1.0 - log_var, axis=-1)


def binarize(x, seed_generator):
    """Dynamic binarisation: pixel j becomes 1 with probability x_j.

    Shown in the chapter on variational autoencoders (book/vae.md).
    """
    return tf.cast(noise.uniform(tf.shape(x), seed_generator) < x, x.dtype)


class VAE(keras.Model):
    """A VAE with ``hidden``-unit softplus layers in the encoder and the mirrored decoder."""

    def __init__(self, latent_size: int = 20, hidden: tuple[int, ...] = (500, 500), seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.latent_size = latent_size
        layers = [keras.Input((INPUT_SIZE,))]
        layers += [keras.layers.Dense(units, activation="softplus") for units in hidden]
        self.encoder_body = keras.Sequential(layers, name="encoder")
        self.to_mu = keras.layers.Dense(latent_size, name="mu")
        self.to_log_var = keras.layers.Dense(latent_size, name="log_var")
        layers = [keras.Input((latent_size,))]
        layers += [keras.layers.Dense(units, activation="softplus") for units in reversed(hidden)]
        layers += [keras.layers.Dense(INPUT_SIZE, name="logits")]
        self.decoder = keras.Sequential(layers, name="decoder")
        self.sampling = Sampling(seed)
        self.binarizer = keras.random.SeedGenerator(seed + 1)
        # loss: -ELBO; reconstruction: E_q log p(x | z), a log-likelihood (the ELBO's first term);
        # kl: KL(q(z | x) || p(z)); all in nats per image
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    # -- the model's pieces
    def encode(self, x):
        """(mu, log_var) of q(z | x)."""
        h = self.encoder_body(x)
        return self.to_mu(h), self.to_log_var(h)

    def decode(self, z):
        """Bernoulli means (pixel probabilities) of p(x | z)."""
        return tf.sigmoid(self.decoder(z))

    def call(self, x, training=False):
        mu, log_var = self.encode(x)
        return self.decode(self.sampling([mu, log_var]))

    def elbo_terms(self, x):
        """Per image, the ELBO's terms: (log p(x | z), KL(q(z | x) || p(z))).

        One reparameterised sample z per image; the KL is exact. x is binary.
        Shown in the chapter on variational autoencoders (book/vae.md).
        """
        mu, log_var = self.encode(x)
        z = self.sampling([mu, log_var])
        return (bernoulli_log_likelihood(x, self.decoder(z)),
                kl_to_standard_normal(mu, log_var))

    # -- Keras training interface
    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def _update(self, loss, reconstruction, kl):
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(tf.reduce_mean(reconstruction))
        self.kl_tracker.update_state(tf.reduce_mean(kl))
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, x):
        """One optimiser step on a batch's negative ELBO, freshly binarised.

        Shown in the chapter on variational autoencoders (book/vae.md).
        """
        x, _, _ = keras.utils.unpack_x_y_sample_weight(x)
        x = binarize(x, self.binarizer)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.elbo_terms(x)
            # the negative ELBO, in nats per image
            loss = -tf.reduce_mean(reconstruction - kl)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        return self._update(loss, reconstruction, kl)

    def test_step(self, x):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(x)
        reconstruction, kl = self.elbo_terms(x)  # x already binary
        return self._update(-tf.reduce_mean(reconstruction - kl), reconstruction, kl)


def build_vae(latent_size: int = 20, hidden: tuple[int, ...] = (500, 500), seed: int = 0) -> VAE:
    model = VAE(latent_size, tuple(hidden), seed)
    model(tf.zeros((1, INPUT_SIZE)))  # create every weight (encoder, both heads, decoder)
    return model
