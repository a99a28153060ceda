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


# ----------------------------------------------------------------------------- the Wasserstein Dirac-GAN

def _radius(path):
    return np.hypot(path[:, 0], path[:, 1])


def test_the_wasserstein_dirac_gan_field_is_a_rotation():
    assert dynamics.dirac_wgan_field(0.5, -2.0) == (-2.0, -0.5)
    theta, psi = np.random.default_rng(0).normal(size=(2, 10))
    d_theta, d_psi = dynamics.dirac_wgan_field(theta, psi)
    np.testing.assert_allclose(theta * d_theta + psi * d_psi, 0, atol=1e-12)  # tangent to circles


def test_simultaneous_steps_grow_the_radius_by_sqrt_one_plus_h_squared():
    h = 0.1
    radius = _radius(dynamics.play(dynamics.dirac_wgan_field, (1.0, 1.0), 50, (h, h)))
    np.testing.assert_allclose(radius[1:] / radius[:-1], np.sqrt(1 + h**2), rtol=1e-12)


def test_alternating_steps_stay_bounded_and_do_not_converge():
    radius = _radius(dynamics.play(dynamics.dirac_wgan_field, (1.0, 1.0), 5000, (0.1, 0.1), "alternating"))
    assert 0.8 * radius[0] < radius.min() and radius.max() < 1.2 * radius[0]


@pytest.mark.parametrize("method", ["extragradient", "optimistic"])
def test_look_ahead_methods_converge_on_the_rotation(method):
    radius = _radius(dynamics.play(dynamics.dirac_wgan_field, (1.0, 1.0), 3000, (0.1, 0.1), method))
    assert radius[-1] < 1e-3 * radius[0]


def test_extragradient_shrinks_by_the_modulus_of_one_minus_h_squared_plus_i_h():
    h = 0.2
    radius = _radius(dynamics.play(dynamics.dirac_wgan_field, (1.0, 0.0), 40, (h, h), "extragradient"))
    np.testing.assert_allclose(radius[1:] / radius[:-1], np.sqrt(1 - h**2 + h**4), rtol=1e-12)


def test_two_time_scales_alone_do_not_converge_but_do_with_a_critic_penalty():
    rates = (0.01, 0.1)
    plain = _radius(dynamics.play(dynamics.dirac_wgan_field, (1.0, 1.0), 3000, rates))
    assert plain[-1] > plain[0]
    penalised = dynamics.play(lambda t, p: dynamics.dirac_wgan_field(t, p, penalty=1.0), (1.0, 1.0), 3000, rates)
    assert _radius(penalised)[-1] < 1e-3


@pytest.mark.parametrize("gamma", [0.1, 0.5, 0.9])
def test_r1_step_size_condition_h_below_four_gamma(gamma):
    """Simultaneous steps on the sigmoid Dirac-GAN with R1 converge locally iff h < 4 gamma (gamma < 1)."""
    def final_radius(h):
        path = dynamics.play(lambda t, p: dynamics.dirac_gan_field(t, p, r1=gamma), (1e-3, 1e-3), 4000, (h, h))
        return _radius(path)[-1]
    assert final_radius(0.9 * 4 * gamma) < 1e-4
    assert final_radius(1.1 * 4 * gamma) > 1e-3


def test_play_rejects_unknown_methods_and_bad_rates():
    with pytest.raises(ValueError, match="method must be one of"):
        dynamics.play(dynamics.dirac_wgan_field, (1.0, 1.0), 3, (0.1, 0.1), "adam")
    with pytest.raises(ValueError, match="positive"):
        dynamics.play(dynamics.dirac_wgan_field, (1.0, 1.0), 3, (0.1, 0.0))


# ----------------------------------------------------------------------------- zero- and one-centred penalties

def _penalised(gamma, centre):
    return lambda theta, psi: dynamics.dirac_wgan_penalty_field(theta, psi, gamma, centre)


def test_the_zero_centred_penalty_is_the_r1_field_and_the_one_centred_one_shifts_it():
    theta, psi = np.random.default_rng(1).normal(size=(2, 20))
    gamma = 0.7
    np.testing.assert_allclose(dynamics.dirac_wgan_penalty_field(theta, psi, gamma),
                               dynamics.dirac_wgan_field(theta, psi, penalty=gamma), atol=1e-15)
    # on each half-plane psi > 0, psi < 0 the one-centred field is J (w - (+-gamma, 0))
    jacobian = np.array([[0.0, 1.0], [-1.0, -gamma]])
    centre = np.stack([np.sign(psi) * gamma, np.zeros_like(psi)])
    expected = jacobian @ (np.stack([theta, psi]) - centre)
    np.testing.assert_allclose(dynamics.dirac_wgan_penalty_field(theta, psi, gamma, 1.0), expected, atol=1e-14)
    assert dynamics.dirac_wgan_penalty_field(0.0, 0.0, gamma, 1.0) == (0.0, 0.0)
    above = dynamics.dirac_wgan_penalty_field(0.0, 1e-12, gamma, 1.0)[1]
    below = dynamics.dirac_wgan_penalty_field(0.0, -1e-12, gamma, 1.0)[1]
    assert above == pytest.approx(gamma) and below == pytest.approx(-gamma)  # a jump of 2 gamma


@pytest.mark.parametrize("gamma", [0.5, 1.0, 1.5])
def test_zero_centred_step_size_thresholds(gamma):
    """Simultaneous steps converge iff h < gamma; alternating ones iff h^2 + 2 gamma h < 4."""
    def final(h, method, steps):
        return np.hypot(*dynamics.play(_penalised(gamma, 0.0), (1e-3, 1e-3), steps, (h, h), method)[-1])
    alternating = np.sqrt(gamma**2 + 4) - gamma
    assert final(0.95 * gamma, "simultaneous", 4000) < 1e-8
    assert final(1.05 * gamma, "simultaneous", 1000) > 1e-3
    assert final(0.97 * alternating, "alternating", 4000) < 1e-8
    assert final(1.03 * alternating, "alternating", 1000) > 1e-3


@pytest.mark.parametrize("method", dynamics.METHODS)
def test_one_centred_steps_leave_the_equilibrium_and_circle_at_the_predicted_crossing(method):
    gamma, h = 1.0, 0.01
    path = dynamics.play(_penalised(gamma, 1.0), (1e-3, 1e-3), 8000, (h, h), method)
    assert np.hypot(path[-2000:, 0], path[-2000:, 1]).min() > 1.0
    rho = np.exp(-np.pi * gamma / np.sqrt(4 - gamma**2))
    crossing = gamma * (1 + rho) / (1 - rho)
    assert np.abs(path[-2000:, 0]).max() == pytest.approx(crossing, rel=0.02)


@pytest.mark.parametrize("start", [(1e-3, 1e-3), (1.0, 1.0), (-5.0, -0.3)])
def test_with_strong_one_centred_penalty_the_generator_stops_gamma_from_the_data(start):
    gamma = 3.0
    path = dynamics.play(_penalised(gamma, 1.0), start, 20_000, (0.01, 0.01), "alternating")
    theta, psi = path[-1]
    assert abs(abs(theta) - gamma) < 1e-6 and abs(psi) < 1e-6
