"""Classification with few labels: a labelled subset with as many images of each class, and a classifier on features.

Kingma et al. (2014)'s "M1" recipe, in its simplest form: learn features without labels (a VAE's
codes, an autoencoder's codes), then train a small classifier on the few labelled images'
features; compare with the same classifier on raw pixels. ``few_label_accuracy`` uses
scikit-learn's support vector machine with an RBF kernel at its default settings (C = 1,
gamma = "scale"), chosen in advance for every kind of feature.

``tuned_classifiers`` and ``tuned_accuracy`` are the other protocol: an RBF SVM and a k-nearest-
neighbour classifier whose hyper-parameters are chosen by leave-one-out cross-validation on the
labelled images alone (the test images are touched once, by the chosen classifiers), on the
features as they are or standardised with the whole unlabelled pool's means and deviations.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ganbook.metrics import finite_array

LABELS_PER_CLASS = 10
DRAWS = 5
SVM_C = (1.0, 10.0, 100.0)
SVM_GAMMA = (0.1, 0.3, 1.0)  # multiples of scikit-learn's gamma="scale", 1 / (d * variance)
NEIGHBOURS = (1, 3, 5, 7, 9)


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "Semi-
# supervised learning with 100 labels".
def labelled_subset(labels: np.ndarray, per_class: int = LABELS_PER_CLASS,
                    seed: int = 0) -> np.ndarray:
    """Sorted indices of per_class images of each class, drawn with seed."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"labels must be a non-empty 1-d array of class "
                         f"labels, got shape {labels.shape}")
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}")
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} images, "
                             f"fewer than the {per_class} asked for")
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def few_label_accuracy(features: np.ndarray, labels: np.ndarray, test_features: np.ndarray,
                       test_labels: np.ndarray, per_class: int = LABELS_PER_CLASS, draws: int = DRAWS,
                       seed: int = 0) -> np.ndarray:
    """Test accuracy of an RBF support vector machine trained on ``per_class`` labelled images per class.

    One accuracy per draw of the labelled subset (``labelled_subset`` with seeds
    ``seed, seed + 1, ...``), all from the same pool ``features``/``labels``.
    """
    features = finite_array("features", features)
    test_features = finite_array("test_features", test_features)
    if features.ndim != 2 or test_features.ndim != 2 or features.shape[1] != test_features.shape[1]:
        raise ValueError(f"features and test_features must be (n, d) arrays with the same d, "
                         f"got {features.shape} and {test_features.shape}")
    if len(features) != len(labels) or len(test_features) != len(test_labels):
        raise ValueError("each feature array needs one label per row")
    accuracies = []
    for draw in range(draws):
        chosen = labelled_subset(labels, per_class, seed + draw)
        classifier = SVC(kernel="rbf").fit(features[chosen], labels[chosen])
        accuracies.append(np.mean(classifier.predict(test_features) == np.asarray(test_labels)))
    return np.asarray(accuracies)


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "Semi-
# supervised learning with 100 labels".
def loo_accuracy(classifier, pairwise: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out accuracy of an unfitted classifier on a precomputed matrix.

    ``pairwise`` is the (n, n) kernel (SVC(kernel="precomputed")) or distance
    matrix (metric="precomputed") of the n labelled examples; each example is
    predicted by a copy of ``classifier`` fitted to the other n - 1.
    """
    pairwise, labels = np.asarray(pairwise), np.asarray(labels)
    n = len(labels)
    if n < 2 or pairwise.shape != (n, n):
        raise ValueError(f"leave-one-out needs 2 or more labels and an (n, n) "
                         f"matrix, got {n} labels and shape {pairwise.shape}")
    hits = 0
    for i in range(n):
        rest = np.arange(n) != i
        fitted = clone(classifier).fit(pairwise[np.ix_(rest, rest)],
                                       labels[rest])
        hits += int(fitted.predict(pairwise[i:i + 1, rest])[0] == labels[i])
    return hits / n


# Shown in the chapter "A VAE or an autoencoder plus a GAN?" (book/vae-or-gan.md), section "Semi-
# supervised learning with 100 labels".
def tuned_classifiers(features: np.ndarray, labels: np.ndarray) -> dict:
    """An RBF SVM and a k-NN classifier fitted to the labelled examples.

    Each keeps the setting with the best leave-one-out accuracy: SVM, C in
    SVM_C and gamma in SVM_GAMMA times 1 / (d * variance of ``features``);
    k-NN, k in NEIGHBOURS. Ties go to the first in that order. Nothing is
    random: the same examples give the same classifiers.
    """
    features = finite_array("features", features, ndim=2)
    labels = np.asarray(labels)
    squared = euclidean_distances(features, squared=True)
    scale = 1 / (features.shape[1] * features.var())
    c, gamma = max(((c, g * scale) for c in SVM_C for g in SVM_GAMMA),
                   key=lambda p: loo_accuracy(SVC(C=p[0], kernel="precomputed"),
                                              np.exp(-p[1] * squared), labels))
    # predict(None): each example from its neighbours other than itself, which
    # is leave-one-out without refitting.
    k = max(NEIGHBOURS, key=lambda k: np.mean(
        KNeighborsClassifier(k).fit(features, labels).predict(None) == labels))
    return {"SVM": SVC(C=c, gamma=gamma).fit(features, labels),
            "k-NN": KNeighborsClassifier(k).fit(features, labels)}


def tuned_accuracy(features: np.ndarray, labels: np.ndarray, test_features: np.ndarray,
                   test_labels: np.ndarray, standardise: bool = False, per_class: int = LABELS_PER_CLASS,
                   draws: int = DRAWS, seed: int = 0) -> dict[str, np.ndarray]:
    """Test accuracy of each of ``tuned_classifiers``, one per draw of the labelled subset.

    The draws are ``few_label_accuracy``'s. With ``standardise``, every feature is first centred
    and scaled by its mean and standard deviation over all of ``features``, the unlabelled pool
    (no labels are used; a constant feature is left unscaled).
    """
    features = finite_array("features", features, ndim=2)
    test_features = finite_array("test_features", test_features, ndim=2)
    if features.shape[1] != test_features.shape[1]:
        raise ValueError(f"features and test_features must have the same d, "
                         f"got {features.shape} and {test_features.shape}")
    if len(features) != len(labels) or len(test_features) != len(test_labels):
        raise ValueError("each feature array needs one label per row")
    labels, test_labels = np.asarray(labels), np.asarray(test_labels)
    scale = StandardScaler().fit(features).transform if standardise else np.asarray
    test_features = scale(test_features)
    accuracy: dict[str, list[float]] = {}
    for draw in range(draws):
        chosen = labelled_subset(labels, per_class, seed + draw)
        for name, fitted in tuned_classifiers(scale(features[chosen]), labels[chosen]).items():
            accuracy.setdefault(name, []).append(np.mean(fitted.predict(test_features) == test_labels))
    return {name: np.asarray(values) for name, values in accuracy.items()}
