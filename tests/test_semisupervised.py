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


# ----------------------------------------------------------------------------- tuned by leave-one-out

def clusters(per_class=10, classes=3, dims=4, seed=0, spread=0.5):
    """Well separated Gaussian clusters, one per class, with their labels."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class)
    return 5.0 * np.eye(classes, dims)[labels] + rng.normal(0, spread, (len(labels), dims)), labels


def test_loo_accuracy_of_one_nearest_neighbour_by_hand():
    from sklearn.neighbors import KNeighborsClassifier
    # points 0, 1, 3 and 10 on a line, labels a a b b: 0 and 1 are each other's neighbour (right),
    # 3's nearest is 1 (wrong), 10's nearest is 3 (right): 3 of 4
    x = np.array([0.0, 1.0, 3.0, 10.0])
    distances = np.abs(x[:, None] - x[None, :])
    accuracy = semisupervised.loo_accuracy(KNeighborsClassifier(1, metric="precomputed"),
                                           distances, np.array([0, 0, 1, 1]))
    assert accuracy == 0.75


def test_loo_accuracy_of_a_precomputed_kernel_equals_scikit_learns_leave_one_out():
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.svm import SVC
    x, labels = clusters(per_class=8, spread=2.5)  # overlapping, so some are wrong
    gamma = 0.05
    kernel = np.exp(-gamma * ((x[:, None] - x[None]) ** 2).sum(-1))
    ours = semisupervised.loo_accuracy(SVC(C=1.0, kernel="precomputed"), kernel, labels)
    theirs = cross_val_score(SVC(C=1.0, gamma=gamma), x, labels, cv=LeaveOneOut()).mean()
    assert ours == pytest.approx(theirs)
    assert 0.3 < ours < 1


def test_loo_accuracy_rejects_a_matrix_of_the_wrong_shape():
    from sklearn.svm import SVC
    with pytest.raises(ValueError, match=r"\(n, n\) matrix"):
        semisupervised.loo_accuracy(SVC(kernel="precomputed"), np.eye(3), np.zeros(4))


def test_tuned_svm_keeps_the_first_best_setting_by_leave_one_out():
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.svm import SVC
    x, labels = clusters(per_class=6, spread=2.5)
    scale = 1 / (x.shape[1] * x.var())
    grid = [(c, g * scale) for c in semisupervised.SVM_C for g in semisupervised.SVM_GAMMA]
    scores = [cross_val_score(SVC(C=c, gamma=g), x, labels, cv=LeaveOneOut()).mean() for c, g in grid]
    svm = semisupervised.tuned_classifiers(x, labels)["SVM"]
    assert (svm.C, svm.gamma) == pytest.approx(grid[int(np.argmax(scores))])


def test_tuned_knn_takes_one_neighbour_where_only_the_nearest_shares_the_label():
    # tight pairs on a line, labels alternating pair by pair: a point's nearest neighbour is its
    # partner, its next ones belong to the other class
    x = (np.repeat(np.arange(10.0), 2) + np.tile([0.0, 0.1], 10))[:, None]
    labels = np.repeat(np.arange(10) % 2, 2)
    assert semisupervised.tuned_classifiers(x, labels)["k-NN"].n_neighbors == 1


def test_tuned_knn_takes_more_neighbours_when_some_labels_are_wrong():
    x, labels = clusters(per_class=20, classes=2, seed=3)
    labels = labels.copy()
    labels[[0, 7, 25, 33]] = 1 - labels[[0, 7, 25, 33]]  # two wrong labels in each cluster
    assert semisupervised.tuned_classifiers(x, labels)["k-NN"].n_neighbors > 1


def test_tuned_classifiers_are_deterministic():
    x, labels = clusters(per_class=6, spread=2.0)
    first, again = (semisupervised.tuned_classifiers(x, labels) for _ in range(2))
    probe = np.random.default_rng(9).normal(0, 3, (50, x.shape[1]))
    for name in ("SVM", "k-NN"):
        assert first[name].get_params() == again[name].get_params()
        np.testing.assert_array_equal(first[name].predict(probe), again[name].predict(probe))


def test_tuned_accuracy_is_perfect_on_separated_clusters_and_repeats_with_its_seed():
    x, labels = clusters(per_class=100, classes=3)
    test, test_labels = clusters(per_class=50, classes=3, seed=1)
    accuracy = semisupervised.tuned_accuracy(x, labels, test, test_labels, per_class=4, draws=2, seed=5)
    assert set(accuracy) == {"SVM", "k-NN"}
    for values in accuracy.values():
        np.testing.assert_array_equal(values, 1.0)
    noisy, _ = clusters(per_class=100, classes=3, spread=3.0)
    first = semisupervised.tuned_accuracy(noisy, labels, test, test_labels, per_class=4, draws=2, seed=5)
    again = semisupervised.tuned_accuracy(noisy, labels, test, test_labels, per_class=4, draws=2, seed=5)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])


def test_standardised_accuracy_ignores_the_scale_of_each_feature():
    x, labels = clusters(per_class=100, classes=3, spread=2.5)
    test, test_labels = clusters(per_class=50, classes=3, seed=1, spread=2.5)
    stretch = np.array([1.0, 30.0, 0.01, 5.0])
    plain = semisupervised.tuned_accuracy(x, labels, test, test_labels, standardise=True,
                                          per_class=4, draws=2)
    stretched = semisupervised.tuned_accuracy(x * stretch, labels, test * stretch, test_labels,
                                              standardise=True, per_class=4, draws=2)
    unscaled = semisupervised.tuned_accuracy(x * stretch, labels, test * stretch, test_labels,
                                             per_class=4, draws=2)
    for name in plain:
        np.testing.assert_allclose(stretched[name], plain[name])
    assert unscaled["k-NN"].mean() < plain["k-NN"].mean()  # one stretched feature swamps the rest


def test_tuned_accuracy_rejects_mismatched_features():
    with pytest.raises(ValueError, match="same d"):
        semisupervised.tuned_accuracy(np.zeros((100, 3)), np.zeros(100), np.zeros((10, 4)), np.zeros(10))
