"""Which divergence a GAN minimises, computed: f-divergences and their variational bound, the
non-saturating loss's gradient, Gaussian fits by three divergences, and the Wasserstein-1 distance.

Everything here is numpy/scipy on one-dimensional grids or small sample sets, so each check in
the chapter on divergences (book/divergences.md) runs in seconds:

- ``F_DIVERGENCES``: f, its convex conjugate f*, the f-GAN output activation g_f and the
  optimal critic T* = f'(p/q), for KL, reverse KL, the GAN's divergence and Pearson chi^2
  (Nowozin, Cseke and Tomioka 2016);
- ``f_divergence`` and ``variational_bound`` by Simpson's rule;
- ``non_saturating_gradient`` against ``kl_minus_2jsd`` (Arjovsky and Bottou 2017);
- ``fit_gaussian``: the single Gaussian nearest a mixture by forward KL, reverse KL or JSD;
  ``non_saturating_divergence`` and ``fit_gaussian_by``, the same for KL(q || p) - 2 JSD;
- ``wasserstein_1d`` (the closed form, the integral of |F_P - F_Q|) and
  ``exact_wasserstein`` (the optimal matching of two equal-size sample sets, by
  ``scipy.optimize.linear_sum_assignment``); ``parallel_lines``, the example of Arjovsky,
  Chintala and Bottou (2017);
- ``spectral_norm_estimate``: the largest singular value of a weight matrix by power iteration,
  as in spectral normalisation (Miyato et al. 2018).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import integrate, optimize, stats
from scipy.special import expit, logsumexp, xlogy


@dataclass(frozen=True)
class FDivergence:
    """One member of the f-divergence family, D_f(P || Q) = int q f(p / q).

    ``f`` is convex, with f(1) = 0 for a divergence (the GAN member has f(1) = -log 4, which only
    shifts the value); ``conjugate`` is f*(t) = sup_u (u t - f(u)), +inf outside its
    domain; ``activation`` g_f maps a critic's unbounded output into that domain; ``optimal_critic``
    is T*(u) = f'(u) at the density ratio u = p / q, where the variational bound is tight.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    conjugate: Callable[[np.ndarray], np.ndarray]
    activation: Callable[[np.ndarray], np.ndarray]
    optimal_critic: Callable[[np.ndarray], np.ndarray]


def _outside(t, inside, value):
    """``value(t)`` where ``inside``, +inf elsewhere (a conjugate outside its domain)."""
    t = np.asarray(t, float)
    out = np.full_like(t, np.inf)
    np.copyto(out, value(np.where(inside, t, -1.0)), where=inside)
    return out


def _log_one_minus_exp(t):
    """log(1 - e^t) for t < 0, accurate near 0 and for very negative t."""
    return np.where(t > -np.log(2), np.log(-np.expm1(t)), np.log1p(-np.exp(t)))


F_DIVERGENCES: dict[str, FDivergence] = {
    "KL": FDivergence(
        "KL", f=lambda u: xlogy(u, u),
        conjugate=lambda t: np.exp(np.asarray(t, float) - 1.0),
        activation=lambda v: np.asarray(v, float),
        optimal_critic=lambda u: 1.0 + np.log(u)),
    "reverse KL": FDivergence(
        "reverse KL", f=lambda u: -np.log(u),
        conjugate=lambda t: _outside(t, np.asarray(t) < 0, lambda s: -1.0 - np.log(-s)),
        activation=lambda v: -np.exp(-np.asarray(v, float)),
        optimal_critic=lambda u: -1.0 / np.asarray(u, float)),
    "GAN": FDivergence(
        "GAN", f=lambda u: xlogy(u, u) - xlogy(u + 1.0, u + 1.0),
        conjugate=lambda t: _outside(t, np.asarray(t) < 0, lambda s: -_log_one_minus_exp(s)),
        activation=lambda v: -np.logaddexp(0.0, -np.asarray(v, float)),  # log sigmoid(v)
        optimal_critic=lambda u: np.log(u / (1.0 + np.asarray(u, float)))),
    "Pearson chi2": FDivergence(
        "Pearson chi2", f=lambda u: (np.asarray(u, float) - 1.0) ** 2,
        conjugate=lambda t: 0.25 * np.asarray(t, float) ** 2 + t,
        activation=lambda v: np.asarray(v, float),
        optimal_critic=lambda u: 2.0 * (np.asarray(u, float) - 1.0)),
}


