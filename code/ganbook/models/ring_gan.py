"""Small GANs for 2-d toy data, optionally with the R1 gradient penalty of Mescheder et al. (2018).

R1 adds (gamma / 2) E_{x ~ p_d} |grad_x l(x)|^2 to the discriminator's loss (l = D's logit): it
stops D from growing steep slopes around the data, which is what makes the Dirac-GAN converge,
and it is one remedy for the mode hopping of a plain GAN on the ring of Gaussians.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models.gan import GAN, dense_network, discriminator_loss, generator_loss


class R1GAN(GAN):
    """A :class:`GAN` whose discriminator step adds the R1 penalty on real data (gamma = 0: a plain GAN)."""

    def __init__(self, *args, r1: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.r1 = float(r1)

    def train_step(self, real):
        real = real[0] if isinstance(real, tuple) else real
        batch_size = tf.shape(real)[0]
        fake = self.generator(self.noise(batch_size), training=True)
        with tf.GradientTape() as tape:
            with tf.GradientTape() as inner:
                inner.watch(real)
                real_logits = self.discriminator(real, training=True)
                logit_sum = tf.reduce_sum(real_logits)  # each logit depends on its own x only
            slopes = inner.gradient(logit_sum, real)
            penalty = 0.5 * self.r1 * tf.reduce_mean(tf.reduce_sum(tf.square(slopes), axis=1))
            fake_logits = self.discriminator(fake, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
            total = d_loss + penalty
        grads = tape.gradient(total, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
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


def build_ring_gan(noise_size: int = 16, hidden: tuple[int, ...] = (128, 128), r1: float = 0.0, seed: int = 0) -> R1GAN:
    """Dense leaky-ReLU generator (noise -> R^2, linear output) and discriminator (R^2 -> logit)."""
    keras.utils.set_random_seed(seed)
    generator = dense_network(noise_size, hidden, 2, name="generator")
    discriminator = dense_network(2, hidden, 1, name="discriminator")
    gan = R1GAN(generator, discriminator, noise_size, seed, r1=r1)
    gan(tf.zeros((1, noise_size)))
    return gan
