"""Classifier-based scores: Inception Score bounds, Fréchet distance closed forms, helpers on fixed inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganbook import evaluation
from ganbook.models import classifier
from tests.test_metrics import spoilt


def test_inception_score_is_k_for_confident_balanced_and_1_for_collapsed_predictions():
    confident_balanced = np.eye(10)[np.arange(1000) % 10]
    assert evaluation.inception_score(confident_balanced) == pytest.approx(10.0)
    collapsed = np.tile(np.eye(10)[3], (500, 1))
    assert evaluation.inception_score(collapsed) == pytest.approx(1.0)
    uncertain = np.full((200, 10), 0.1)
    assert evaluation.inception_score(uncertain) == pytest.approx(1.0)


def test_inception_score_of_a_two_point_mixture_by_hand():
    # half the images say (0.9, 0.1), half (0.1, 0.9): p(y) = (0.5, 0.5), KL = 0.9 log 1.8 + 0.1 log 0.2
    p = np.array([[0.9, 0.1], [0.1, 0.9]] * 50)
    expected = math.exp(0.9 * math.log(1.8) + 0.1 * math.log(0.2))
    assert evaluation.inception_score(p) == pytest.approx(expected, rel=1e-12)


def test_confidence_histogram_and_kl_from_uniform_on_fixed_inputs():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1], [0.2, 0.3, 0.5]])
    np.testing.assert_allclose(evaluation.max_confidence(p), [0.7, 0.8, 0.5, 0.5])
    np.testing.assert_allclose(evaluation.class_histogram(p), [0.5, 0.0, 0.5])
    assert evaluation.kl_from_uniform(np.array([0.5, 0.0, 0.5])) == pytest.approx(math.log(3) - math.log(2))
    assert evaluation.kl_from_uniform(np.full(10, 0.1)) == pytest.approx(0.0, abs=1e-12)
    assert evaluation.kl_from_uniform(np.eye(10)[0]) == pytest.approx(math.log(10))


def test_inception_score_splits_scores_each_consecutive_part_with_its_own_marginal():
    # two splits: the first confident and balanced over two classes (IS 2), the second all one class (IS 1)
    balanced = np.eye(2)[np.arange(100) % 2]
    collapsed = np.tile(np.eye(2)[0], (100, 1))
    mean, sd = evaluation.inception_score_splits(np.vstack([balanced, collapsed]), splits=2)
    assert mean == pytest.approx(1.5) and sd == pytest.approx(0.5)  # NumPy's std: divides by 2
    # the whole set has one marginal p(y) = (0.75, 0.25): its score is not the splits' mean
    # one-hot rows, 3/4 of them class 0: IS = exp H(p(y)) (the chapter's exercise on the range)
    whole = math.exp(-0.75 * math.log(0.75) - 0.25 * math.log(0.25))
    assert evaluation.inception_score(np.vstack([balanced, collapsed])) == pytest.approx(whole)


def test_inception_score_splits_of_identical_parts_is_the_whole_set_score_without_spread():
    block = evaluation.softmax(np.random.default_rng(3).normal(size=(50, 10)) * 3)
    mean, sd = evaluation.inception_score_splits(np.tile(block, (10, 1)), splits=10)
    assert mean == pytest.approx(evaluation.inception_score(block), rel=1e-12)
    assert mean == pytest.approx(evaluation.inception_score(np.tile(block, (10, 1))), rel=1e-12)
    assert sd == pytest.approx(0.0, abs=1e-12)


def test_inception_score_splits_are_the_scores_of_consecutive_parts_of_uneven_size():
    p = evaluation.softmax(np.random.default_rng(4).normal(size=(23, 5)))
    parts = [p[0:5], p[5:11], p[11:17], p[17:23]]  # boundaries i * 23 // 4, as Salimans et al.'s code
    scores = [evaluation.inception_score(part) for part in parts]
    mean, sd = evaluation.inception_score_splits(p, splits=4)
    assert mean == pytest.approx(np.mean(scores), rel=1e-12)
    assert sd == pytest.approx(np.std(scores), rel=1e-12)


@pytest.mark.parametrize("count, splits, match", [
    pytest.param(5, 10, "5 images cannot be cut into 10 splits", id="fewer images than splits"),
    pytest.param(20, 1, "splits must be an integer >= 2, got 1", id="one split"),
    pytest.param(20, 2.5, "splits must be an integer >= 2, got 2.5", id="fractional"),
    pytest.param(20, True, "splits must be an integer >= 2, got True", id="bool"),
])
def test_inception_score_splits_rejects_too_few_images_and_bad_split_counts(count, splits, match):
    with pytest.raises(ValueError, match=match):
        evaluation.inception_score_splits(np.full((count, 4), 0.25), splits=splits)


def test_kl_from_reference_by_hand_and_with_a_uniform_reference():
    assert evaluation.kl_from_reference([0.5, 0.25, 0.25], [0.25, 0.5, 0.25]) == pytest.approx(
        0.5 * math.log(2) + 0.25 * math.log(0.5))
    assert evaluation.kl_from_reference([0.1, 0.9], [0.1, 0.9]) == pytest.approx(0.0, abs=1e-15)
    for histogram in ([0.5, 0.0, 0.5], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0]):
        assert evaluation.kl_from_reference(histogram, np.full(3, 1 / 3)) == pytest.approx(
            evaluation.kl_from_uniform(np.array(histogram)))
    assert evaluation.kl_from_reference([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert evaluation.kl_from_reference([0.5, 0.5], [1.0, 0.0]) == math.inf  # mass the reference lacks


@pytest.mark.parametrize("histogram, reference, match", [
    pytest.param([0.5, 0.5], [0.2, 0.3, 0.5], "need the same classes", id="different classes"),
    pytest.param([0.5, 0.5], [0.6, 0.6], "reference must be a 1-d array", id="reference sums to 1.2"),
    pytest.param([1.5, -0.5], [0.5, 0.5], "histogram must be a 1-d array", id="negative fraction"),
    pytest.param([np.nan, 1.0], [0.5, 0.5], "histogram has 1 non-finite", id="NaN"),
    pytest.param([0.5, 0.5], [], "reference is empty", id="empty reference"),
])
def test_kl_from_reference_rejects_bad_fractions(histogram, reference, match):
    with pytest.raises(ValueError, match=match):
        evaluation.kl_from_reference(histogram, reference)


def test_frechet_distance_of_a_set_with_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(500, 8))
    assert evaluation.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_gaussian_frechet_distance_matches_closed_forms():
    rng = np.random.default_rng(1)
    mean_a, mean_b = rng.normal(size=4), rng.normal(size=4)
    # equal covariances: only the means count
    cov = np.diag([1.0, 2.0, 0.5, 3.0])
    assert evaluation.gaussian_frechet_distance(mean_a, cov, mean_b, cov) == pytest.approx(np.sum((mean_a - mean_b) ** 2))
    # commuting (diagonal) covariances: sum (sqrt(a) - sqrt(b))^2
    a, b = np.array([1.0, 4.0, 0.25, 2.0]), np.array([9.0, 1.0, 1.0, 2.0])
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert evaluation.gaussian_frechet_distance(mean_a, np.diag(a), mean_b, np.diag(b)) == pytest.approx(expected)
    # a rotated pair: the distance is invariant under rotating both Gaussians
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    rotated = evaluation.gaussian_frechet_distance(q @ mean_a, q @ np.diag(a) @ q.T, q @ mean_b, q @ np.diag(b) @ q.T)
    assert rotated == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_of_samples_approaches_the_closed_form():
    rng = np.random.default_rng(2)
    a = rng.normal(0.0, 1.0, size=(200_000, 2))
    b = rng.normal(1.0, 2.0, size=(200_000, 2))
    # (1^2 + 1^2) + 2 * (2 - 1)^2 = 4
    assert evaluation.frechet_distance(a, b) == pytest.approx(4.0, rel=0.02)


def _direct_unbiased_mmd2(a, b):
    """The unbiased MMD^2 with KID's cubic kernel, one pair at a time."""
    def k(x, y):
        return (sum(xi * yi for xi, yi in zip(x, y)) / len(x) + 1.0) ** 3
    m, n = len(a), len(b)
    within_a = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    within_b = sum(k(b[i], b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    across = sum(k(a[i], b[j]) for i in range(m) for j in range(n)) / (m * n)
    return within_a + within_b - 2 * across


def test_unbiased_mmd2_equals_a_direct_double_loop():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(5, 3)), rng.normal(0.5, 1.5, size=(7, 3))
    assert evaluation.unbiased_mmd2(a, b) == pytest.approx(_direct_unbiased_mmd2(a, b), rel=1e-12)
    assert evaluation.unbiased_mmd2(a, b) == pytest.approx(evaluation.unbiased_mmd2(b, a), rel=1e-12)


def test_kid_is_the_mean_and_standard_error_of_direct_estimates_on_disjoint_subsets():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(13, 4)), rng.normal(1.0, 1.0, size=(11, 4))
    mean, error = evaluation.kernel_inception_distance(a, b, subsets=3, subset_size=3, seed=7)
    shuffle = np.random.default_rng(7)
    order_a, order_b = shuffle.permutation(13), shuffle.permutation(11)
    direct = [_direct_unbiased_mmd2(a[order_a[3 * i : 3 * i + 3]], b[order_b[3 * i : 3 * i + 3]])
              for i in range(3)]
    assert mean == pytest.approx(np.mean(direct), rel=1e-12)
    assert error == pytest.approx(np.std(direct, ddof=1) / math.sqrt(3), rel=1e-12)
    # the default subset size is as large as disjoint subsets of the smaller set allow
    assert evaluation.kernel_inception_distance(a, b, subsets=2, seed=7) == \
        evaluation.kernel_inception_distance(a, b, subsets=2, subset_size=5, seed=7)


