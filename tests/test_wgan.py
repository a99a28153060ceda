"""WGAN-GP: the critic's loss and the gradient penalty by hand (a linear critic), a training step
that changes the generator, seeded determinism, the critic's batch split, and its arithmetic."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganbook import flops, toy
from ganbook.models import wgan
from ganbook.train import fit_wgan


def _linear_critic(weights, bias=0.5):
    critic = keras.Sequential([keras.Input((len(weights),)), keras.layers.Dense(1)])
    critic.layers[0].set_weights([np.reshape(weights, (-1, 1)).astype("float32"), np.array([bias], "float32")])
    return critic


def test_critic_loss_is_the_negative_w1_estimate():
    real, fake = tf.constant([1.0, 3.0]), tf.constant([0.5, -0.5])
    assert float(wgan.critic_loss(real, fake)) == pytest.approx(0.0 - 2.0)
    assert float(wgan.wasserstein_generator_loss(fake)) == pytest.approx(0.0)


@pytest.mark.parametrize("weights", [[3.0, 4.0], [0.6, 0.8], [0.0, 0.25]])
def test_gradient_penalty_of_a_linear_critic_is_the_squared_gap_of_its_weight_norm(weights):
    """f(x) = w.x + b has slope w everywhere, so the penalty is (|w| - 1)^2 whatever the points."""
    rng = np.random.default_rng(0)
    real, fake = (tf.constant(rng.normal(size=(8, 2)), tf.float32) for _ in range(2))
    mixing = tf.constant(rng.random((8, 1)), tf.float32)
    penalty = float(wgan.gradient_penalty(_linear_critic(weights), real, fake, mixing))
    assert penalty == pytest.approx((np.linalg.norm(weights) - 1.0) ** 2, rel=1e-5)


def test_gradient_penalty_measures_slopes_in_units_of_the_distance_scale():
    scale = tf.constant([0.5, 2.0])
    real = fake = tf.zeros((4, 2))
    penalty = float(wgan.gradient_penalty(_linear_critic([3.0, 4.0]), real, fake, tf.ones((4, 1)), scale))
    assert penalty == pytest.approx((np.hypot(1.5, 8.0) - 1.0) ** 2, rel=1e-5)


def _small_ring_wgan(seed=3):
    keras.utils.set_random_seed(seed)
    model = wgan.build_ring_wgan(noise_size=4, hidden=(16,), critic_steps=2, penalty=1.0, seed=seed)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
                  g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9), jit_compile=False)
    return model


def test_a_training_step_changes_the_generator_and_the_critic():
    model = _small_ring_wgan()
    before_g = [w.numpy().copy() for w in model.generator.trainable_variables]
    before_c = [w.numpy().copy() for w in model.critic.trainable_variables]
    logs = model.train_on_batch(toy.ring_of_gaussians(64, seed=0), return_dict=True)
    assert set(logs) == {"critic_loss", "g_loss", "w_estimate", "gradient_penalty"}
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(before_g, model.generator.trainable_variables))
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(before_c, model.critic.trainable_variables))


def test_each_critic_step_takes_its_own_part_of_the_batch(monkeypatch):
    model = _small_ring_wgan()
    seen = []
    original = wgan.WassersteinGAN._critic_step

    def recording(self, real):
        seen.append(real)
        return original(self, real)

    monkeypatch.setattr(wgan.WassersteinGAN, "_critic_step", recording)
    model.run_eagerly = True
    batch = toy.ring_of_gaussians(10, seed=0)
    model.train_on_batch(batch)
    assert len(seen) == 2
    np.testing.assert_array_equal(np.concatenate([np.asarray(s) for s in seen]), batch)


def test_seeded_training_is_deterministic():
    def trained():
        model = _small_ring_wgan(seed=5)
        x = toy.ring_of_gaussians(256, seed=1)
        history = fit_wgan(model, x, epochs=2, batch_size=32, learning_rate=1e-3, betas=(0.5, 0.9),
                           jit_compile=False, steps_per_execution=1, snapshot_count=8)
        return model.generator.get_weights(), history["w_estimate"]
    (weights_a, w_a), (weights_b, w_b) = trained(), trained()
    assert w_a == w_b
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)


def test_bad_settings_are_refused():
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="critic_steps"):
        wgan.WassersteinGAN(generator, critic, 2, critic_steps=0)
    with pytest.raises(ValueError, match="penalty"):
        wgan.WassersteinGAN(generator, critic, 2, penalty=-1.0)


def test_wgan_step_flops_count_critic_steps_and_a_share_of_the_generator_step():
    model = wgan.build_ring_wgan(noise_size=4, hidden=(16,), critic_steps=4)
    g, d = flops.forward_flops(model.generator), flops.forward_flops(model.critic)
    critic_step = g + 2 * flops.training_flops(model.critic) + 4 * d
    generator_step = flops.training_flops(model.generator) + flops.training_flops(model.critic, input_gradient=True)
    assert flops.wgan_step_flops(model.generator, model.critic, 4) == pytest.approx(critic_step + generator_step / 4)
