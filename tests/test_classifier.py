"""Classifiers and their training loop: shapes, both losses, learning on a small slice, determinism;
the cats-vs-dogs judge's augmentation only in training."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganbook import data
from ganbook.models import classifier
from ganbook.models.memorizer import LookupTable
from ganbook.train import one_hot, train_classifier
from tests.images import tiny_colour_images


@pytest.mark.parametrize("variant", classifier.VARIANTS)
def test_output_shapes(variant):
    model = classifier.build_mlp(32, variant)
    x = np.zeros((7, 784), np.float32)
    assert model(x).shape == (7, 10)
    probabilities = classifier.class_probabilities(model, variant, x)
    np.testing.assert_allclose(tf.reduce_sum(probabilities, axis=1), np.ones(7), rtol=1e-5)


def test_talk_variant_has_no_biases_and_sigmoid_outputs():
    model = classifier.build_mlp(16, "talk")
    assert [w.name for w in model.trainable_weights] == ["kernel", "kernel"]
    outputs = model(np.random.default_rng(0).normal(size=(50, 784)).astype(np.float32)).numpy()
    assert outputs.min() > 0 and outputs.max() < 1


def test_losses_against_hand_computed_values():
    targets = tf.constant([[0.0, 1.0], [1.0, 0.0]])
    outputs = tf.constant([[0.0, 0.5], [0.25, 0.0]])
    mse = classifier.loss_function("talk")(targets, outputs)
    assert float(mse) == pytest.approx((0 + 0.25 + 0.5625 + 0) / 4)
    ce = classifier.loss_function("cross-entropy")(targets, outputs)
    expected = np.mean([np.log(1 + np.exp(-0.5)), np.log(1 + np.exp(-0.25))])
    assert float(ce) == pytest.approx(expected, rel=1e-6)


def test_unknown_variant_is_an_error():
    with pytest.raises(ValueError, match="variant must be one of"):
        classifier.build_mlp(8, "hinge")


def test_one_hot_rejects_bad_labels():
    with pytest.raises(ValueError, match="integers in 0..9"):
        one_hot(np.array([1, 10]))


def _small_mnist(real_data, count=2000):
    mnist = data.load_mnist()
    x, y = data.flatten(mnist.train.x[:count]), mnist.train.y[:count]
    return (x, y), (data.flatten(mnist.test.x[:1000]), mnist.test.y[:1000])


@pytest.mark.parametrize("variant", classifier.VARIANTS)
def test_loss_falls_on_a_small_mnist_slice(real_data, variant):
    train, test = _small_mnist(real_data)
    keras.utils.set_random_seed(0)
    model = classifier.build_mlp(64, variant)
    record = train_classifier(model, classifier.loss_function(variant), train, test, steps=60, batch_size=64,
                              learning_rate=0.005, eval_every=30, seed=0, train_eval_size=1000)
    assert record.history["step"] == [0, 30, 60]
    assert record.history["train_loss"][-1] < 0.7 * record.history["train_loss"][0]
    assert record.metrics["test_error"] < 0.5


def test_same_seed_same_weights(real_data):
    train, test = _small_mnist(real_data, 500)

    def run():
        keras.utils.set_random_seed(5)
        model = classifier.build_mlp(16, "cross-entropy")
        train_classifier(model, classifier.loss_function("cross-entropy"), train, test, steps=20, batch_size=32,
                         learning_rate=0.01, eval_every=20, seed=5)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_wrong_input_shape_is_reported():
    model = classifier.build_mlp(8)
    x = np.zeros((10, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"shape \(n, 784\)"):
        train_classifier(model, classifier.loss_function("cross-entropy"), (x, np.zeros(10, int)),
                         (x, np.zeros(10, int)), steps=1, batch_size=5, learning_rate=0.1, eval_every=1, seed=0)


def test_nan_loss_is_reported():
    model = classifier.build_mlp(8)
    x = np.random.default_rng(0).normal(size=(20, 784)).astype(np.float32) * 1e3
    y = np.arange(20) % 10
    with pytest.raises(FloatingPointError, match="lower the learning rate"):  # a step of 1e38 overflows
        train_classifier(model, classifier.loss_function("cross-entropy"), (x, y), (x, y), steps=2,
                         batch_size=10, learning_rate=1e38, eval_every=1, seed=0)


def test_nan_inputs_are_named_not_blamed_on_the_learning_rate():
    x = np.full((20, 784), np.nan, np.float32)
    with pytest.raises(ValueError, match="the training data contain 15680 NaN or infinite values"):
        train_classifier(classifier.build_mlp(8), classifier.loss_function("cross-entropy"), (x, np.zeros(20, int)),
                         (x, np.zeros(20, int)), steps=2, batch_size=10, learning_rate=0.1, eval_every=1, seed=0)


def test_lookup_table_memorises_and_falls_back():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.array([3, 3, 1, 2])
    table = LookupTable().fit(x, y)
    np.testing.assert_array_equal(table.predict(x), y)
    assert table.predict(np.full((1, 3), -1.0, np.float32)).tolist() == [3]
    assert table.hits(np.vstack([x[:2], -x[2:] - 1])) == 2


def test_cnn_shapes_and_a_few_steps_lower_the_loss():
    rng = np.random.default_rng(0)
    x = rng.random((256, 784)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    model = classifier.build_cnn(width=4, features=16)
    assert model(x[:3]).shape == (3, 10)
    assert model.get_layer(classifier.FEATURE_LAYER).output.shape[-1] == 16
    record = train_classifier(model, classifier.loss_function("cross-entropy"), (x, y), (x, y), steps=60,
                              batch_size=32, learning_rate=3e-3, eval_every=60, seed=0, jit_compile=False)
    assert record.history["train_loss"][-1] < record.history["train_loss"][0]


def test_a_batch_larger_than_the_training_set_is_a_clear_error_not_an_endless_loop():
    rng = np.random.default_rng(0)
    train = (rng.random((40, 784), dtype=np.float32), rng.integers(0, 10, 40))
    model = classifier.build_mlp(hidden=8)
    with pytest.raises(ValueError, match=r"batch_size must be from 1 to the number of training examples \(40\), got 64"):
        train_classifier(model, classifier.loss_function("cross-entropy"), train, train, steps=5, batch_size=64,
                         learning_rate=0.01, eval_every=5, seed=0)


def test_pet_classifier_shapes_features_and_augmentation_only_in_training():
    # without dropout, the flip and the shift are the network's only randomness
    model = classifier.build_pet_classifier(size=32, width=8, features=16, dropout=0.0)
    x = tiny_colour_images(8)
    assert model(x).shape == (8, 2)
    assert model.get_layer(classifier.FEATURE_LAYER).output.shape[-1] == 16
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


def test_pet_classifier_learns_a_separable_toy_problem():
    keras.utils.set_random_seed(0)
    x = tiny_colour_images(128)
    y = (x[:, 0, 0, 0] > x[:, 0, 0, 2]).astype(np.int32)  # red-ish vs blue-ish
    model = classifier.build_pet_classifier(size=32, width=8, features=16, shift=0.0, dropout=0.0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    losses = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.8 * losses[0]
