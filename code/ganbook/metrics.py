"""Evaluation metrics, batched and compiled: ELBO and importance-weighted bounds for VAEs.

Everything here works on numpy arrays and TensorFlow callables only, so it can judge any model.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf


def _log_normal(z, mu, log_var):
    return -0.5 * tf.reduce_sum(math.log(2 * math.pi) + log_var + tf.square(z - mu) * tf.exp(-log_var), axis=-1)


def _log_bernoulli(x, logits):
    return -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=-1)


def importance_weighted_bound(encode, decoder_logits, x: np.ndarray, k: int, *, batch_size: int = 100,
                              chunk: int = 100, seed: int = 0) -> np.ndarray:
    """Per-image log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x): the IWAE bound L_k (Burda et al. 2015).

    L_1 is the ELBO; L_k rises with k towards log p(x). ``encode(x) -> (mu, log_var)``;
    ``decoder_logits(z) -> Bernoulli logits``; ``x`` is binary, shape (n, D). Samples are
    drawn ``chunk`` at a time and combined with a running log-sum-exp.
    """
    x = np.asarray(x, np.float32)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, D), got {x.shape}")
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("the Bernoulli likelihood needs binary images: binarise them first")
    if k % chunk and k > chunk:
        raise ValueError(f"k = {k} must be a multiple of chunk = {chunk}")
    chunk = min(chunk, k)
    generator = tf.random.Generator.from_seed(seed)

    @tf.function(jit_compile=True, reduce_retracing=True)
    def chunk_log_weights(xb, mu, log_var, eps):
        # eps: (chunk, B, d) -> z: (chunk, B, d); log w: (chunk, B)
        z = mu[None] + tf.exp(0.5 * log_var)[None] * eps
        shape = tf.shape(z)
        logits = decoder_logits(tf.reshape(z, (-1, shape[-1])))
        logits = tf.reshape(logits, (shape[0], shape[1], -1))
        log_px_z = _log_bernoulli(tf.broadcast_to(xb[None], tf.shape(logits)), logits)
        log_pz = _log_normal(z, tf.zeros_like(z), tf.zeros_like(z))
        log_qz = _log_normal(z, mu[None], log_var[None])
        return tf.reduce_logsumexp(log_px_z + log_pz - log_qz, axis=0)

    results = []
    for start in range(0, len(x), batch_size):
        xb = tf.constant(x[start : start + batch_size])
        mu, log_var = encode(xb)
        total = None
        for _ in range(k // chunk):
            eps = generator.normal((chunk, *mu.shape))
            part = chunk_log_weights(xb, mu, log_var, eps)
            total = part if total is None else tf.reduce_logsumexp(tf.stack([total, part]), axis=0)
        results.append((total - math.log(k)).numpy())
    return np.concatenate(results)


def mean_and_standard_error(values: np.ndarray) -> tuple[float, float]:
    """The mean of per-example values and the standard error of that mean."""
    values = np.asarray(values, np.float64)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))
