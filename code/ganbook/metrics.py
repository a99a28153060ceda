"""Evaluation metrics, batched and compiled: ELBO and importance-weighted bounds for VAEs.

Everything here works on numpy arrays and TensorFlow callables only, so it can judge any model; the
IWAE bound's log-densities are the models' own (``ganbook.models.likelihoods``, a TensorFlow-only leaf).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from ganbook.models.likelihoods import bernoulli_log_likelihood, gaussian_log_density


def finite_array(name: str, values, dtype=np.float64, ndim: int | None = None) -> np.ndarray:
    """``values`` as a ``dtype`` array; a ValueError naming ``name`` if it is empty, holds NaN or inf,
    or (given ``ndim``) has another number of dimensions.

    A NaN that reached a score would not raise: it would turn the score into NaN, or, through
    an arg max, silently pick the wrong bandwidth. One pass of ``np.isfinite``; no copy when
    ``values`` already has the dtype.
    """
    array = np.asarray(values, dtype)
    if ndim is not None and array.ndim != ndim:
        rows = " (n, D): one flattened example per row" if ndim == 2 else ""
        raise ValueError(f"{name} must be a {ndim}-d array{rows}, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}): there is nothing to evaluate")
    bad = array.size - np.count_nonzero(np.isfinite(array))
    if bad:
        raise ValueError(f"{name} has {bad} non-finite values (NaN or inf) among {array.size}: "
                         "find the step that produced them (a diverged model?) or drop them")
    return array


def unit_pixels(name: str, values) -> np.ndarray:
    """``values`` as a float32 (n, D) array of flattened images with pixels in [0, 1] (raw 8-bit
    pixels, 0-255, are refused: the bandwidths and likelihoods assume [0, 1])."""
    array = finite_array(name, values, np.float32, ndim=2)
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"{name} must hold pixels in [0, 1], found [{low:.4g}, {high:.4g}]"
                         + (": divide 8-bit images by 255" if high > 1.0 else ""))
    return array


def flat_rows(name: str, values) -> np.ndarray:
    """``values`` as a finite float32 (n, D) array: one flattened example per row."""
    return finite_array(name, values, np.float32, ndim=2)


def count(name: str, value) -> int:
    """``value`` if it is a whole number of at least 1 (a batch size, a number of samples), else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


# Shown in the chapter on variational autoencoders (book/vae.md).
def importance_weighted_bound(encode, decoder_logits, x: np.ndarray, k: int,
                              *, batch_size: int = 100, chunk: int = 100,
                              seed: int = 0) -> np.ndarray:
    """Burda et al. (2016)'s importance-weighted bound L_k of each image.

    L_k(x) = log (1/k) sum_i p(x, z_i) / q(z_i | x) with z_i ~ q(z | x): the
    ELBO for k = 1, a lower bound on log p(x) that never falls as k grows.
    ``encode(x) -> (mu, log_var)``; ``decoder_logits(z) -> Bernoulli logits``;
    ``x`` is binary, shape (n, D). Samples are drawn ``chunk`` at a time and
    combined with a running log-sum-exp; one compiled call per batch.
    """
    x = finite_array("x", x, np.float32, ndim=2)
    batch_size = count("batch_size", batch_size)
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("the Bernoulli likelihood needs binary images: "
                         "binarise them first")
    if min(k, chunk) < 1:
        raise ValueError("k and chunk must be >= 1 (L_k averages k importance "
                         "weights, chunk at a time), "
                         f"got k = {k}, chunk = {chunk}")
    if k % chunk and k > chunk:
        raise ValueError(f"k = {k} must be a multiple of chunk = {chunk}")
    chunk = min(chunk, k)
    chunks = k // chunk

    # One compiled call per batch of images: encoder, every chunk's noise
    # (Philox, fast under XLA), decoder passes and the running log-sum-exp.
    # Noise for batch b, chunk c is seeded (seed, b * chunks + c).
    @tf.function(jit_compile=True, reduce_retracing=True)
    def batch_bound(xb, batch_index):
        mu, log_var = encode(xb)
        total = tf.fill(tf.shape(mu)[:1], -np.inf)
        for c in tf.range(chunks):  # a loop in the graph, not unrolled
            eps = tf.random.stateless_normal(
                (chunk, tf.shape(mu)[0], tf.shape(mu)[1]),
                seed=tf.stack([seed, batch_index * chunks + c]), alg="philox")
            z = mu[None] + tf.exp(0.5 * log_var)[None] * eps  # (chunk, B, d)
            shape = tf.shape(z)
            logits = tf.reshape(decoder_logits(tf.reshape(z, (-1, shape[-1]))),
                                (shape[0], shape[1], -1))
            log_px_z = bernoulli_log_likelihood(
                tf.broadcast_to(xb[None], tf.shape(logits)), logits)
            log_pz = gaussian_log_density(z, tf.zeros_like(z), tf.zeros_like(z))
            log_qz = gaussian_log_density(z, mu[None], log_var[None])
            part = tf.reduce_logsumexp(log_px_z + log_pz - log_qz, axis=0)
            total = tf.reduce_logsumexp(tf.stack([total, part]), axis=0)
        return total - math.log(k)

    results = [batch_bound(tf.constant(x[start : start + batch_size]),
                           tf.constant(index, tf.int32)).numpy()
               for index, start in enumerate(range(0, len(x), batch_size))]
    return np.concatenate(results)


def mean_and_standard_error(values: np.ndarray) -> tuple[float, float]:
    """The mean of per-example values and the standard error of that mean (which needs two or more)."""
    values = finite_array("values", values)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError(f"a standard error needs a 1-d array of 2 or more values, got shape {values.shape}")
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


# ----------------------------------------------------------------------------- Parzen windows

