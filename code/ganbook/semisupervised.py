"""Classification with few labels: a labelled subset with as many images of each class, and a classifier on features.

Kingma et al. (2014)'s "M1" recipe, in its simplest form: learn features without labels (a VAE's
codes, an autoencoder's codes), then train a small classifier on the few labelled images'
features; compare with the same classifier on raw pixels. The classifier is scikit-learn's
support vector machine with an RBF kernel at its default settings (C = 1, gamma = "scale"):
with 10 labels per class there are too few to set hyper-parameters by validation, and defaults
chosen in advance treat every kind of feature alike.
"""

from __future__ import annotations

import numpy as np
from sklearn.svm import SVC

from ganbook.metrics import finite_array

LABELS_PER_CLASS = 10
DRAWS = 5


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
