"""A VAE's codes: which dimensions it uses, how far its codes are from the prior, where else to draw them.

The chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md) measures the gap between the
prior p(z) = N(0, I) that a VAE samples from and the *aggregate posterior*
q(z) = (1/N) sum_i q(z | x_i), the distribution of the codes its encoder actually produces, and
tries other ways to choose codes for the same decoder. Numpy and scikit-learn; the only
TensorFlow here is the VAE's own encoder in ``posterior_parameters``.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier

from ganbook import data
from ganbook.metrics import finite_array, mean_and_standard_error

# Burda et al. (2016): a latent unit u is active when Cov_x(E_q[u | x]) exceeds 0.01.
ACTIVE_UNIT_THRESHOLD = 0.01
# The VAEs train on dynamically binarised images; their training codes are read from one fixed
# binarisation of the first 50,000 training images (the images the VAEs trained on).
CODES_BINARIZATION_SEED = 2014
ENCODE_BATCH = 4096
# Rows of the (samples x components) matrix of log-densities held at once in aggregate_log_density.
DENSITY_ROWS = 100
# Neighbours that vote in the classifier two-sample test.
TWO_SAMPLE_NEIGHBOURS = 10
# Components of the mixture fitted to the codes after training, as Ghosh et al. (2020) fit.
MIXTURE_COMPONENTS = 10


def _check_posterior(mu: np.ndarray, log_var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = finite_array("mu", mu).astype(np.float64)
    log_var = finite_array("log_var", log_var).astype(np.float64)
    if mu.ndim != 2 or mu.shape != log_var.shape or len(mu) < 2:
        raise ValueError(f"mu and log_var must both have shape (images, latent size) with at least 2 images, "
                         f"got {mu.shape} and {log_var.shape}")
    return mu, log_var


def posterior_parameters(vae, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, log_var) of q(z | x) for each row of ``images`` (n, 784), as float64 arrays."""
    parts = [vae.encode(images[s : s + ENCODE_BATCH]) for s in range(0, len(images), ENCODE_BATCH)]
    return tuple(np.concatenate([np.asarray(part[i]) for part in parts]).astype(np.float64) for i in (0, 1))


def training_codes(vae) -> tuple[np.ndarray, np.ndarray]:
    """(mu, log_var) of q(z | x) for the 50,000 training images, binarised once with a fixed seed."""
    images = data.flatten(data.load_mnist(validation=True).train.x)
    binary = data.binarize(images, np.random.default_rng(CODES_BINARIZATION_SEED))
    return posterior_parameters(vae, binary)


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "Which
# dimensions does a VAE use?".
def unit_activity(mu: np.ndarray) -> np.ndarray:
    """Per latent dimension, the variance over images of E_q[z_u | x].

    The activity of Burda et al.; ``mu`` holds the posterior means, one row
    per image.
    """
    mu = finite_array("mu", mu)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"mu must have shape (images, latent size) with "
                         f"at least 2 images, got {mu.shape}")
    return np.var(mu, axis=0, ddof=1)


