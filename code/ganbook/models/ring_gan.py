"""Small GANs for 2-d toy data, optionally with the R1 gradient penalty of Mescheder et al. (2018).

R1 adds (gamma / 2) E_{x ~ p_d} |grad_x l(x)|^2 to the discriminator's loss (l = D's logit): it
stops D from growing steep slopes around the data, which is what makes the Dirac-GAN converge,
and it is one remedy for the mode hopping of a plain GAN on the ring of Gaussians. The penalty
itself lives in ``ganbook.models.gan.GAN``.
"""

from __future__ import annotations

import tensorflow as tf

from ganbook.models.gan import GAN, dense_network


def build_ring_gan(noise_size: int = 16, hidden: tuple[int, ...] = (128, 128), r1: float = 0.0,
                   seed: int = 0) -> GAN:
    """Dense leaky-ReLU generator (noise -> R^2, linear output) and discriminator (R^2 -> logit);
    r1 = 0: plain.

    ``seed`` seeds the GAN's noise; the initial weights come from the global seed, which the
    caller sets (the model cache seeds with the recipe's seed before it builds).
    """
    generator = dense_network(noise_size, hidden, 2, name="generator")
    discriminator = dense_network(2, hidden, 1, name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed, r1=r1)
    gan(tf.zeros((1, noise_size)))
    return gan
