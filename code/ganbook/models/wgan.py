"""Wasserstein GANs with the gradient penalty (WGAN-GP, Gulrajani et al. 2017).

The critic f scores examples with an unbounded real number. By the Kantorovich–Rubinstein
duality, W1(p_d, p_g) = sup over 1-Lipschitz f of E_{p_d} f - E_{p_g} f; the critic climbs that
difference while a penalty keeps its slope near 1 on points between real and generated examples:

    critic:     E f(G(z)) - E f(x) + lambda E (|grad f(x_hat)| - 1)^2,  x_hat = e x + (1 - e) G(z)
    generator:  -E f(G(z))

with e ~ U[0, 1] per example. Each generator step follows ``critic_steps`` critic steps, each on a
real batch of its own. The generator, its sampling and its weight averaging are those of
``ganbook.models.gan.GAN``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models import noise as random_numbers
from ganbook.models.gan import GAN, FixedScale, build_latent_gan, dense_network


# Shown in the chapter on divergences (book/divergences.md).
def critic_loss(real_scores, fake_scores):
    """E f(G(z)) - E f(x): the negative of the critic's estimate of W1."""
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """-E f(G(z)): the generator raises the critic's score of its samples."""
    return -tf.reduce_mean(fake_scores)


# Shown in the chapter on divergences (book/divergences.md).
def gradient_penalty(critic, real, fake, mixing, scale=1.0):
    """The penalty E (|grad f(x_hat) * scale| - 1)^2.

    x_hat = mixing * real + (1 - mixing) * fake, where ``mixing`` holds one
    number in [0, 1] per example, shape (batch, 1).
    ``scale`` (one number per feature, or 1) measures distances as
    |(x - y) / scale|, in which f's slope is grad f * scale.
    """
    between = mixing * real + (1.0 - mixing) * fake
    with tf.GradientTape() as tape:
        tape.watch(between)
        # each score depends on its own example only
        score_sum = tf.reduce_sum(critic(between, training=True))
    # grad f(x_hat), by rows, in units of the scale
    slopes = tape.gradient(score_sum, between) * scale
    norms = tf.norm(
        tf.reshape(slopes, (tf.shape(between)[0], -1)), axis=1)
    return tf.reduce_mean(tf.square(norms - 1.0))


