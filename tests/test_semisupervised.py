"""ganbook.semisupervised: the labelled subset and the few-label classifier."""

import numpy as np
import pytest

from ganbook import semisupervised


def labels_like_mnist(count=5000, seed=0):
    return np.random.default_rng(seed).integers(0, 10, count).astype(np.uint8)


def test_labelled_subset_has_exactly_ten_labels_per_class():
    labels = labels_like_mnist()
    chosen = semisupervised.labelled_subset(labels, per_class=10, seed=0)
    assert len(chosen) == 100 and len(np.unique(chosen)) == 100
    assert np.bincount(labels[chosen], minlength=10).tolist() == [10] * 10


def test_labelled_subset_is_seeded():
    labels = labels_like_mnist()
    first = semisupervised.labelled_subset(labels, seed=3)
    assert np.array_equal(first, semisupervised.labelled_subset(labels, seed=3))
    assert not np.array_equal(first, semisupervised.labelled_subset(labels, seed=4))


def test_labelled_subset_names_a_class_that_is_too_small():
    labels = np.array([0] * 20 + [1] * 3)
    with pytest.raises(ValueError, match="class 1 has 3 images"):
        semisupervised.labelled_subset(labels, per_class=10)


def test_few_label_accuracy_is_perfect_on_separated_clusters():
    rng = np.random.default_rng(0)
    centres = 10.0 * np.eye(10)
    labels, test_labels = rng.integers(0, 10, 2000), rng.integers(0, 10, 500)
    features = centres[labels] + rng.normal(0, 0.5, (2000, 10))
    test_features = centres[test_labels] + rng.normal(0, 0.5, (500, 10))
    accuracy = semisupervised.few_label_accuracy(features, labels, test_features, test_labels, draws=3)
    assert accuracy.shape == (3,)
    np.testing.assert_array_equal(accuracy, 1.0)


def test_few_label_accuracy_is_chance_on_labels_unrelated_to_the_features():
    rng = np.random.default_rng(1)
    features, labels = rng.normal(size=(3000, 5)), rng.integers(0, 10, 3000)
    test_features, test_labels = rng.normal(size=(3000, 5)), rng.integers(0, 10, 3000)
    accuracy = semisupervised.few_label_accuracy(features, labels, test_features, test_labels, draws=2)
    assert np.all(np.abs(accuracy - 0.1) < 0.04)


def test_few_label_accuracy_rejects_mismatched_features():
    with pytest.raises(ValueError, match="same d"):
        semisupervised.few_label_accuracy(np.zeros((100, 3)), np.zeros(100), np.zeros((10, 4)), np.zeros(10))