PARZEN_SIGMAS = np.logspace(-1, 0, 10)  # the grid of Goodfellow et al. (2014)'s released code


# Shown in the chapter on generative adversarial networks (book/gan.md).
@tf.function(jit_compile=True, reduce_retracing=True)
def _parzen_batch(x, samples, samples_sq, sigmas):
    """The Parzen log density's log-sum-exp for a batch of x and every sigma.

    Returns shape (n_sigmas, batch).
    """
    # squared distances |x - s|^2 = |x|^2 - 2 x.s + |s|^2, shape
    # (batch, n_samples), once for all sigmas
    d2 = (tf.reduce_sum(tf.square(x), axis=1, keepdims=True)
          - 2.0 * tf.matmul(x, samples, transpose_b=True) + samples_sq)
    d2 = tf.maximum(d2, 0.0)
    # (n_sigmas, batch, n_samples)
    scaled = -d2[None, :, :] / (2.0 * tf.square(sigmas))[:, None, None]
    return tf.reduce_logsumexp(scaled, axis=2)  # (n_sigmas, batch)


# Shown in the chapter on generative adversarial networks (book/gan.md).
def parzen_log_likelihoods(samples: np.ndarray, x: np.ndarray, sigmas,
                           batch_size: int = 250) -> np.ndarray:
    """Per-example Parzen log densities of ``x`` for each bandwidth.

    Returns shape (len(sigmas), m).

    The squared distances, which cost all the arithmetic, are computed once
    per batch and shared by every bandwidth in ``sigmas``.
    """
    samples = finite_array("samples", samples, np.float32, ndim=2)
    x = finite_array("x", x, np.float32, ndim=2)
    batch_size = count("batch_size", batch_size)
    sigmas = np.atleast_1d(finite_array("sigmas", sigmas))
    if samples.shape[1] != x.shape[1]:
        raise ValueError(f"samples and x must be (n, D) and (m, D) with the "
                         f"same D, got {samples.shape}, {x.shape}")
    if not np.all(sigmas > 0):
        raise ValueError(f"every sigma must be positive, got {sigmas}")
    n, dimension = samples.shape
    samples_t = tf.constant(samples)
    samples_sq = tf.reduce_sum(tf.square(samples_t), axis=1)[None, :]
    sigmas_t = tf.constant(sigmas, tf.float32)
    parts = [_parzen_batch(tf.constant(x[s : s + batch_size]), samples_t,
                           samples_sq, sigmas_t).numpy()
             for s in range(0, len(x), batch_size)]
    log_norm = (math.log(n)
                + 0.5 * dimension * np.log(2 * math.pi * sigmas * sigmas))
    log_sums = np.concatenate(parts, axis=1).astype(np.float64)
    return log_sums - log_norm[:, None]


def parzen_log_likelihood(samples: np.ndarray, x: np.ndarray, sigma: float,
                          batch_size: int = 250) -> np.ndarray:
    """Per-example log density of ``x`` under a Gaussian Parzen window (kernel density) on ``samples``.

    log p(x) = logsumexp_i(-|x - s_i|^2 / (2 sigma^2)) - log n - (D/2) log(2 pi sigma^2), computed
    in batches with a stable log-sum-exp. ``samples`` (n, D) and ``x`` (m, D) are flat vectors.
    """
    return parzen_log_likelihoods(samples, x, [sigma], batch_size)[0]


# Shown in the chapter on generative adversarial networks (book/gan.md).
def parzen_evaluation(samples: np.ndarray, validation: np.ndarray,
                      test: np.ndarray, sigmas: np.ndarray = PARZEN_SIGMAS
                      ) -> dict[str, float]:
    """Goodfellow et al. (2014)'s protocol: sigma chosen on validation data.

    Returns the test mean ± s.e. at that sigma. With the default ``sigmas``
    every set holds flattened images with pixels in [0, 1].
    """
    # the default bandwidths are for pixels in [0, 1]; other data bring theirs
    check = unit_pixels if sigmas is PARZEN_SIGMAS else flat_rows
    samples = check("samples", samples)
    validation, test = check("validation", validation), check("test", test)
    validation_scores = parzen_log_likelihoods(
        samples, validation, sigmas).mean(axis=1)
    best = float(np.asarray(sigmas)[int(np.argmax(validation_scores))])
    mean, standard_error = mean_and_standard_error(
        parzen_log_likelihood(samples, test, best))
    return {"sigma": best, "log_likelihood": mean,
            "standard_error": standard_error,
            "validation_log_likelihood": float(validation_scores.max())}


def kmeans_centroids(x: np.ndarray, k: int, iterations: int = 5, seed: int = 0,
                     batch_size: int = 2000) -> np.ndarray:
    """Lloyd's k-means with centroids started at k random points of ``x``; distances batched in TensorFlow.

    Used for the critique of Theis et al. (2016): cluster centres are not samples of any model,
    yet a Parzen window on them scores well.
    """
    x, batch_size = finite_array("x", x, np.float32, ndim=2), count("batch_size", batch_size)
    if not 1 <= k <= len(x):
        raise ValueError(f"x must be (n, D) with 1 <= k <= n, got x of shape {x.shape} and k = {k}")
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)].copy()
    for _ in range(iterations):
        c = tf.constant(centroids)
        c_sq = tf.reduce_sum(tf.square(c), axis=1)[None, :]
        nearest = np.concatenate([
            tf.argmin(c_sq - 2.0 * tf.matmul(tf.constant(x[s : s + batch_size]), c, transpose_b=True),
                      axis=1).numpy()
            for s in range(0, len(x), batch_size)])
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, x)
        counts = np.bincount(nearest, minlength=k)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]  # an empty cluster keeps its old centre
    return centroids
