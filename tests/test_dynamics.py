"""The Dirac-GAN: equilibrium, rotation, divergence of simultaneous steps, convergence with R1."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import dynamics


def test_the_equilibrium_is_a_fixed_point_with_a_rotating_jacobian():
    assert dynamics.dirac_gan_field(0.0, 0.0) == (0.0, 0.0)
    np.testing.assert_allclose(dynamics.jacobian_at_equilibrium(), [[0, 0.5], [-0.5, 0]], atol=1e-8)
    eigenvalues = np.linalg.eigvals(dynamics.jacobian_at_equilibrium())
    np.testing.assert_allclose(eigenvalues.real, 0, atol=1e-8)
    np.testing.assert_allclose(sorted(eigenvalues.imag), [-0.5, 0.5], atol=1e-8)
    assert np.all(np.linalg.eigvals(dynamics.jacobian_at_equilibrium(r1=0.3)).real < 0)


def test_simultaneous_steps_spiral_out_and_alternating_steps_stay_bounded():
    radius = lambda path: np.hypot(path[:, 0], path[:, 1])
    simultaneous = radius(dynamics.dirac_gan_trajectory(1.0, 1.0, 500, 0.1, "simultaneous"))
    assert np.all(np.diff(simultaneous) > 0)
    alternating = radius(dynamics.dirac_gan_trajectory(1.0, 1.0, 2000, 0.1, "alternating"))
    assert alternating.max() < 1.2 * alternating[0] and alternating.min() > 0.8 * alternating[0]


@pytest.mark.parametrize("method", dynamics.METHODS)
def test_r1_regularisation_converges_to_the_equilibrium(method):
    path = dynamics.dirac_gan_trajectory(1.0, 1.0, 3000, 0.1, method, r1=0.5)
    assert np.hypot(*path[-1]) < 1e-3


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="method"):
        dynamics.dirac_gan_trajectory(1, 1, 10, 0.1, "sequential")
    with pytest.raises(ValueError, match="learning_rate"):
        dynamics.dirac_gan_trajectory(1, 1, 10, 0.0)
