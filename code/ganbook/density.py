"""Densities around a GAN: the optimal discriminator by quadrature, and a generator's own density.

- For 1-d densities p_d and p_g on a grid, D*(x) = p_d(x) / (p_d(x) + p_g(x)) and
  C(G) = V(D*, G) = -log 4 + 2 JSD(p_d || p_g) (numpy/scipy).
- For a generator G: R^d -> R^D, the density of p_g on G's image from the Jacobian J = dG/dz:
  p_z(z) det(J^T J)^(-1/2), and the inversion of G by optimisation (TensorFlow).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from scipy import integrate, stats
from scipy.special import xlogy  # x log y with 0 log 0 = 0


def optimal_discriminator(p_data: np.ndarray, p_model: np.ndarray) -> np.ndarray:
    """D*(x) = p_d / (p_d + p_g); 1/2 where both densities vanish (any value is optimal there)."""
    total = p_data + p_model
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)



def value_function(x: np.ndarray, p_data: np.ndarray, p_model: np.ndarray,
                   discriminator: np.ndarray | None = None) -> float:
    """V(D, G) = int p_d log D + p_g log(1 - D) dx, by Simpson's rule on the grid ``x``.

    With ``discriminator=None`` it evaluates V(D*, G), taking log D* = log(p_d / (p_d + p_g)) and
    log(1 - D*) = log(p_g / (p_d + p_g)) directly, so far tails cannot round 1 - D* to zero.
    """
    if discriminator is None:
        total = p_data + p_model
        integrand = (xlogy(p_data, np.divide(p_data, total, out=np.ones_like(total), where=total > 0))
                     + xlogy(p_model, np.divide(p_model, total, out=np.ones_like(total), where=total > 0)))
    else:
        integrand = xlogy(p_data, discriminator) + xlogy(p_model, 1.0 - discriminator)
    return float(integrate.simpson(integrand, x=x))


def kl_divergence(x: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) = int p log(p / q) dx by quadrature (p > 0 must imply q > 0)."""
    ratio = np.divide(p, q, out=np.ones_like(p), where=p > 0)
    return float(integrate.simpson(xlogy(p, ratio), x=x))


