"""Judging generators with a classifier: confidence, classes, Inception Score, Fréchet and kernel distances.

A trained classifier (the *judge*) maps each image to class probabilities p(y | x) and to a
feature vector (its penultimate layer). Everything below works on those arrays, so the same
functions judge MNIST digits and cats and dogs.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import scipy.special
import tensorflow as tf

from ganbook.metrics import finite_array, mean_and_standard_error

JUDGE_BATCH = 2000


def _check_images(images: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    images = finite_array("images", images, np.float32)
    if images.shape[1:] != tuple(shape):
        kind = "flat" if len(shape) == 1 else "shaped"
        raise ValueError(f"images must be {kind}, shape (n, {', '.join(map(str, shape))}), "
                         f"got {images.shape}: reshape them first")
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"image pixels must be in [0, 1], found [{low:.4g}, {high:.4g}]: "
                         "divide uint8 images by 255, or rescale or clip the generator's output")
    return images


def judge_outputs(judge: keras.Model, images: np.ndarray,
                  feature_layer: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """(p(y | x), features) for images in [0, 1] of the judge's input shape; the judge outputs logits."""
    images = _check_images(images, judge.input_shape[1:])
    both = keras.Model(judge.inputs, [judge.outputs[0], judge.get_layer(feature_layer).output])
    probabilities, features = [], []
    for start in range(0, len(images), JUDGE_BATCH):
        logits, batch_features = both(tf.constant(images[start : start + JUDGE_BATCH]), training=False)
        probabilities.append(tf.nn.softmax(logits, axis=-1).numpy())
        features.append(batch_features.numpy())
    return np.concatenate(probabilities).astype(np.float64), np.concatenate(features).astype(np.float64)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, classes) logits (SciPy's, stable for large logits), after the finite check."""
    return scipy.special.softmax(finite_array("logits", logits), axis=1)


def _check_probabilities(probabilities: np.ndarray) -> np.ndarray:
    p = finite_array("probabilities", probabilities)
    if p.ndim != 2 or not np.all(p >= 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("probabilities must be an (n, classes) array of non-negative rows that sum to 1")
    return p


def max_confidence(probabilities: np.ndarray) -> np.ndarray:
    """Each image's largest class probability: how sure the judge is of its label."""
    return _check_probabilities(probabilities).max(axis=1)


def class_histogram(probabilities: np.ndarray) -> np.ndarray:
    """The fraction of images the judge assigns to each class (by arg max)."""
    p = _check_probabilities(probabilities)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)


def kl_from_uniform(histogram: np.ndarray) -> float:
    """KL(h || uniform) = log K - H(h) in nats: 0 for balanced classes, log K when all are one class."""
    h = finite_array("histogram", histogram)
    if h.ndim != 1 or np.any(h < 0) or not math.isclose(h.sum(), 1.0, abs_tol=1e-6):
        raise ValueError("histogram must be a 1-d array of non-negative fractions summing to 1")
    nonzero = h[h > 0]
    return float(math.log(len(h)) + np.sum(nonzero * np.log(nonzero)))


# Shown in the comparison chapter (book/comparison.md), section "Five scores".
def inception_score(probabilities: np.ndarray) -> float:
    """exp E_x KL(p(y | x) || p(y)) (Salimans et al. 2016), p(y) = E_x p(y | x).

    Between 1 (every image gets the same prediction) and the number of classes
    (every prediction is certain and the classes are balanced).
    """
    p = _check_probabilities(probabilities)
    marginal = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


# Shown in the comparison chapter (book/comparison.md), section "The Inception Score".
def inception_score_splits(probabilities: np.ndarray,
                           splits: int = 10) -> tuple[float, float]:
    """Mean and standard deviation of the Inception Score over ``splits`` parts.

    As Salimans et al. (2016) report it: the rows, in their order, are cut into
    ``splits`` consecutive parts of (nearly) equal size, each part is scored on
    its own, with its own p(y), and the spread of the scores is NumPy's
    ``std`` (dividing by ``splits``), as in their code.
    """
    p = _check_probabilities(probabilities)
    if (isinstance(splits, bool) or not isinstance(splits, (int, np.integer))
            or splits < 2):
        raise ValueError(f"splits must be an integer >= 2, got {splits!r}")
    if len(p) < splits:
        raise ValueError(f"{len(p)} images cannot be cut into {splits} "
                         "splits: use more images or fewer splits")
    bounds = [i * len(p) // splits for i in range(splits + 1)]
    scores = [inception_score(p[start:end])
              for start, end in zip(bounds[:-1], bounds[1:])]
    return float(np.mean(scores)), float(np.std(scores))


def kl_from_reference(histogram: np.ndarray, reference: np.ndarray) -> float:
    """KL(h || r) = sum_y h_y log(h_y / r_y) in nats: class fractions h against reference ones r.

    0 when they agree, infinite when h puts mass on a class to which r gives none; with a
    uniform ``reference`` it is ``kl_from_uniform(histogram)``.
    """
    h = finite_array("histogram", histogram)
    r = finite_array("reference", reference)
    for name, x in (("histogram", h), ("reference", r)):
        if x.ndim != 1 or np.any(x < 0) or not math.isclose(x.sum(), 1.0, abs_tol=1e-6):
            raise ValueError(f"{name} must be a 1-d array of non-negative fractions summing to 1")
    if h.shape != r.shape:
        raise ValueError(f"histogram and reference need the same classes, got {h.shape} and {r.shape}")
    if np.any((h > 0) & (r == 0)):
        return math.inf
    kept = h > 0
    return float(np.sum(h[kept] * np.log(h[kept] / r[kept])))


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


# Shown in the comparison chapter (book/comparison.md), section "Five scores".
def gaussian_frechet_distance(mean_a: np.ndarray, cov_a: np.ndarray,
                              mean_b: np.ndarray, cov_b: np.ndarray) -> float:
    """Squared Fréchet (2-Wasserstein) distance of N(m_a, C_a) and N(m_b, C_b).

    |m_a - m_b|^2 + tr(C_a + C_b - 2 (C_a^1/2 C_b C_a^1/2)^1/2), with the matrix
    square root taken by symmetric eigendecomposition, which stays real for
    nearly singular covariances.
    """
    named = {"mean_a": mean_a, "cov_a": cov_a, "mean_b": mean_b, "cov_b": cov_b}
    mean_a, cov_a, mean_b, cov_b = (finite_array(name, value)
                                    for name, value in named.items())
    root_a = _sqrt_psd(cov_a)
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    root_trace = np.sum(np.sqrt(np.clip(cross, 0, None)))
    trace_term = np.trace(cov_a) + np.trace(cov_b) - 2.0 * root_trace
    return float(np.sum((mean_a - mean_b) ** 2) + trace_term)


# Shown in the comparison chapter (book/comparison.md), section "Five scores".
def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets.

    As in FID (Heusel et al. 2017), here in the features of any network.
    """
    a = finite_array("features_a", features_a)
    b = finite_array("features_b", features_b)
    if (a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]
            or min(len(a), len(b)) < 2):
        raise ValueError(f"feature sets must be (n, d) arrays with the same d "
                         f"and n >= 2, got {a.shape}, {b.shape}")
    return gaussian_frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                     b.mean(0), np.cov(b, rowvar=False))


def _polynomial_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """KID's cubic kernel k(x, y) = (x . y / d + 1)^3 for every row of ``a`` against every row of ``b``."""
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def unbiased_mmd2(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """The unbiased estimate of the squared MMD with KID's cubic kernel, from all pairs of two feature sets.

    mean over i != j of k(a_i, a_j) + mean over i != j of k(b_i, b_j) - 2 mean over i, j of k(a_i, b_j):
    leaving out the i = j terms makes its expectation exactly MMD^2, which is 0 when both sets come
    from one distribution, so the estimate can be (slightly) negative.
    """
    a, b = finite_array("features_a", features_a), finite_array("features_b", features_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"feature sets must be (n, d) arrays with the same d and n >= 2, "
                         f"got {a.shape}, {b.shape}")
    m, n = len(a), len(b)
    k_aa, k_bb = _polynomial_kernel(a, a), _polynomial_kernel(b, b)
    within_a = (k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
    within_b = (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1))
    return float(within_a + within_b - 2.0 * _polynomial_kernel(a, b).mean())


def kernel_inception_distance(features_a: np.ndarray, features_b: np.ndarray, subsets: int = 10,
                              subset_size: int | None = None, seed: int = 0) -> tuple[float, float]:
    """The kernel inception distance (KID, Bińkowski et al. 2018) and its standard error.

    KID is the squared maximum mean discrepancy between the two feature distributions with the
    cubic kernel k(x, y) = (x . y / d + 1)^3, estimated without bias (``unbiased_mmd2``). Unlike
    the Fréchet distance, whose plug-in estimate is biased upward by an amount that depends on the
    number of images, its expectation does not depend on the sample sizes, so values measured with
    different numbers of images can be compared, and the same distribution scores 0 on average.

    Each set is shuffled (with ``seed``) and cut into ``subsets`` disjoint subsets of
    ``subset_size`` rows (by default as large as the smaller set allows); the estimate is the mean
    of the subsets' estimates, the standard error their standard deviation over sqrt(subsets).
    Bińkowski et al. draw each subset afresh, so subsets may overlap; disjoint subsets give
    independent estimates, which is what makes this standard error honest. Returns
    ``(mean, standard_error)``.
    """
    a, b = finite_array("features_a", features_a), finite_array("features_b", features_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sets must be (n, d) arrays with the same d, got {a.shape}, {b.shape}")
    if isinstance(subsets, bool) or not isinstance(subsets, (int, np.integer)) or subsets < 2:
        raise ValueError(f"subsets must be an integer >= 2 (a standard error needs two or more), "
                         f"got {subsets!r}")
    fewest = min(len(a), len(b))
    if subset_size is None:
        subset_size = fewest // subsets
    if isinstance(subset_size, bool) or not isinstance(subset_size, (int, np.integer)) or subset_size < 2:
        raise ValueError(f"subset_size must be an integer >= 2, got {subset_size!r} (with {fewest} rows in "
                         f"the smaller set and {subsets} subsets): use fewer subsets or more images")
    if subsets * subset_size > fewest:
        raise ValueError(f"{subsets} disjoint subsets of {subset_size} rows need {subsets * subset_size}, "
                         f"but the smaller set has {fewest}: use fewer or smaller subsets")
    rng = np.random.default_rng(seed)
    order_a, order_b = rng.permutation(len(a)), rng.permutation(len(b))
    estimates = np.array([unbiased_mmd2(a[order_a[i * subset_size : (i + 1) * subset_size]],
                                        b[order_b[i * subset_size : (i + 1) * subset_size]])
                          for i in range(subsets)])
    return mean_and_standard_error(estimates)


# k of the k-nearest-neighbour balls in improved precision and recall (Kynkäänniemi et al. 2019)
PRECISION_RECALL_NEIGHBOURS = 3
# rows of a distance matrix held at once: 1,000 x 10,000 float64 numbers are 80 MB
DISTANCE_ROWS = 1000


def _distance_terms(a: np.ndarray, b: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """-2 a_i . b_j + offsets_j for all rows of a and b: |a_i - b_j|^2 less |a_i|^2 (a constant per
    row) when offsets = |b_j|^2, by one matrix product and one pass over its result.

    The few passes matter: on 10,000 x 10,000 float64 distances the element-wise work took as
    long as the product. Precision and recall of two sets of 10,000 128-d features, one thread:
    4.0-5.0 s with the whole clipped |a - b|^2, 2.3-3.0 s so, with the same results
    (``neighbourhood_radii`` adds |a_i|^2 back to the k-th distance only).
    """
    terms = a @ (-2.0 * b.T)
    terms += offsets[None, :]
    return terms


def neighbourhood_radii(features: np.ndarray, k: int = PRECISION_RECALL_NEIGHBOURS) -> np.ndarray:
    """Each row's distance to its k-th nearest *other* row: the radius of its ball in the manifold estimate.

    Chunked matrix products in NumPy (one call; scikit-learn's neighbour search would add a
    dependency for it).
    """
    features = finite_array("features", features, ndim=2)
    if not 1 <= k < len(features):
        raise ValueError(f"k must be between 1 and {len(features) - 1} (the other rows), got {k}")
    norms = (features * features).sum(1)
    radii = np.empty(len(features))
    for start in range(0, len(features), DISTANCE_ROWS):
        rows = slice(start, start + DISTANCE_ROWS)
        terms = _distance_terms(features[rows], features, norms)
        terms[np.arange(terms.shape[0]), np.arange(start, start + terms.shape[0])] = np.inf  # not itself
        kth = np.partition(terms, k - 1, axis=1)[:, k - 1] + norms[rows]
        radii[rows] = np.sqrt(np.maximum(kth, 0.0))  # clipped at 0 against rounding
    return radii


def share_inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    """The fraction of ``points`` within the ball of radius ``radii[i]`` around at least one ``centres[i]``.

    Point p is inside ball i when |p|^2 - 2 p . c_i + |c_i|^2 - r_i^2 <= 0.
    """
    points, centres = finite_array("points", points, ndim=2), finite_array("centres", centres, ndim=2)
    radii = finite_array("radii", radii, ndim=1)
    if len(radii) != len(centres):
        raise ValueError(f"one radius per centre: {len(radii)} radii for {len(centres)} centres")
    offsets = (centres * centres).sum(1) - np.square(radii)
    inside = np.empty(len(points), bool)
    for start in range(0, len(points), DISTANCE_ROWS):
        rows = slice(start, start + DISTANCE_ROWS)
        nearest = _distance_terms(points[rows], centres, offsets).min(axis=1)
        inside[rows] = nearest + (points[rows] * points[rows]).sum(1) <= 0.0
    return float(inside.mean())


# Shown in the chapter comparing generators (book/comparison.md).
def precision_recall(real_features: np.ndarray, generated_features: np.ndarray,
                     k: int = PRECISION_RECALL_NEIGHBOURS,
                     real_radii: np.ndarray | None = None) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of features.

    Each set's manifold is the union of balls around its points, each
    reaching to that point's k-th nearest neighbour in the set. Precision is
    the share of generated points inside the real manifold (are the samples
    like real ones?); recall the share of real points inside the generated
    manifold (is every kind of real example made?). ``real_radii``, if
    given, are ``neighbourhood_radii(real_features, k)``, computed once for
    many generated sets.
    """
    real_features = finite_array("real_features", real_features, ndim=2)
    generated_features = finite_array("generated_features", generated_features,
                                      ndim=2)
    if real_features.shape[1:] != generated_features.shape[1:]:
        raise ValueError(f"feature sizes differ: {real_features.shape} "
                         f"against {generated_features.shape}")
    if real_radii is None:
        real_radii = neighbourhood_radii(real_features, k)
    real_radii = finite_array("real_radii", real_radii, ndim=1)
    precision = share_inside(generated_features, real_features,
                             real_radii)
    recall = share_inside(real_features, generated_features,
                          neighbourhood_radii(generated_features, k))
    return {"precision": precision, "recall": recall}


def judge_report(judge: keras.Model, images: np.ndarray, reference_features: np.ndarray,
                 confident: float = 0.9) -> dict:
    """Every classifier-based score of one set of images, against the features of reference (real) images."""
    reference_features = finite_array("reference_features", reference_features)  # before the judge's long run
    probabilities, features = judge_outputs(judge, images)
    confidence = max_confidence(probabilities)
    histogram = class_histogram(probabilities)
    return {"mean_confidence": float(confidence.mean()),
            "confident_fraction": float(np.mean(confidence > confident)),
            "confidence": confidence, "histogram": histogram, "kl_from_uniform": kl_from_uniform(histogram),
            "inception_score": inception_score(probabilities),
            "frechet_distance": frechet_distance(features, reference_features),
            "features": features}
