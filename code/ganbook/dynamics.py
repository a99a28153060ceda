"""Training dynamics of the Dirac-GAN (Mescheder, Geiger and Nowozin 2018), the smallest GAN that fails to converge.

Data: a point mass at 0. Generator: a point mass at theta. Discriminator: D(x) = sigmoid(psi x).
The value function is V(theta, psi) = log D(0) + log(1 - D(theta)) = log 1/2 + log sigmoid(-psi theta);
the discriminator ascends it in psi, the generator descends it in theta. The unique equilibrium is
(0, 0). An R1 penalty (gamma / 2) |dD-logit/dx|^2 on real data adds -gamma psi to the discriminator's step.

Under the Wasserstein loss (``dirac_wgan_field``) the critic is f(x) = psi x and the field is a
pure rotation; ``play`` runs four ways of following a field (simultaneous, alternating,
extragradient and optimistic steps), with one step size per player. ``dirac_wgan_penalty_field``
centres the critic's penalty at slope 0 (R1) or at slope 1 (WGAN-GP).
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
    return play(lambda theta, psi: dirac_gan_field(theta, psi, r1), (theta0, psi0), steps,
                (learning_rate, learning_rate), method)


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


# ----------------------------------------------------------------------------- the Wasserstein Dirac-GAN

PLAY_METHODS = ("simultaneous", "alternating", "extragradient", "optimistic")


def dirac_wgan_field(theta, psi, penalty: float = 0.0):
    """The Dirac-GAN under the Wasserstein loss: critic f(x) = psi x, V(theta, psi) = f(0) - f(theta).

    V = -psi theta; the critic ascends V - (penalty / 2) psi^2 (the penalty is the squared slope
    |f'(x)|^2 = psi^2, R1's form for this critic), the generator descends V. Without the penalty
    the field (psi, -theta) is a pure rotation about the equilibrium (0, 0).
    """
    theta, psi = np.asarray(theta, float), np.asarray(psi, float)
    return psi, -theta - penalty * psi


def play(field, start: tuple[float, float], steps: int, learning_rates: tuple[float, float],
         method: str = "simultaneous") -> np.ndarray:
    """Gradient play on ``field(theta, psi) -> (d theta, d psi)``; rows are (theta, psi) after 0..steps steps.

    ``learning_rates`` = (h_theta, h_psi): the generator's and the critic's step sizes (two time
    scales when they differ). The methods, with F the field and H the diagonal of step sizes:

    - ``simultaneous``: w <- w + H F(w);
    - ``alternating``: the critic first, the generator against the updated critic;
    - ``extragradient`` (Korpelevich 1976): w <- w + H F(w + H F(w)), a look-ahead step;
    - ``optimistic`` (Daskalakis et al. 2018): w <- w + 2 H F(w) - H F(w_previous).
    """
    if method not in PLAY_METHODS:
        raise ValueError(f"method must be one of {PLAY_METHODS}, got {method!r}")
    rates = np.asarray(learning_rates, float)
    if rates.shape != (2,) or not np.all(rates > 0) or steps < 0:
        raise ValueError("learning_rates must be two positive numbers and steps non-negative")

    def step_of(w):
        return rates * np.array(field(w[0], w[1]), float)

    path = np.empty((steps + 1, 2))
    w = np.array(start, float)
    path[0] = w
    previous = step_of(w)  # the optimistic method's F(w_{-1}): its first step is a plain one
    for i in range(1, steps + 1):
        if method == "simultaneous":
            w = w + step_of(w)
        elif method == "alternating":
            psi = w[1] + rates[1] * field(w[0], w[1])[1]
            w = np.array([w[0] + rates[0] * field(w[0], psi)[0], psi])
        elif method == "extragradient":
            w = w + step_of(w + step_of(w))
        else:
            current = step_of(w)
            w = w + 2.0 * current - previous
            previous = current
        path[i] = w
    return path


# ----------------------------------------------------------------------------- where the penalty is centred

# Shown in the chapter on divergences (book/divergences.md), section "Zero-centred and
# one-centred penalties".
def dirac_wgan_penalty_field(theta, psi, gamma: float, centre: float = 0.0):
    """The Wasserstein Dirac-GAN with the critic penalty (gamma/2)(|psi| - c)^2.

    The critic f(x) = psi x has the slope psi at every x, so the penalty
    depends on psi alone: c = ``centre`` = 0 is R1 (``dirac_wgan_field``),
    c = 1 is WGAN-GP's lambda (|psi| - 1)^2 with lambda = gamma / 2.
    The critic ascends V - penalty, the generator descends V = -psi theta.
    At psi = 0 the one-centred penalty has no derivative: sign(0) = 0 there.
    """
    theta, psi = np.asarray(theta, float), np.asarray(psi, float)
    return psi, -theta - gamma * (psi - centre * np.sign(psi))
