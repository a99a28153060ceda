"""Training dynamics of the Dirac-GAN (Mescheder, Geiger and Nowozin 2018), the smallest GAN that fails to converge.

Data: a point mass at 0. Generator: a point mass at theta. Discriminator: D(x) = sigmoid(psi x).
The value function is V(theta, psi) = log D(0) + log(1 - D(theta)) = log 1/2 + log sigmoid(-psi theta);
the discriminator ascends it in psi, the generator descends it in theta. The unique equilibrium is
(0, 0). An R1 penalty (gamma / 2) |dD-logit/dx|^2 on real data adds -gamma psi to the discriminator's step.
"""

from __future__ import annotations

import numpy as np

METHODS = ("simultaneous", "alternating")


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def dirac_gan_field(theta, psi, r1: float = 0.0):
    """The gradient-play vector field (d theta/dt, d psi/dt): descent for the generator, ascent for D."""
    s = _sigmoid(np.asarray(theta) * np.asarray(psi))
    return psi * s, -theta * s - r1 * psi


def dirac_gan_trajectory(theta0: float, psi0: float, steps: int, learning_rate: float,
                         method: str = "simultaneous", r1: float = 0.0) -> np.ndarray:
    """Gradient steps from (theta0, psi0); rows are (theta, psi) after 0..steps steps.

    ``"simultaneous"`` updates both players from the same point; ``"alternating"`` updates the
    discriminator first and the generator against the updated discriminator, as the book's GANs train.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not learning_rate > 0 or steps < 0:
        raise ValueError("learning_rate must be positive and steps non-negative")
    path = np.empty((steps + 1, 2))
    theta, psi = float(theta0), float(psi0)
    path[0] = theta, psi
    for i in range(1, steps + 1):
        d_theta, d_psi = dirac_gan_field(theta, psi, r1)
        if method == "simultaneous":
            theta, psi = theta + learning_rate * d_theta, psi + learning_rate * d_psi
        else:
            psi = psi + learning_rate * d_psi
            theta = theta + learning_rate * dirac_gan_field(theta, psi, r1)[0]
        path[i] = theta, psi
    return path


def jacobian_at_equilibrium(r1: float = 0.0, step: float = 1e-6) -> np.ndarray:
    """The 2x2 Jacobian of the vector field at (0, 0), by central differences.

    Without regularisation it is [[0, 1/2], [-1/2, 0]]: eigenvalues +-i/2, a pure rotation, so
    gradient flow circles forever and simultaneous Euler steps (eigenvalues 1 +- i h/2, modulus > 1)
    spiral outwards. R1 adds -gamma to the psi-psi entry, making the real parts negative.
    """
    columns = []
    for e in np.eye(2) * step:
        plus = np.array(dirac_gan_field(e[0], e[1], r1))
        minus = np.array(dirac_gan_field(-e[0], -e[1], r1))
        columns.append((plus - minus) / (2 * step))
    return np.stack(columns, axis=1)
