"""The shared training loops of ganbook.train: records, shape checks, GAN snapshots."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ganbook import train
from ganbook.models import autoencoder, gan, wgan


def test_history_record_converts_to_floats_and_refuses_a_diverged_loss():
    record = train.history_record({"loss": [np.float32(2.0), np.float64(1.5)], "val_loss": [3.0, 2.0]})
    assert record == {"loss": [2.0, 1.5], "val_loss": [3.0, 2.0]}
    assert all(type(v) is float for series in record.values() for v in series)
    with pytest.raises(FloatingPointError, match="the d_loss became nan: lower the learning rate"):
        train.history_record({"d_loss": [1.0, float("nan")]}, loss="d_loss")


def test_fit_unsupervised_names_the_shape_it_expects():
    model = autoencoder.build_autoencoder(code_size=4)
    with pytest.raises(ValueError, match=r"shape \(n, 784\), got \(3, 28, 28\): flatten images first"):
        train.fit_unsupervised(model, np.zeros((3, 28, 28)), None, epochs=1, batch_size=3, learning_rate=1e-3)


def test_fit_gan_keeps_snapshots_after_the_chosen_epochs_and_ends_with_the_average():
    keras.utils.set_random_seed(0)
    model = gan.build_latent_gan(code_size=3, noise_size=2, hidden=(8,), average_decay=0.9)
    x = np.abs(np.random.default_rng(0).normal(size=(64, 3))).astype(np.float32)
    record = train.fit_gan(model, x, epochs=4, batch_size=16, learning_rate=1e-3, jit_compile=False,
                           steps_per_execution=2, snapshot_count=5)
    assert record["snapshot_epochs"] == [1, 2, 4]  # the first, a quarter, half and all, without repeats
    assert [np.shape(s) for s in record["snapshots"]] == [(5, 3)] * 3
    assert len(record["d_loss"]) == 4 and all(type(v) is float for v in record["d_loss"])
    # training ends with the averaged generator, so the last snapshot is what the model now draws
    np.testing.assert_allclose(record["snapshots"][-1], np.round(model.sample(5, seed=1), 3), atol=1e-6)


def test_fit_gan_scores_the_live_and_the_averaged_generator_after_the_score_epochs():
    keras.utils.set_random_seed(0)
    model = gan.build_latent_gan(code_size=3, noise_size=2, hidden=(8,), average_decay=0.9)
    x = np.abs(np.random.default_rng(0).normal(size=(64, 3))).astype(np.float32)
    seen = []

    def score(scored):
        seen.append(scored.generator.get_weights()[0].copy())
        return {"mean": float(scored.sample(100, seed=3).mean())}

    record = train.fit_gan(model, x, epochs=3, batch_size=16, learning_rate=1e-2, jit_compile=False,
                           steps_per_execution=1, snapshot_count=2, score=score, score_epochs=[3, 1])
    assert record["score_epochs"] == [1, 3] and len(seen) == 4
    live, averaged = record["scores"][-1]["live"], record["scores"][-1]["averaged"]
    assert live != averaged, "with averaging the two generators differ"
    # the last score of the average is what the trained model draws, which ends with the average
    np.testing.assert_allclose(averaged["mean"], model.sample(100, seed=3).mean(), rtol=1e-6)
    np.testing.assert_allclose(seen[-1], model.generator.get_weights()[0])


def test_averaging_does_not_change_the_live_players_training():
    """The DCGAN ablation reads a run without averaging off a run with it: their live weights must agree."""
    x = np.abs(np.random.default_rng(0).normal(size=(64, 3))).astype(np.float32)
    live = []
    for decay in (0.0, 0.9):
        keras.utils.set_random_seed(0)
        model = gan.build_latent_gan(code_size=3, noise_size=2, hidden=(8,), average_decay=decay)
        model.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
        model.fit(x, epochs=2, batch_size=16, shuffle=True, verbose=0)
        live.append([w.numpy() for w in model.generator.weights + model.discriminator.weights])
    for without, with_average in zip(*live):
        np.testing.assert_array_equal(without, with_average)


def _latent_gan():
    return gan.build_latent_gan(code_size=3, noise_size=2, hidden=(8,), average_decay=0.9)


CODES = np.abs(np.random.default_rng(0).normal(size=(64, 3))).astype(np.float32)
GAN_SETTINGS = dict(epochs=1, batch_size=16, learning_rate=1e-3, jit_compile=False, steps_per_execution=1,
                    snapshot_count=2)


@pytest.mark.parametrize("parameter", ["batch_size", "epochs", "steps_per_execution"])
@pytest.mark.parametrize("value", [0, -3])
def test_fit_gan_refuses_a_count_below_one_naming_it_before_training(parameter, value):
    model = _latent_gan()
    with pytest.raises(ValueError, match=f"{parameter} must be a whole number of at least 1, got {value}"):
        train.fit_gan(model, CODES, **{**GAN_SETTINGS, parameter: value})
    assert model.compiled is False, "nothing was compiled or trained"


def test_fit_wgan_refuses_a_zero_batch():
    model = wgan.build_ring_wgan(noise_size=2, hidden=(8,), critic_steps=2)
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1, got 0"):
        train.fit_wgan(model, np.zeros((64, 2), np.float32), betas=(0.5, 0.9), **{**GAN_SETTINGS, "batch_size": 0})


@pytest.mark.parametrize("parameter", ["batch_size", "epochs"])
def test_fit_unsupervised_refuses_zero_instead_of_keras_default(parameter):
    model = autoencoder.build_autoencoder(code_size=4)
    settings = {"epochs": 1, "batch_size": 3, parameter: 0}
    with pytest.raises(ValueError, match=f"{parameter} must be a whole number of at least 1, got 0"):
        train.fit_unsupervised(model, np.zeros((3, 784)), None, learning_rate=1e-3, **settings)


def test_train_classifier_refuses_a_zero_evaluation_interval():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10)])
    data = (np.zeros((8, 4), np.float32), np.zeros(8, int))
    with pytest.raises(ValueError, match="eval_every must be a whole number of at least 1, got 0"):
        train.train_classifier(model, keras.losses.CategoricalCrossentropy(from_logits=True), data, data,
                               steps=2, batch_size=4, learning_rate=1e-3, eval_every=0, seed=0)


def test_empty_training_data_is_a_clear_error_not_a_missing_loss():
    with pytest.raises(ValueError, match=r"the training data are empty \(shape \(0, 3\)\)"):
        train.fit_gan(_latent_gan(), CODES[:0], **GAN_SETTINGS)
    with pytest.raises(ValueError, match="the training data are empty"):
        train.fit_unsupervised(autoencoder.build_autoencoder(code_size=4), np.zeros((0, 784)), None,
                               epochs=1, batch_size=3, learning_rate=1e-3)


def test_nan_in_the_training_data_is_named_before_training_not_blamed_on_the_learning_rate():
    images = np.full((6, 784), 0.5, np.float32)
    images[2, 7] = np.nan
    with pytest.raises(ValueError, match=r"the training data contain 1 NaN or infinite values \(of 4704\)"):
        train.fit_unsupervised(autoencoder.build_autoencoder(code_size=4), images, None,
                               epochs=1, batch_size=3, learning_rate=1e-3)
    labelled = (np.where(np.arange(64 * 3).reshape(64, 3) == 5, np.inf, CODES), np.zeros(64, "int32"))
    with pytest.raises(ValueError, match="contain 1 NaN or infinite values"):
        train.check_training_input(labelled, epochs=1)
