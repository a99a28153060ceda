"""Cats-vs-dogs models at 32x32x3: shapes, augmentation in training only, a few steps lower the loss on a
tiny slice, the ConvVAE's history terms, seeded determinism, builders that leave the global seed alone."""

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
    # without dropout, the flip and the shift are the network's only randomness
    model = pets.build_pet_classifier(size=32, width=8, features=16, dropout=0.0)
    x = _tiny_images(8)
    assert model(x).shape == (8, 2)
    assert model.get_layer(pets.FEATURE_LAYER).output.shape[-1] == 16
    # the images as the convolutions see them, after the flip and the shift
    shift = next(layer for layer in model.layers if isinstance(layer, keras.layers.RandomTranslation))
    augmented = keras.Model(model.input, shift.output)
    np.testing.assert_array_equal(augmented(x, training=False), x)  # inference: the images themselves
    training = augmented(x, training=True).numpy()
    changed = np.abs(training - x).reshape(len(x), -1).max(axis=1) > 1e-3
    assert changed.sum() >= len(x) // 2, "training should flip or shift most of the images"
    # so the whole network is deterministic at inference and not in training
    np.testing.assert_array_equal(model(x, training=False), model(x, training=False))
    assert not np.allclose(model(x, training=True), model(x, training=False))


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


def test_conv_vae_history_means_what_the_vae_history_means():
    """``reconstruction`` is E_q log p(x | z), a log-likelihood (<= 0); loss = -ELBO = kl - reconstruction."""
    keras.utils.set_random_seed(0)
    model = pets.build_conv_vae(size=32, latent_size=4, width=4)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(_tiny_images(32), epochs=2, batch_size=16, verbose=0,
                        validation_data=(_tiny_images(16, seed=1),)).history
    for prefix in ("", "val_"):
        reconstruction, kl, loss = (np.array(history[prefix + name])
                                    for name in ("reconstruction", "kl", "loss"))
        assert np.all(reconstruction < 0) and np.all(kl >= 0)
        np.testing.assert_allclose(loss, kl - reconstruction, rtol=1e-6)


def test_conv_vae_rejects_sizes_it_cannot_mirror():
    with pytest.raises(ValueError, match="divisible by 4"):
        pets.build_conv_vae(size=30)


def test_pet_dcgan_shapes_and_seeded_determinism():
    keras.utils.set_random_seed(3)  # the initial weights follow the global seed (the cache sets it)
    first = pets.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    keras.utils.set_random_seed(3)
    again = pets.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    samples = first.sample(5, seed=1)
    assert samples.shape == (5, 32, 32, 3) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples, again.sample(5, seed=1), rtol=1e-6)
    assert first.discriminator(samples).shape == (5, 1)


def test_pet_dcgan_builder_leaves_the_global_seed_alone():
    np.random.seed(12345)
    state = np.random.get_state()[1].copy()
    pets.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


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
