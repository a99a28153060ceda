"""Theory checks for GANs, numerically: the optimal discriminator and C(G) for 1-d densities by quadrature.

For densities p_d and p_g on a grid, D*(x) = p_d(x) / (p_d(x) + p_g(x)) and
C(G) = V(D*, G) = -log 4 + 2 JSD(p_d || p_g). Everything here is numpy/scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats


def optimal_discriminator(p_data: np.ndarray, p_model: np.ndarray) -> np.ndarray:
    """D*(x) = p_d / (p_d + p_g); 1/2 where both densities vanish (any value is optimal there)."""
    total = p_data + p_model
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y with 0 log 0 = 0 (and -inf where x > 0 = y)."""
    with np.errstate(divide="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def value_function(x: np.ndarray, p_data: np.ndarray, p_model: np.ndarray,
                   discriminator: np.ndarray | None = None) -> float:
    """V(D, G) = int p_d log D + p_g log(1 - D) dx, by Simpson's rule on the grid ``x``.

    With ``discriminator=None`` it evaluates V(D*, G), taking log D* = log(p_d / (p_d + p_g)) and
    log(1 - D*) = log(p_g / (p_d + p_g)) directly, so far tails cannot round 1 - D* to zero.
    """
    if discriminator is None:
        total = p_data + p_model
        integrand = (_xlogy(p_data, np.divide(p_data, total, out=np.ones_like(total), where=total > 0))
                     + _xlogy(p_model, np.divide(p_model, total, out=np.ones_like(total), where=total > 0)))
    else:
        integrand = _xlogy(p_data, discriminator) + _xlogy(p_model, 1.0 - discriminator)
    return float(integrate.simpson(integrand, x=x))


def kl_divergence(x: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) = int p log(p / q) dx by quadrature (p > 0 must imply q > 0)."""
    ratio = np.divide(p, q, out=np.ones_like(p), where=p > 0)
    return float(integrate.simpson(_xlogy(p, ratio), x=x))


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