def _family(name: str) -> FDivergence:
    if name not in F_DIVERGENCES:
        raise ValueError(f"unknown f-divergence {name!r}: choose one of {sorted(F_DIVERGENCES)}")
    return F_DIVERGENCES[name]


def f_divergence(name: str, x: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """D_f(P || Q) = int q f(p / q) dx by Simpson's rule on the grid ``x`` (q > 0 on the grid)."""
    q = np.asarray(q, float)
    if np.any(q <= 0):
        raise ValueError("q must be positive on the whole grid (D_f needs the ratio p / q)")
    return float(integrate.simpson(q * _family(name).f(np.asarray(p, float) / q), x=x))


def variational_bound(name: str, x: np.ndarray, p: np.ndarray, q: np.ndarray, critic: np.ndarray) -> float:
    """E_P[T] - E_Q[f*(T)] for a critic T given by its values on the grid ``x`` (Nguyen et al. 2010).

    It is at most D_f(P || Q) for every T, with equality at T = f'(p / q). A critic outside the
    conjugate's domain where Q has mass gives -inf.
    """
    critic = np.asarray(critic, float)
    conjugate = _family(name).conjugate(critic)
    if np.any(np.isinf(conjugate) & (np.asarray(q) > 0)):
        return -np.inf
    return float(integrate.simpson(p * critic - q * conjugate, x=x))


def _grid(means, stds, points: int = 40_001, width: float = 12.0) -> np.ndarray:
    """A grid covering every Gaussian given to ``width`` standard deviations."""
    means, stds = np.atleast_1d(means), np.atleast_1d(stds)
    return np.linspace((means - width * stds).min(), (means + width * stds).max(), points)


def kl_minus_2jsd(theta: float, scale: float, points: int = 40_001) -> float:
    """KL(p_theta || p_d) - 2 JSD(p_d || p_theta) for p_d = N(0, 1) and p_theta = N(theta, scale^2).

    Computed from log-densities by quadrature, so that the tails do not underflow.
    """
    x = _grid([0.0, theta], [1.0, scale], points)
    log_d, log_g = stats.norm.logpdf(x), stats.norm.logpdf(x, theta, scale)
    log_m = np.logaddexp(log_d, log_g) - np.log(2.0)
    p_d, p_g = np.exp(log_d), np.exp(log_g)
    kl_g_d = integrate.simpson(p_g * (log_g - log_d), x=x)
    jsd = 0.5 * integrate.simpson(p_d * (log_d - log_m), x=x) + 0.5 * integrate.simpson(p_g * (log_g - log_m), x=x)
    return float(kl_g_d - 2.0 * jsd)


def non_saturating_gradient(theta: float, scale: float, points: int = 40_001) -> np.ndarray:
    """The gradient in (theta, scale) of -E_z log D*(theta + scale z), z ~ N(0, 1), D* held fixed.

    D* = p_d / (p_d + p_theta) is optimal for the *current* generator N(theta, scale^2) and is
    not differentiated, as in a generator step. With x = theta + scale z the chain rule gives
    -E[(log D*)'(x)] for theta and -E[(log D*)'(x) z] for the scale, each an integral against
    p_theta by quadrature; (log D*)' = (log p_d)' - (log(p_d + p_theta))', the second term a
    mixture of the two scores weighted by D* and 1 - D*.
    """
    x = _grid([0.0, theta], [1.0, scale], points)
    log_d, log_g = stats.norm.logpdf(x), stats.norm.logpdf(x, theta, scale)
    score_d, score_g = -x, -(x - theta) / scale**2
    d_star = expit(log_d - log_g)
    slope = score_d - (d_star * score_d + (1.0 - d_star) * score_g)  # (log D*)'(x)
    p_g, z = np.exp(log_g), (x - theta) / scale
    return -np.array([integrate.simpson(p_g * slope, x=x), integrate.simpson(p_g * slope * z, x=x)])


def central_gradient(function: Callable[[float, float], float], theta: float, scale: float,
                     step: float = 1e-4) -> np.ndarray:
    """The gradient of ``function(theta, scale)`` by central differences."""
    return np.array([
        (function(theta + step, scale) - function(theta - step, scale)) / (2 * step),
        (function(theta, scale + step) - function(theta, scale - step)) / (2 * step)])


# ----------------------------------------------------------------------------- mode covering, mode seeking

@dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of one-dimensional Gaussians."""

    means: tuple[float, ...]
    stds: tuple[float, ...]

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        parts = [stats.norm.logpdf(x, m, s) for m, s in zip(self.means, self.stds)]
        return logsumexp(parts, axis=0) - np.log(len(parts))


FIT_DIVERGENCES = ("forward KL", "reverse KL", "JSD")


def gaussian_fit_divergence(divergence: str, target: Mixture, mean: float, std: float,
                            x: np.ndarray) -> float:
    """forward KL(p || q), reverse KL(q || p) or JSD(p || q) of the target p and q = N(mean, std^2)."""
    log_p, log_q = target.logpdf(x), stats.norm.logpdf(x, mean, std)
    p, q = np.exp(log_p), np.exp(log_q)
    if divergence == "forward KL":
        integrand = p * (log_p - log_q)
    elif divergence == "reverse KL":
        integrand = q * (log_q - log_p)
    elif divergence == "JSD":
        log_m = np.logaddexp(log_p, log_q) - np.log(2.0)
        integrand = 0.5 * (p * (log_p - log_m) + q * (log_q - log_m))
    else:
        raise ValueError(f"divergence must be one of {FIT_DIVERGENCES}, got {divergence!r}")
    return float(integrate.simpson(integrand, x=x))


def fit_gaussian(divergence: str, target: Mixture, start: tuple[float, float],
                 points: int = 8_001) -> dict[str, float]:
    """The Gaussian N(mean, std^2) that minimises ``divergence`` to ``target``, from ``start``.

    Nelder–Mead over (mean, log std): the divergences are smooth but reverse KL and JSD have
    one local minimum per mode, so the start matters and the chapter says which it used.
    """
    x = _grid(target.means, target.stds, points)

    def objective(v):
        return gaussian_fit_divergence(divergence, target, v[0], float(np.exp(v[1])), x)

    found = optimize.minimize(objective, [start[0], np.log(start[1])], method="Nelder-Mead",
                              options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000})
    if not found.success:
        raise RuntimeError(f"the {divergence} fit did not converge: {found.message}")
    return {"mean": float(found.x[0]), "std": float(np.exp(found.x[1])), "divergence": float(found.fun)}


# ----------------------------------------------------------------------------- Wasserstein-1

def wasserstein_1d(x: np.ndarray, cdf_p: np.ndarray, cdf_q: np.ndarray) -> float:
    """W1(P, Q) = int |F_P(x) - F_Q(x)| dx on the grid ``x`` (one dimension; the CDFs on the grid)."""
    return float(integrate.simpson(np.abs(np.asarray(cdf_p) - np.asarray(cdf_q)), x=x))


def exact_wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """W1 between the empirical distributions of two equal-size sample sets, exactly.

    For n points each with weight 1/n, an optimal coupling can be taken to be a permutation
    (Birkhoff–von Neumann), so W1 is the cost of the best matching, mean |a_i - b_sigma(i)|,
    found by ``scipy.optimize.linear_sum_assignment`` (Euclidean distances; O(n^3)).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    if a.shape != b.shape:
        raise ValueError(f"the sample sets must have the same shape, got {a.shape} and {b.shape}")
    cost = np.sqrt(np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=2))
    rows, columns = optimize.linear_sum_assignment(cost)
    return float(cost[rows, columns].mean())


