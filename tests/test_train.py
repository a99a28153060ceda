"""The shared training loops of ganbook.train: records, shape checks, GAN snapshots."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ganbook import train
from ganbook.models import autoencoder, gan


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
