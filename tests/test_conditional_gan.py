"""The conditional DCGAN: the class prior and the labels G draws, the projection discriminator,
training on labelled pairs, seeded sampling, clear errors on bad labels."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganbook.models import conditional_gan


def _model(seed=0, average_decay=0.0):
    keras.utils.set_random_seed(seed)
    model = conditional_gan.build_conditional_dcgan(noise_size=8, width=4, average_decay=average_decay)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), jit_compile=False)
    return model


def _labelled(count=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(count, 784)).astype("float32"), rng.integers(0, 10, count).astype("int32")


def test_the_class_prior_is_the_labels_frequencies():
    model = _model()
    np.testing.assert_allclose(model.class_prior.numpy(), np.full(10, 0.1))  # uniform until set
    model.set_class_prior(np.array([0, 0, 1, 3, 9]))
    np.testing.assert_allclose(model.class_prior.numpy(), [0.4, 0.2, 0, 0.2, 0, 0, 0, 0, 0, 0.2])


def test_drawn_labels_follow_the_prior_and_never_an_absent_class():
    model = _model()
    model.set_class_prior(np.array([0, 0, 1, 3, 9]))
    draws = 40_000
    _, labels = model.noise(draws)
    frequencies = np.bincount(labels.numpy(), minlength=10) / draws
    standard_error = np.sqrt(0.4 * 0.6 / draws)  # the largest class's, about 0.0024
    np.testing.assert_allclose(frequencies, model.class_prior.numpy(), atol=5 * standard_error)
    assert frequencies[[2, 4, 5, 6, 7, 8]].sum() == 0


def test_bad_labels_are_named():
    model = _model()
    with pytest.raises(ValueError, match=r"0\.\.9"):
        model.set_class_prior(np.array([1, 10]))
    with pytest.raises(ValueError, match="non-empty"):
        model.set_class_prior(np.array([], dtype=int))
    with pytest.raises(ValueError, match="one per image"):
        model.sample(4, labels=[1, 2])


def test_the_logit_is_a_linear_term_plus_the_projection_on_the_class_vector():
    """D(x, y) = w . f(x) + b + e_y . f(x): the logits of two labels differ by (e_a - e_b) . f(x)."""
    model = _model()
    discriminator = model.discriminator
    features = keras.Model(discriminator.inputs, discriminator.get_layer(index=-5).output)
    embedding = next(layer for layer in discriminator.layers if isinstance(layer, keras.layers.Embedding))
    images = tf.constant(_labelled(5)[0])
    f = features((images, tf.zeros(5, tf.int32)), training=False).numpy()
    assert f.shape == (5, 7 * 7 * 8)
    a, b = tf.fill((5,), 3), tf.fill((5,), 7)
    difference = (discriminator((images, a), training=False) - discriminator((images, b), training=False)).numpy()
    e = embedding.embeddings.numpy()
    np.testing.assert_allclose(difference[:, 0], f @ (e[3] - e[7]), rtol=1e-4, atol=1e-5)


def test_sampling_is_seeded_and_follows_given_labels():
    model = _model()
    first, again, other = model.sample(6, seed=4), model.sample(6, seed=4), model.sample(6, seed=5)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert first.shape == (6, 784) and 0.0 <= first.min() and first.max() <= 1.0
    threes, sevens = model.sample(6, seed=4, labels=[3] * 6), model.sample(6, seed=4, labels=[7] * 6)
    assert not np.allclose(threes, sevens)  # the same noise, another class: another image


def test_training_on_pairs_changes_both_players_and_either_call_form_is_the_same_step():
    images, labels = _labelled()
    weights = []
    for data in (((images, labels),), (images, labels)):  # fit((images, labels)), fit(images, labels)
        model = _model(seed=1)
        players = (model.generator, model.discriminator)
        before = [[w.copy() for w in player.get_weights()] for player in players]
        model.train_step(tf.nest.map_structure(tf.constant, data))
        for player, old in zip(players, before):
            assert any(not np.allclose(w, v) for w, v in zip(old, player.get_weights())), player.name
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_the_discriminator_sees_the_labels_the_generator_drew():
    model = _model()
    z, labels = model.noise(4)
    images, passed = model.generator((z, labels), training=False)
    np.testing.assert_array_equal(passed.numpy(), labels.numpy())
    assert images.shape == (4, 784)