def parallel_lines(theta: float) -> dict[str, float]:
    """JSD, KL and W1 between P_0 = law of (0, Z) and P_theta = law of (theta, Z), Z ~ U[0, 1].

    The example of Arjovsky, Chintala and Bottou (2017), in closed form: for theta != 0 the two
    segments are disjoint, so JSD = log 2 and KL = +inf, while W1 = |theta| (move every point
    sideways).
    """
    apart = theta != 0
    return {"JSD": float(np.log(2.0)) if apart else 0.0, "KL": np.inf if apart else 0.0,
            "W1": float(abs(theta))}


def parallel_line_samples(theta: float, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points from P_0 and from P_theta (independent draws of Z), shape (count, 2) each."""
    rng = np.random.default_rng(seed)
    z0, z1 = rng.random(count), rng.random(count)
    return np.stack([np.zeros(count), z0], axis=1), np.stack([np.full(count, theta), z1], axis=1)


# ----------------------------------------------------------------------------- the non-saturating fit

# Shown in the chapter on divergences (book/divergences.md), section "Mode covering and mode
# seeking, computed".
def non_saturating_divergence(target: Mixture, mean: float, std: float,
                              x: np.ndarray) -> float:
    """KL(q || p) - 2 JSD(p || q), p the target, q = N(mean, std^2), on ``x``.

    What the non-saturating generator loss descends against the optimal
    discriminator (Arjovsky and Bottou 2017). Pointwise it is
    (p + q) log(m / p), m = (p + q) / 2, integrated from log-densities.
    """
    log_p, log_q = target.logpdf(x), stats.norm.logpdf(x, mean, std)
    log_sum = np.logaddexp(log_p, log_q)  # log(p + q)
    log_m_over_p = np.logaddexp(0.0, log_q - log_p) - np.log(2.0)
    return float(integrate.simpson(np.exp(log_sum) * log_m_over_p, x=x))


def fit_gaussian_by(objective: Callable[[Mixture, float, float, np.ndarray], float],
                    target: Mixture, start: tuple[float, float],
                    points: int = 8_001) -> dict[str, float]:
    """The Gaussian N(mean, std^2) that minimises ``objective(target, mean, std, x)``, from ``start``.

    As ``fit_gaussian``, for any objective with ``non_saturating_divergence``'s signature.
    """
    x = _grid(target.means, target.stds, points)
    found = optimize.minimize(lambda v: objective(target, v[0], float(np.exp(v[1])), x),
                              [start[0], np.log(start[1])], method="Nelder-Mead",
                              options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000})
    if not found.success:
        raise RuntimeError(f"the fit did not converge: {found.message}")
    return {"mean": float(found.x[0]), "std": float(np.exp(found.x[1])), "divergence": float(found.fun)}


# ----------------------------------------------------------------------------- spectral normalisation

# Shown in the chapter on divergences (book/divergences.md), section "Spectral normalisation".
def spectral_norm_estimate(weights: np.ndarray, steps: int,
                           seed: int = 0) -> float:
    """The largest singular value of ``weights`` by ``steps`` power iterations.

    As in spectral normalisation (Miyato et al. 2018): from a random u,
    alternate v = W^T u / |W^T u| and u = W v / |W v|, and return u^T W v
    = |W v|, which never exceeds the largest singular value.
    """
    weights = np.asarray(weights, float)
    if weights.ndim != 2 or steps < 1:
        raise ValueError(f"need a matrix and at least one step, got shape "
                         f"{weights.shape} and {steps} steps")
    u = np.random.default_rng(seed).normal(size=weights.shape[0])
    for _ in range(steps):
        v = weights.T @ u
        v /= np.linalg.norm(v)
        u = weights @ v
        u /= np.linalg.norm(u)
    return float(u @ weights @ v)
