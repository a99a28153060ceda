"""Generative adversarial networks: a GAN on autoencoder codes and a small pixel-space DCGAN.

Both are trained with the losses written on the discriminator's *logits* (numerically stable:
``log sigmoid(l) = -softplus(-l)``) and the non-saturating generator loss -log D(G(z)):

    discriminator:  -log D(x) - log(1 - D(G(z)))  =  softplus(-l_real) + softplus(l_fake)
    generator:      -log D(G(z))                  =  softplus(-l_fake)

The discriminator's fake input is G(z), never z itself (the talk's defect).
"""

from __future__ import annotations

import keras
import tensorflow as tf


def discriminator_loss(real_logits, fake_logits):
    """The negative of the value function's discriminator terms, per batch."""
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))


def generator_loss(fake_logits):
    """The non-saturating generator loss -log D(G(z))."""
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


class GAN(keras.Model):
    """A generator G: z -> x and a discriminator D: x -> logit, trained by alternating Adam steps."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, noise_size: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.noise_size = noise_size
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_real", "d_fake")}

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def noise(self, batch_size):
        return keras.random.normal((batch_size, self.noise_size), seed=self.noise_seed)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def sample(self, count: int, seed: int = 0):
        """``count`` generated examples from a fixed seed (numpy)."""
        z = tf.random.stateless_normal((count, self.noise_size), seed=(seed, 0))
        return self.generator(z, training=False).numpy()

    def train_step(self, real):
        real = real[0] if isinstance(real, tuple) else real
        batch_size = tf.shape(real)[0]
        # 1. discriminator step: real data against G(z)
        fake = self.generator(self.noise(batch_size), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        # 2. generator step through the updated discriminator
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(self.noise(batch_size), training=True), training=True)
            g_loss = generator_loss(fake_logits)
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        values = {"d_loss": d_loss, "g_loss": g_loss, "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                  "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


class FixedScale(keras.layers.Layer):
    """Multiply by a per-feature scale that is set from data once and never trained (but is saved)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", trainable=False, name="scale")

    def call(self, inputs):
        return inputs * self.scale


def dense_network(input_size: int, hidden: tuple[int, ...], output_size: int, output_activation=None,
                  hidden_activation="leaky_relu", name: str = "mlp") -> keras.Model:
    layers = [keras.Input((input_size,))]
    layers += [keras.layers.Dense(units, activation=hidden_activation) for units in hidden]
    layers += [keras.layers.Dense(output_size, activation=output_activation)]
    return keras.Sequential(layers, name=name)


def build_latent_gan(code_size: int = 100, noise_size: int = 100, hidden: tuple[int, ...] = (256, 256),
                     seed: int = 0) -> GAN:
    """A GAN in an autoencoder's code space: codes are ReLU outputs, so G ends in a ReLU too.

    Both networks work on codes divided by a per-unit scale (see :func:`set_code_scale`): G's
    last layer multiplies by it and D's first layer divides by it, so G(z) lives on the codes'
    own scale while both networks see numbers of order one.
    """
    generator = keras.Sequential([dense_network(noise_size, hidden, code_size, output_activation="relu",
                                                name="generator_body"), FixedScale(name="to_code_scale")],
                                 name="generator")
    discriminator = keras.Sequential([keras.Input((code_size,)), FixedScale(name="from_code_scale"),
                                      dense_network(code_size, hidden, 1, name="discriminator_body")],
                                     name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed)
    gan(tf.zeros((1, noise_size)))
    discriminator(tf.zeros((1, code_size)))
    return gan


def set_code_scale(model: GAN, codes) -> None:
    """Set the latent GAN's fixed scale to the per-unit standard deviation of real codes (1 for dead units)."""
    import numpy as np

    std = np.asarray(codes).std(axis=0)
    scale = np.where(std > 1e-6, std, 1.0).astype("float32")
    model.generator.get_layer("to_code_scale").scale.assign(scale)
    model.discriminator.get_layer("from_code_scale").scale.assign(1.0 / scale)


def build_dcgan(noise_size: int = 64, width: int = 32, seed: int = 0) -> GAN:
    """A small DCGAN for 28x28 digits, flattened to 784 at the boundary so it shares the dense pipeline."""
    generator = keras.Sequential([
        keras.Input((noise_size,)),
        keras.layers.Dense(7 * 7 * 2 * width),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Reshape((7, 7, 2 * width)),
        keras.layers.Conv2DTranspose(width, 4, strides=2, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),
        keras.layers.Reshape((784,)),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Reshape((28, 28, 1)),
        keras.layers.Conv2D(width, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(2 * width, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Flatten(),
        keras.layers.Dense(1),
    ], name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed)
    gan(tf.zeros((1, noise_size)))
    return gan