def active_units(mu: np.ndarray, threshold: float = ACTIVE_UNIT_THRESHOLD) -> np.ndarray:
    """Boolean per latent dimension: is its activity (``unit_activity``) above ``threshold``?"""
    return unit_activity(mu) > threshold


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "Which
# dimensions does a VAE use?".
def kl_per_dimension(mu: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """Per dimension, the mean over images of KL(q(z_u | x) || N(0, 1)).

    For q = N(m, s^2) it is (m^2 + s^2 - 1 - log s^2) / 2 nats; the VAE's KL
    term is the sum over u.
    """
    mu, log_var = _check_posterior(mu, log_var)
    return 0.5 * np.mean(mu**2 + np.exp(log_var) - 1.0 - log_var, axis=0)


def _gaussian_terms(mean: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """The (2d + 1, N) matrix B with [z^2, z, 1] @ B = log N(z; mean_b, diag exp(log_var_b)) for every b.

    Expanding the quadratic form turns all N log-densities of a point into one matrix product,
    with no (points x N) temporaries besides the result (memory, not arithmetic, was the limit).
    """
    precision = np.exp(-log_var)
    constant = (np.sum(mean**2 * precision, axis=1) + np.sum(log_var, axis=1)
                + mean.shape[1] * np.log(2.0 * np.pi))
    return -0.5 * np.concatenate([precision, -2.0 * mean * precision, constant[:, None]], axis=1).T


def _log_mean_exp_rows(z: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """log of the mean over components of exp([z^2, z, 1] @ terms), per row of z, in place."""
    logs = np.concatenate([z**2, z, np.ones((len(z), 1))], axis=1) @ terms
    top = logs.max(axis=1, keepdims=True)
    np.subtract(logs, top, out=logs)
    np.exp(logs, out=logs)
    return np.log(logs.mean(axis=1)) + top[:, 0]


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "The
# codes are not the prior".
def aggregate_log_density(z: np.ndarray, mu: np.ndarray,
                          log_var: np.ndarray) -> np.ndarray:
    """log q(z) for each row of z: q(z) = mean_i N(z; mu_i, diag e^log_var_i).

    The exact density of the aggregate posterior of N images (a mixture of
    N Gaussians, not an estimate), in blocks of DENSITY_ROWS rows of z.
    """
    mu, log_var = _check_posterior(mu, log_var)
    z = finite_array("z", z)
    if z.ndim != 2 or z.shape[1] != mu.shape[1]:
        raise ValueError(f"z must have shape (points, {mu.shape[1]}), "
                         f"got {z.shape}")
    terms = _gaussian_terms(mu, log_var)
    parts = [_log_mean_exp_rows(z[s : s + DENSITY_ROWS], terms)
             for s in range(0, len(z), DENSITY_ROWS)]
    return np.concatenate(parts)


def log_prior(z: np.ndarray) -> np.ndarray:
    """log N(z; 0, I) for each row of ``z``."""
    z = np.asarray(z, np.float64)
    return -0.5 * (np.sum(z**2, axis=1) + z.shape[1] * np.log(2.0 * np.pi))


def aggregate_draws(mu: np.ndarray, log_var: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """``count`` draws from the aggregate posterior: pick an image at random, then z ~ q(z | x)."""
    mu, log_var = _check_posterior(mu, log_var)
    rng = np.random.default_rng(seed)
    rows = rng.integers(len(mu), size=count)
    return mu[rows] + np.exp(0.5 * log_var[rows]) * rng.standard_normal((count, mu.shape[1]))


def _mean_and_error(values: np.ndarray) -> dict[str, float]:
    estimate, error = mean_and_standard_error(values)
    return {"estimate": estimate, "standard_error": error}


def aggregate_kl(mu: np.ndarray, log_var: np.ndarray, count: int = 2000, seed: int = 0) -> dict[str, dict[str, float]]:
    """Monte Carlo estimates of KL(q || p) and KL(p || q) between the aggregate posterior and the prior.

    KL(q || p) = E_q[log q(z) - log p(z)] with z from ``aggregate_draws``; KL(p || q) the same with
    z ~ p. Each with its standard error over the ``count`` draws. KL(p || q) is the one that sampling
    from the prior pays: it is large when the prior puts mass where the codes of real images are rare.
    """
    if count < 2:
        raise ValueError(f"count must be at least 2 for a standard error, got {count}")
    from_q = aggregate_draws(mu, log_var, count, seed)
    from_p = np.random.default_rng([seed, 1]).standard_normal((count, np.shape(mu)[1]))
    return {"kl_q_p": _mean_and_error(aggregate_log_density(from_q, mu, log_var) - log_prior(from_q)),
            "kl_p_q": _mean_and_error(log_prior(from_p) - aggregate_log_density(from_p, mu, log_var))}


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "The
# codes are not the prior".
def two_sample_accuracy(a: np.ndarray, b: np.ndarray,
                        neighbours: int = TWO_SAMPLE_NEIGHBOURS,
                        seed: int = 0) -> dict[str, float]:
    """Can k nearest neighbours tell the rows of a from those of b?

    A classifier two-sample test (Lopez-Paz and Oquab 2017): the rows are
    pooled, shuffled and halved; a k-nearest-neighbour classifier learns on
    one half which set each row came from and is scored on the other.
    Held-out accuracy near 0.5: no difference found. Its standard error is
    the binomial one.
    """
    a, b = finite_array("a", a), finite_array("b", b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must be (n, d) arrays with the same d, "
                         f"got {a.shape} and {b.shape}")
    points = np.concatenate([a, b])
    labels = np.concatenate([np.zeros(len(a)), np.ones(len(b))])
    order = np.random.default_rng(seed).permutation(len(points))
    points, labels = points[order], labels[order]
    half = len(points) // 2
    if half <= neighbours:
        raise ValueError(f"need more than {2 * neighbours} points in all "
                         f"for {neighbours} neighbours, got {len(points)}")
    classifier = KNeighborsClassifier(neighbours)
    classifier.fit(points[:half], labels[:half])
    right = classifier.predict(points[half:]) == labels[half:]
    accuracy = float(np.mean(right))
    error = np.sqrt(accuracy * (1 - accuracy) / len(right))
    return {"accuracy": accuracy, "standard_error": float(error)}


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "The
# matched experiment".
def fit_code_mixture(codes: np.ndarray, components: int = MIXTURE_COMPONENTS,
                     seed: int = 0) -> GaussianMixture:
    """A full-covariance Gaussian mixture fitted to codes by scikit-learn's EM.

    EM starts from a seeded k-means.
    """
    codes = finite_array("codes", codes)
    if codes.ndim != 2 or len(codes) < components:
        raise ValueError(f"codes must have shape (n, latent size) with "
                         f"n >= {components} components, got {codes.shape}")
    mixture = GaussianMixture(components, covariance_type="full",
                              random_state=seed)
    return mixture.fit(codes)


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "The
# matched experiment".
def mixture_codes(mixture: GaussianMixture, count: int,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """count draws from a fitted mixture, shuffled, and each one's component.

    scikit-learn's ``sample`` draws with the mixture's own random_state and
    returns the draws grouped by component; this draws with ``seed`` (on a
    copy) and shuffles them.
    """
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    seeded = copy.copy(mixture)
    seeded.random_state = seed
    codes, components = seeded.sample(count)
    order = np.random.default_rng(seed).permutation(count)
    return codes[order].astype(np.float32), components[order]