def test_kid_is_unbiased_where_the_frechet_distance_is_not():
    # 30 pairs of independent samples of 200 points from one 16-d Gaussian: the true value of both
    # scores is 0. The KID's mean over pairs is within 3 standard errors of 0; the Fréchet
    # distance's plug-in estimate is positive every time, its mean many standard errors above 0.
    rng = np.random.default_rng(5)
    kid, fid = [], []
    for _ in range(30):
        a, b = rng.normal(size=(200, 16)), rng.normal(size=(200, 16))
        kid.append(evaluation.kernel_inception_distance(a, b, subsets=2, seed=0)[0])
        fid.append(evaluation.frechet_distance(a, b))
    kid_mean, kid_error = np.mean(kid), np.std(kid, ddof=1) / math.sqrt(len(kid))
    fid_mean, fid_error = np.mean(fid), np.std(fid, ddof=1) / math.sqrt(len(fid))
    assert abs(kid_mean) < 3 * kid_error
    assert min(fid) > 0 and fid_mean > 20 * fid_error
    # one large sample: its own standard error also covers 0
    mean, error = evaluation.kernel_inception_distance(rng.normal(size=(4000, 16)), rng.normal(size=(4000, 16)),
                                                       subsets=20)
    assert abs(mean) < 3 * error


