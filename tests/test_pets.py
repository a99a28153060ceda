"""Cats-vs-dogs models at 32x32x3: shapes, a few steps lower the loss on a tiny slice, seeded determinism."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ganbook.models import pets


def _tiny_images(count=64, size=32, seed=0):
    rng = np.random.default_rng(seed)
    # smooth random images: a colour per image plus a horizontal ramp, in [0, 1]
    colour = rng.random((count, 1, 1, 3))
    ramp = np.linspace(0, 1, size)[None, None, :, None]
    images = np.broadcast_to(0.6 * colour + 0.4 * ramp, (count, size, size, 3))
    return np.clip(images, 0, 1).astype(np.float32)


def test_classifier_shapes_features_and_augmentation_only_in_training():
    model = pets.build_pet_classifier(size=32, width=8, features=16)
    x = _tiny_images(4)
    assert model(x).shape == (4, 2)
    assert model.get_layer(pets.FEATURE_LAYER).output.shape[-1] == 16
    np.testing.assert_allclose(model(x, training=False), model(x, training=False))


def test_classifier_learns_a_separable_toy_problem():
    keras.utils.set_random_seed(0)
    x = _tiny_images(128)
    y = (x[:, 0, 0, 0] > x[:, 0, 0, 2]).astype(np.int32)  # red-ish vs blue-ish
    model = pets.build_pet_classifier(size=32, width=8, features=16, shift=0.0, dropout=0.0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    losses = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.8 * losses[0]


def test_conv_vae_shapes_and_loss_falls():
    keras.utils.set_random_seed(0)
    model = pets.build_conv_vae(size=32, latent_size=8, width=8)
    x = _tiny_images(64)
    assert model(x).shape == (64, 32, 32, 3)
    assert model.decode(np.zeros((2, 8), np.float32)).shape == (2, 32, 32, 3)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    losses = model.fit(x, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_conv_vae_rejects_sizes_it_cannot_mirror():
    with pytest.raises(ValueError, match="divisible by 4"):
        pets.build_conv_vae(size=30)


def test_pet_dcgan_shapes_and_seeded_determinism():
    first = pets.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    again = pets.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    samples = first.sample(5, seed=1)
    assert samples.shape == (5, 32, 32, 3) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples, again.sample(5, seed=1), rtol=1e-6)
    assert first.discriminator(samples).shape == (5, 1)


def test_pet_dcgan_discriminator_loss_falls_in_a_few_steps():
    keras.utils.set_random_seed(0)
    model = pets.build_pet_dcgan(size=32, noise_size=8, width=4, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5))
    history = model.fit(_tiny_images(64), epochs=6, batch_size=16, verbose=0).history
    assert history["d_loss"][-1] < history["d_loss"][0]


def test_conv_vae_is_deterministic_given_the_seed():
    keras.utils.set_random_seed(7)
    first = pets.build_conv_vae(size=32, latent_size=4, width=4, seed=7)
    keras.utils.set_random_seed(7)
    again = pets.build_conv_vae(size=32, latent_size=4, width=4, seed=7)
    z = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(first.decode(z).numpy(), again.decode(z).numpy())
    x = _tiny_images(3)
    np.testing.assert_array_equal(first(x).numpy(), again(x).numpy())  # the same reparameterisation noise too
