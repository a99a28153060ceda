"""The log-densities of the VAEs, shared by the models (training objectives) and ``metrics`` (IWAE bound).

A leaf: it imports TensorFlow only, so ``metrics`` may use it and still judge any model without
depending on model code. Both work on logits or log-variances, never on probabilities or variances,
so they stay finite where a sigmoid rounds to 0 or 1.
"""

from __future__ import annotations

import math

import tensorflow as tf

LOG_2PI = math.log(2.0 * math.pi)


# Shown in the chapter on variational autoencoders (book/vae.md).
def bernoulli_log_likelihood(x, logits, axis=-1):
    """log p(x | logits) of independent Bernoulli pixels, summed over ``axis``.

    sum_j x_j log sigmoid(l_j) + (1 - x_j) log sigmoid(-l_j): pixel j is 1
    with probability sigmoid(l_j). ``axis=-1`` for flat images (n, D);
    ``axis=[1, 2, 3]`` for (n, height, width, channels). It is minus the
    binary cross-entropy, also for x in [0, 1] rather than {0, 1}.
    """
    return -tf.reduce_sum(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits),
        axis=axis)


# Shown in the chapter on variational autoencoders (book/vae.md).
def gaussian_log_density(z, mu, log_var):
    """log N(z; mu, diag(exp(log_var))), summed over the last axis."""
    return -0.5 * tf.reduce_sum(
        LOG_2PI + log_var + tf.square(z - mu) * tf.exp(-log_var), axis=-1)