def test_kid_is_clearly_positive_for_shifted_gaussians():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(1000, 16)), rng.normal(0.3, 1.0, size=(1000, 16))
    mean, error = evaluation.kernel_inception_distance(a, b, subsets=10)
    assert mean > 10 * error > 0
    further, _ = evaluation.kernel_inception_distance(a, b + 0.3, subsets=10)
    assert further > 2 * mean, "a larger shift must give a larger distance"


def test_kid_is_deterministic_for_a_seed():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(300, 8)), rng.normal(0.2, 1.0, size=(300, 8))
    first = evaluation.kernel_inception_distance(a, b, subsets=5, seed=11)
    assert evaluation.kernel_inception_distance(a, b, subsets=5, seed=11) == first
    other = evaluation.kernel_inception_distance(a, b, subsets=5, seed=12)
    assert other != first
    assert other[0] == pytest.approx(first[0], abs=4 * (first[1] + other[1]))


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="sum to 1"):
        evaluation.inception_score(np.full((3, 2), 0.7))
    with pytest.raises(ValueError, match="same d"):
        evaluation.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    judge = classifier.build_cnn(width=4, features=8)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        evaluation.judge_outputs(judge, np.full((2, 784), 2.0))
    with pytest.raises(ValueError, match="flat"):
        evaluation.judge_outputs(judge, np.zeros((2, 28, 28)))


def test_judge_outputs_shapes_and_report():
    judge = classifier.build_cnn(width=4, features=8)
    images = np.random.default_rng(0).random((30, 784)).astype(np.float32)
    probabilities, features = evaluation.judge_outputs(judge, images)
    assert probabilities.shape == (30, 10) and features.shape == (30, 8)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    report = evaluation.judge_report(judge, images, features)
    assert report["frechet_distance"] == pytest.approx(0.0, abs=1e-6)
    assert 1.0 <= report["inception_score"] <= 10.0
    assert report["histogram"].sum() == pytest.approx(1.0)


def test_softmax_is_stable_and_normalised():
    p = evaluation.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.25, 0.75]])


# ------------------------------------------------------------ bad input gets a clear ValueError

PROBABILITIES = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1]])
FEATURES = np.random.default_rng(5).normal(size=(20, 3))
MEAN, COV = np.zeros(2), np.eye(2)
GREY = np.full((4, 784), 0.5)


@pytest.mark.parametrize("score", [evaluation.max_confidence, evaluation.class_histogram,
                                   evaluation.inception_score, evaluation.inception_score_splits])
