"""Variational autoencoders: a Gaussian encoder q(z|x) = N(mu, diag(exp(log_var))), a Bernoulli decoder.

The encoder outputs the mean ``mu`` and the *log-variance* ``log_var`` of q(z|x); samples are
z = mu + exp(log_var / 2) * eps with eps ~ N(0, I) (the reparameterisation trick). The decoder
outputs Bernoulli logits for the 784 pixels. Training maximises the evidence lower bound on
dynamically binarised images (each pixel redrawn as Bernoulli(intensity) every time it is seen).

One ``VAE`` class, in the style of the Keras VAE example, serves both of the book's VAEs: its
builders give it the networks. ``build_conv_vae`` makes the convolutional VAE for the
cats-vs-dogs photographs: the same Gaussian encoder and reparameterisation, and a Bernoulli
likelihood on grey levels in [0, 1] (common for images, though pixels are not binary).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models import noise
from ganbook.models.likelihoods import bernoulli_log_likelihood

INPUT_SIZE = 784


# Shown in the chapter on variational autoencoders (book/vae.md).
class Sampling(keras.layers.Layer):
    """The reparameterisation trick: z = mu + sigma * eps with eps ~ N(0, I).

    sigma = exp(log_var / 2); the noise is seeded, for reproducibility.
    """

    def __init__(self, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mu, log_var = inputs
        eps = noise.normal(tf.shape(mu), self.seed_generator)
        return mu + tf.exp(0.5 * log_var) * eps


# Shown in the chapter on variational autoencoders (book/vae.md).
def kl_to_standard_normal(mu, log_var):
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) in closed form, per example.

    Summed over the latent dimensions (the last axis).
    """
    return 0.5 * tf.reduce_sum(
        tf.square(mu) + tf.exp(log_var) - 1.0 - log_var, axis=-1)


# Shown in the chapter on variational autoencoders (book/vae.md).
def binarize(x, seed_generator):
    """Dynamic binarisation: pixel j becomes 1 with probability x_j."""
    return tf.cast(noise.uniform(tf.shape(x), seed_generator) < x, x.dtype)


class VAE(keras.Model):
    """A VAE from an encoder body (its output feeds two dense heads, the mean ``mu`` and the
    log-variance ``log_var`` of q(z | x)) and a decoder (codes to Bernoulli logits, one per pixel),
    as in the Keras VAE example; ``build_vae`` and ``build_conv_vae`` make the book's two.

    ``binarize_inputs``: each training batch is binarised afresh (dynamic binarisation, for
    MNIST); otherwise the pixels' grey levels are the Bernoulli targets. The history, in nats per
    image: ``loss`` = -ELBO, ``reconstruction`` = E_q log p(x | z), a log-likelihood (the ELBO's
    first term), and ``kl`` = KL(q(z | x) || p(z)), so that loss = kl - reconstruction.
    """

    def __init__(self, encoder_body: keras.Model, decoder: keras.Model, latent_size: int, seed: int = 0,
                 binarize_inputs: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.latent_size = latent_size
        self.encoder_body = encoder_body
        self.to_mu = keras.layers.Dense(latent_size, name="mu")
        self.to_log_var = keras.layers.Dense(latent_size, name="log_var")
        self.decoder = decoder
        self.sampling = Sampling(seed)
        self.binarizer = keras.random.SeedGenerator(seed + 1) if binarize_inputs else None
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "reconstruction", "kl")}

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

    # Shown in the chapter on variational autoencoders (book/vae.md).
    def elbo_terms(self, x):
        """Per image, the ELBO's terms: (log p(x | z), KL(q(z | x) || p(z))).

        One reparameterised sample z per image; the KL is exact. The
        log-likelihood sums over all of an image's pixels (and channels).
        """
        mu, log_var = self.encode(x)
        z = self.sampling([mu, log_var])
        pixels = list(range(1, len(x.shape)))
        return (bernoulli_log_likelihood(x, self.decoder(z), axis=pixels),
                kl_to_standard_normal(mu, log_var))

    # -- Keras training interface
    @property
    def metrics(self):
        return list(self.trackers.values())

    def _update(self, loss, reconstruction, kl):
        values = {"loss": loss, "reconstruction": tf.reduce_mean(reconstruction), "kl": tf.reduce_mean(kl)}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # Shown in the chapter on variational autoencoders (book/vae.md).
    def train_step(self, x):
        """One optimiser step on a batch's negative ELBO."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(x)
        if self.binarizer is not None:
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
        reconstruction, kl = self.elbo_terms(x)  # the test set is fixed: no binarising
        return self._update(-tf.reduce_mean(reconstruction - kl), reconstruction, kl)


def build_vae(latent_size: int = 20, hidden: tuple[int, ...] = (500, 500), seed: int = 0) -> VAE:
    """The MNIST VAE: ``hidden``-unit softplus layers in the encoder and the mirrored decoder,
    on flat 784-pixel images, binarised afresh for each training batch."""
    layers = [keras.Input((INPUT_SIZE,))]
    layers += [keras.layers.Dense(units, activation="softplus") for units in hidden]
    encoder_body = keras.Sequential(layers, name="encoder")
    layers = [keras.Input((latent_size,))]
    layers += [keras.layers.Dense(units, activation="softplus") for units in reversed(hidden)]
    layers += [keras.layers.Dense(INPUT_SIZE, name="logits")]
    model = VAE(encoder_body, keras.Sequential(layers, name="decoder"), latent_size, seed)
    model(tf.zeros((1, INPUT_SIZE)))  # create every weight (encoder, both heads, decoder)
    return model


# Shown in the chapter on cats and dogs (book/cats-dogs.md).
def build_conv_vae(size: int = 32, latent_size: int = 64, width: int = 32,
                   seed: int = 0) -> VAE:
    """The cats-and-dogs VAE: q(z | x) by strided convolutions, p(x | z) by
    transposed ones, on size x size colour images whose grey levels are the
    Bernoulli targets."""
    if size % 4:
        raise ValueError(f"size must be divisible by 4, got {size}")
    layers, quarter = keras.layers, size // 4
    encoder_body = keras.Sequential([
        keras.Input((size, size, 3)),
        layers.Conv2D(width, 4, strides=2, padding="same", activation="relu"),
        layers.Conv2D(2 * width, 4, strides=2, padding="same",
                      activation="relu"),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((latent_size,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(quarter * quarter * 2 * width, activation="relu"),
        layers.Reshape((quarter, quarter, 2 * width)),
        layers.Conv2DTranspose(width, 4, strides=2, padding="same",
                               activation="relu"),
        layers.Conv2DTranspose(3, 4, strides=2, padding="same"),  # logits
    ], name="decoder")
    model = VAE(encoder_body, decoder, latent_size, seed, binarize_inputs=False)
    model(tf.zeros((1, size, size, 3)))
    return model