def js_divergence(x: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """JSD(p || q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2."""
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(x, p, m) + 0.5 * kl_divergence(x, q, m)


def gaussian_check(data_mean: float, data_std: float, model_mean: float, model_std: float,
                   points: int = 200_001) -> dict[str, float]:
    """For 1-d Gaussians: V(D*, G) by quadrature against -log 4 + 2 JSD, and V at a perturbed D."""
    spread = 12 * max(data_std, model_std)
    x = np.linspace(min(data_mean, model_mean) - spread, max(data_mean, model_mean) + spread, points)
    p_data = stats.norm.pdf(x, data_mean, data_std)
    p_model = stats.norm.pdf(x, model_mean, model_std)
    d_star = optimal_discriminator(p_data, p_model)
    jsd = js_divergence(x, p_data, p_model)
    nudged = np.clip(d_star + 0.05 * np.sin(x), 1e-12, 1 - 1e-12)  # another discriminator, inside (0, 1)
    return {
        "value_at_optimum": value_function(x, p_data, p_model),
        "closed_form": -np.log(4.0) + 2.0 * jsd,
        "jsd": jsd,
        "value_at_perturbed": value_function(x, p_data, p_model, nudged),
    }


# ----------------------------------------------------------------------------- a generator's density


def standard_normal_log_density(z: np.ndarray) -> np.ndarray:
    """log N(z; 0, I) for each row of z."""
    z = np.asarray(z, np.float64)
    return -0.5 * (z.shape[1] * math.log(2 * math.pi) + np.sum(z * z, axis=1))


def generator_jacobians(generator, z: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """J = dG/dz at each row of z, shape (n, D, d), for a generator with flat outputs; batched tape Jacobians.

    Run eagerly: one ``batch_jacobian`` per batch costs d backward passes, which dominate, and a
    compiled function would be retraced for every new generator a chapter passes in. (Eager
    ``batch_jacobian`` still compiles a small vectorising function per call; TensorFlow's warning
    about that retracing is silenced here, since it is expected and harmless.)
    """
    z = np.asarray(z, np.float32)
    if z.ndim != 2:
        raise ValueError(f"z must have shape (n, d), got {z.shape}")
    parts = []
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        for start in range(0, len(z), batch_size):
            zb = tf.constant(z[start : start + batch_size])
            with tf.GradientTape() as tape:
                tape.watch(zb)
                x = tf.reshape(generator(zb), (zb.shape[0], -1))
            parts.append(tape.batch_jacobian(x, zb).numpy())
    finally:
        logger.setLevel(level)
    return np.concatenate(parts)


# Shown in the chapter on open problems (book/open-problems.md), section "Density from the
# Jacobian".
def log_volume_factor(jacobians: np.ndarray) -> np.ndarray:
    """(1/2) log det(J^T J) for each (D, d) Jacobian; -inf where J is singular.

    When D = d this is log |det J|. G maps a small cube of z-space to a piece of
    d-dimensional volume exp(this factor) times the cube's, so dividing p_z by
    exp(this factor) gives p_g's density on the image manifold.
    """
    j = np.asarray(jacobians, np.float64)
    if j.ndim != 3 or j.shape[1] < j.shape[2]:
        raise ValueError(f"Jacobians must have shape (n, D, d) with D >= d, "
                         f"got {j.shape}")
    if j.shape[1] == j.shape[2]:
        sign, logdet = np.linalg.slogdet(j)
        return np.where(sign != 0, logdet, -np.inf)
    sign, logdet = np.linalg.slogdet(np.einsum("nij,nik->njk", j, j))
    return np.where(sign > 0, 0.5 * logdet, -np.inf)


# Shown in the chapter on open problems (book/open-problems.md), section "Density from the
# Jacobian".
def generator_log_density(generator, z: np.ndarray,
                          log_prior=standard_normal_log_density,
                          batch_size: int = 128) -> np.ndarray:
    """log p_g(G(z)) = log p_z(z) - (1/2) log det(J^T J), G injective.

    With d = D it is the ordinary change of variables; with d < D it is the
    density with respect to d-dimensional volume on the image manifold (Gemici,
    Rezende and Mohamed 2016). +inf marks a singular Jacobian: the generator
    squashes some direction at that point.
    """
    jacobians = generator_jacobians(generator, z, batch_size)
    return log_prior(np.asarray(z)) - log_volume_factor(jacobians)


# Shown in the chapter on open problems (book/open-problems.md), section "Adding noise, and
# inverting the generator".
def invert_generator(generator, x: np.ndarray, noise_size: int,
                     steps: int = 500, learning_rate: float = 0.05,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Minimise |G(z) - x|^2 over z for each row of x, by Adam from z ~ N(0, I).

    Returns (z, mean squared error per pixel). All images are optimised at once
    (their losses are independent, so one summed loss gives each its own
    gradient). The error says how far x lies from G's image manifold, at least
    locally.
    """
    x = tf.constant(np.asarray(x, np.float32).reshape(len(x), -1))
    z = tf.Variable(tf.random.stateless_normal((x.shape[0], noise_size),
                                               seed=(seed, 0)))
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build([z])

    @tf.function(autograph=False)
    def step():
        with tf.GradientTape() as tape:
            images = tf.reshape(generator(z), tf.shape(x))
            errors = tf.reduce_mean(tf.square(images - x), axis=1)
            loss = tf.reduce_sum(errors)
        optimizer.apply_gradients([(tape.gradient(loss, z), z)])
        return errors

    for _ in range(steps):
        step()
    images = tf.reshape(generator(z), tf.shape(x))
    final = tf.reduce_mean(tf.square(images - x), axis=1)
    return z.numpy(), final.numpy()