@pytest.mark.parametrize("probabilities, match", [
    pytest.param(np.zeros((0, 10)), "probabilities is empty", id="empty"),
    pytest.param(spoilt(PROBABILITIES, np.nan), "probabilities has 1 non-finite", id="NaN"),
    pytest.param(spoilt(PROBABILITIES, np.inf), "probabilities has 1 non-finite", id="inf"),
])
def test_probability_scores_reject_empty_and_non_finite_input(score, probabilities, match):
    with pytest.raises(ValueError, match=match):
        score(probabilities)


@pytest.mark.parametrize("function, arguments, match", [
    pytest.param(evaluation.softmax, (spoilt(PROBABILITIES, np.nan),), "logits has 1 non-finite",
                 id="softmax NaN"),
    pytest.param(evaluation.softmax, (spoilt(PROBABILITIES, np.inf),), "logits has 1 non-finite",
                 id="softmax inf"),
    pytest.param(evaluation.softmax, (np.zeros((0, 3)),), "logits is empty", id="softmax empty"),
    pytest.param(evaluation.kl_from_uniform, ([np.nan, 1.0],), "histogram has 1 non-finite", id="KL NaN"),
    pytest.param(evaluation.kl_from_uniform, ([],), "histogram is empty", id="KL empty"),
    pytest.param(evaluation.frechet_distance, (spoilt(FEATURES, np.nan), FEATURES),
                 "features_a has 1 non-finite", id="Frechet NaN"),
    pytest.param(evaluation.frechet_distance, (FEATURES, spoilt(FEATURES, np.inf)),
                 "features_b has 1 non-finite", id="Frechet inf"),
    pytest.param(evaluation.kernel_inception_distance, (spoilt(FEATURES, np.nan), FEATURES),
                 "features_a has 1 non-finite", id="KID NaN"),
    pytest.param(evaluation.kernel_inception_distance, (FEATURES, FEATURES[:0]),
                 "features_b is empty", id="KID empty"),
    pytest.param(evaluation.unbiased_mmd2, (FEATURES, spoilt(FEATURES, np.inf)),
                 "features_b has 1 non-finite", id="MMD inf"),
    pytest.param(evaluation.gaussian_frechet_distance, (spoilt(MEAN, np.nan), COV, MEAN, COV),
                 "mean_a has 1 non-finite", id="Gaussian Frechet NaN mean"),
    pytest.param(evaluation.gaussian_frechet_distance, (MEAN, COV, MEAN, spoilt(COV, np.nan)),
                 "cov_b has 1 non-finite", id="Gaussian Frechet NaN covariance"),
])
def test_softmax_kl_frechet_and_kid_reject_empty_and_non_finite_input(function, arguments, match):
    with pytest.raises(ValueError, match=match):
        function(*arguments)


@pytest.fixture(scope="module")
def small_judge():
    return classifier.build_cnn(width=4, features=8)


@pytest.mark.parametrize("images, match", [
    pytest.param(spoilt(GREY, np.nan), "images has 1 non-finite", id="NaN pixel"),
    pytest.param(GREY * 255, "divide uint8 images by 255", id="0-255 image"),
    pytest.param(GREY - 1, r"found \[-0.5, -0.5\]", id="negative pixels"),
    pytest.param(GREY[:0], "images is empty", id="no images"),
])
def test_judge_outputs_rejects_images_that_are_not_finite_in_unit_range(small_judge, images, match):
    with pytest.raises(ValueError, match=match):
        evaluation.judge_outputs(small_judge, images)


@pytest.mark.parametrize("images, reference, match", [
    pytest.param(spoilt(GREY, np.nan), np.zeros((4, 8)), "images has 1 non-finite", id="NaN image"),
    pytest.param(GREY, spoilt(np.zeros((4, 8)), np.nan), "reference_features has 1 non-finite",
                 id="NaN reference feature"),
])
def test_judge_report_rejects_non_finite_input(small_judge, images, reference, match):
    with pytest.raises(ValueError, match=match):
        evaluation.judge_report(small_judge, images, reference)


@pytest.mark.parametrize("arguments, keywords, match", [
    pytest.param((FEATURES, FEATURES[:, :2]), {}, "same d", id="different dimensions"),
    pytest.param((FEATURES[0], FEATURES), {}, r"\(n, d\) arrays", id="one vector"),
    pytest.param((FEATURES, FEATURES), {"subsets": 1}, "subsets must be an integer >= 2", id="one subset"),
    pytest.param((FEATURES, FEATURES), {"subsets": 2.0}, "subsets must be an integer", id="float subsets"),
    pytest.param((FEATURES, FEATURES), {"subsets": 11}, "use fewer subsets or more images",
                 id="subsets of one row"),
    pytest.param((FEATURES, FEATURES), {"subset_size": 1}, "subset_size must be an integer >= 2",
                 id="subset of one row"),
    pytest.param((FEATURES, FEATURES[:9]), {"subsets": 2, "subset_size": 5},
                 "need 10, but the smaller set has 9: use fewer or smaller subsets", id="overlapping subsets"),
])
def test_kid_rejects_mismatched_features_and_impossible_subsets(arguments, keywords, match):
    with pytest.raises(ValueError, match=match):
        evaluation.kernel_inception_distance(*arguments, **keywords)