class WassersteinGAN(GAN):
    """A generator and a critic (the discriminator's network, read as f), trained as WGAN-GP.

    ``critic_steps`` critic steps per generator step; a training batch holds their real
    examples together and is split into ``critic_steps`` equal parts (the remainder of a batch
    that does not divide is left out). ``penalty`` is lambda. Distances, and so the critic's
    slopes, are measured in units of ``distance_scale``, a fixed per-feature scale (1 unless set,
    as ``set_code_scale`` does for codes).
    """

    def __init__(self, generator: keras.Model, critic: keras.Model, noise_size: int, seed: int = 0,
                 critic_steps: int = 5, penalty: float = 10.0, average_decay: float = 0.0, **kwargs):
        super().__init__(generator, critic, noise_size, seed, average_decay=average_decay, **kwargs)
        if critic_steps < 1:
            raise ValueError(f"critic_steps must be at least 1, got {critic_steps}")
        if penalty < 0:
            raise ValueError(f"the gradient penalty's weight must be >= 0, got {penalty}")
        self.critic_steps, self.penalty = int(critic_steps), float(penalty)
        self.distance_scale = FixedScale(name="distance_scale")
        self.distance_scale.build((None, critic.input_shape[-1]))
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("critic_loss", "g_loss", "w_estimate", "gradient_penalty")}

    @property
    def critic(self) -> keras.Model:
        return self.discriminator

    def set_code_scale(self, codes) -> None:
        """The GAN's code scale, also as the unit of distance: the critic's slope is measured on
        standardised codes."""
        super().set_code_scale(codes)
        self.distance_scale.scale.assign(self.generator.get_layer("to_code_scale").scale)

    # Shown in the chapter on divergences (book/divergences.md).
    def _critic_step(self, real):
        """One Adam step of the critic on ``critic_loss``
        + lambda * ``gradient_penalty``.
        """
        batch_size = tf.shape(real)[0]
        fake = self.generator(self.noise(batch_size), training=True)
        mixing = random_numbers.uniform((batch_size, 1), self.noise_seed)
        with tf.GradientTape() as tape:
            real_scores = self.critic(real, training=True)
            fake_scores = self.critic(fake, training=True)
            loss = critic_loss(real_scores, fake_scores)
            penalty = gradient_penalty(self.critic, real, fake, mixing,
                                       self.distance_scale.scale)
            total = loss + self.penalty * penalty
        variables = self.critic.trainable_variables
        self.d_optimizer.apply_gradients(
            zip(tape.gradient(total, variables), variables))
        return -loss, penalty

    def _generator_step(self, batch_size):
        """One Adam step of G on ``wasserstein_generator_loss``, then of the average."""
        with tf.GradientTape() as tape:
            fake = self.generator(self.noise(batch_size), training=True)
            g_loss = wasserstein_generator_loss(self.critic(fake, training=True))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
        self.update_generator_average()
        return g_loss

    # Shown in the chapter on divergences (book/divergences.md).
    def train_step(self, real):
        """``critic_steps`` critic steps, each on its own part of the batch,
        then one G step.
        """
        real, _, _ = keras.utils.unpack_x_y_sample_weight(real)
        part = tf.shape(real)[0] // self.critic_steps
        for i in range(self.critic_steps):
            w_estimate, penalty = self._critic_step(
                real[i * part:(i + 1) * part])
            self.trackers["w_estimate"].update_state(w_estimate)
            self.trackers["gradient_penalty"].update_state(penalty)
            self.trackers["critic_loss"].update_state(
                -w_estimate + self.penalty * penalty)
        self.trackers["g_loss"].update_state(self._generator_step(part))
        return {name: tracker.result()
                for name, tracker in self.trackers.items()}


def build_wgan(generator: keras.Model, critic: keras.Model, noise_size: int, critic_steps: int,
               penalty: float, seed: int = 0, average_decay: float = 0.0) -> WassersteinGAN:
    """A WGAN-GP around a built generator and critic, with every weight created."""
    model = WassersteinGAN(generator, critic, noise_size, seed, critic_steps=critic_steps, penalty=penalty,
                           average_decay=average_decay)
    model(tf.zeros((1, noise_size)))
    return model


def build_ring_wgan(noise_size: int = 16, hidden: tuple[int, ...] = (128, 128), critic_steps: int = 5,
                    penalty: float = 0.1, seed: int = 0) -> WassersteinGAN:
    """The ring GANs' two dense networks (noise -> R^2; R^2 -> score), trained as WGAN-GP.

    The recipe ``ring-wgan-gp`` sets ``penalty`` = 1, not this default.
    """
    generator = dense_network(noise_size, hidden, 2, name="generator")
    critic = dense_network(2, hidden, 1, name="critic")
    return build_wgan(generator, critic, noise_size, critic_steps, penalty, seed)


def build_latent_wgan(code_size: int = 100, noise_size: int = 32, hidden: tuple[int, ...] = (512, 512),
                      critic_steps: int = 5, penalty: float = 10.0, seed: int = 0,
                      average_decay: float = 0.0, compute_dtype: str = "float32") -> WassersteinGAN:
    """The latent GAN's generator and discriminator networks (``ganbook.models.gan.build_latent_gan``,
    codes on their own scale, hidden layers in ``compute_dtype``), trained as WGAN-GP;
    its ``set_code_scale`` applies."""
    networks = build_latent_gan(code_size, noise_size, hidden, seed, compute_dtype=compute_dtype)
    return build_wgan(networks.generator, networks.discriminator, noise_size, critic_steps, penalty, seed,
                      average_decay)