def test_unbiased_mmd2_needs_two_rows_per_set():
    with pytest.raises(ValueError, match="n >= 2"):
        evaluation.unbiased_mmd2(FEATURES[:1], FEATURES)


# ----------------------------------------------------------------------------- improved precision and recall

def _clusters(modes, count, seed, spread=0.05, dims=8):
    """``count`` points around the first ``modes`` of ten well-separated centres (unit vectors times 10)."""
    rng = np.random.default_rng(seed)
    centres = 10.0 * np.eye(10, dims) if dims >= 10 else 10.0 * np.random.default_rng(99).normal(size=(10, dims))
    labels = rng.integers(0, modes, count)
    return centres[labels] + spread * rng.normal(size=(count, dims))


def test_identical_sets_have_precision_and_recall_one():
    features = _clusters(10, 2000, seed=0)
    assert evaluation.precision_recall(features, features) == {"precision": 1.0, "recall": 1.0}


def test_a_generator_covering_half_the_modes_has_full_precision_and_recall_about_one_half():
    # in two dimensions 400 points per mode cover their cluster, so the only misses are whole modes
    real = _clusters(10, 4000, seed=1, dims=2)
    half = _clusters(5, 2000, seed=2, dims=2)  # the first five modes only
    scores = evaluation.precision_recall(real, half)
    assert scores["precision"] > 0.95
    assert abs(scores["recall"] - 0.5) < 0.03  # the real points of the other five modes are missed


def test_samples_far_from_every_real_point_have_precision_zero():
    real = _clusters(10, 1000, seed=3)
    far = _clusters(10, 1000, seed=4) + 1000.0
    assert evaluation.precision_recall(real, far) == {"precision": 0.0, "recall": 0.0}


def test_neighbourhood_radii_are_distances_to_the_kth_other_point():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(evaluation.neighbourhood_radii(points, k=1), [1, 1, 2, 4])
    np.testing.assert_allclose(evaluation.neighbourhood_radii(points, k=2), [3, 2, 3, 6])
    with pytest.raises(ValueError, match="k must be between 1 and 3"):
        evaluation.neighbourhood_radii(points, k=4)


def test_radii_and_ball_membership_match_brute_force_distances_across_chunks(monkeypatch):
    monkeypatch.setattr(evaluation, "DISTANCE_ROWS", 7)  # several chunks, the last one short
    rng = np.random.default_rng(5)
    real, fake = rng.normal(size=(40, 6)), rng.normal(size=(30, 6)) + 0.3
    distances = np.sqrt(((real[:, None, :] - real[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(distances, np.inf)
    radii = np.sort(distances, axis=1)[:, 2]
    np.testing.assert_allclose(evaluation.neighbourhood_radii(real, k=3), radii, rtol=1e-12)
    to_real = np.sqrt(((fake[:, None, :] - real[None, :, :]) ** 2).sum(-1))
    inside = (to_real <= radii[None, :]).any(axis=1).mean()
    assert 0 < inside < 1  # a test with points on both sides
    assert evaluation.share_inside(fake, real, radii) == inside


def test_precision_recall_refuses_features_of_different_sizes():
    with pytest.raises(ValueError, match="feature sizes differ"):
        evaluation.precision_recall(np.zeros((5, 3)), np.zeros((5, 4)))


def test_precision_recall_refuses_non_finite_radii_instead_of_reporting_zero():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="real_radii has 20 non-finite values"):
        evaluation.precision_recall(real, fake, real_radii=np.full(20, np.nan))
    with pytest.raises(ValueError, match="one radius per centre: 5 radii for 20 centres"):
        evaluation.precision_recall(real, fake, real_radii=np.ones(5))


def test_precision_recall_takes_lists_and_names_a_one_dimensional_set():
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(12, 2)), rng.normal(size=(12, 2))
    assert evaluation.precision_recall(real.tolist(), fake.tolist(), k=2) == evaluation.precision_recall(real, fake, k=2)
    with pytest.raises(ValueError, match=r"generated_features must be a 2-d array .* got shape \(12,\)"):
        evaluation.precision_recall(real, fake[:, 0])
