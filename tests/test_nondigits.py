"""Non-digit controls: noise, inverted digits and letters drawn by code, shaped like MNIST digits."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import nondigits


def _is_mnist_like(images, count):
    assert images.shape == (count, 784)
    assert images.dtype == np.float32
    assert np.all(np.isfinite(images)) and images.min() >= 0 and images.max() <= 1


def test_uniform_noise_is_seeded_and_uniform():
    noise = nondigits.uniform_noise(200, seed=3)
    _is_mnist_like(noise, 200)
    np.testing.assert_array_equal(noise, nondigits.uniform_noise(200, seed=3))
    assert not np.array_equal(noise, nondigits.uniform_noise(200, seed=4))
    assert abs(noise.mean() - 0.5) < 0.01 and abs(noise.var() - 1 / 12) < 0.005


def test_inverted_digits_are_one_minus_x():
    rng = np.random.default_rng(0)
    digits = rng.random((5, 784), dtype=np.float32)
    inverted = nondigits.inverted_digits(digits)
    _is_mnist_like(inverted, 5)
    np.testing.assert_array_equal(inverted, 1 - digits)
    np.testing.assert_array_equal(nondigits.inverted_digits(digits.reshape(5, 28, 28)), inverted)


def test_mnist_frame_scales_into_the_box_and_centres_the_mass():
    glyph = np.zeros((100, 60))
    glyph[10:90, 20:40] = 1.0  # an upright bar, 80 x 20, off-centre
    frame = nondigits.mnist_frame(glyph).reshape(28, 28)
    rows, cols = np.nonzero(frame > 0.5)
    assert rows.max() - rows.min() + 1 == nondigits.BOX  # the longer side fills the 20-pixel box
    assert cols.max() - cols.min() + 1 == 5  # aspect ratio kept: 20 * 20 / 80
    mass = frame.sum()
    centre = [np.sum(frame.sum(axis=1 - a) * np.arange(28)) / mass for a in (0, 1)]
    np.testing.assert_allclose(centre, [13.5, 13.5], atol=0.6)


def test_letters_look_like_mnist_digits_and_differ():
    images = nondigits.letters(18, seed=1)
    _is_mnist_like(images, 18)
    np.testing.assert_array_equal(images, nondigits.letters(18, seed=1))
    assert not np.array_equal(images, nondigits.letters(18, seed=2))
    ink = images.sum(axis=1) / 784
    assert np.all(ink > 0.05) and np.all(ink < 0.5)  # MNIST digits average about 0.13
    assert np.all(images.reshape(18, 28, 28)[:, :2].max(axis=(1, 2)) < 0.05)  # a dark border, as in MNIST
    plain = np.stack([nondigits.letter(c) for c in nondigits.LETTERS])
    distances = np.abs(plain[:, None] - plain[None]).mean(axis=2)
    assert distances[~np.eye(len(plain), dtype=bool)].min() > 0.03  # no two letters alike


def test_rotation_and_stroke_change_a_letter():
    upright = nondigits.letter("A")
    assert np.abs(nondigits.letter("A", angle=15) - upright).mean() > 0.01
    assert nondigits.letter("A", stroke=3).sum() > 1.2 * upright.sum()


@pytest.mark.parametrize("call, match", [
    (lambda: nondigits.uniform_noise(0), "count"),
    (lambda: nondigits.uniform_noise(2.5), "count"),
    (lambda: nondigits.letters(-1), "count"),
    (lambda: nondigits.letters(3, alphabet=""), "alphabet"),
    (lambda: nondigits.letters(3, max_stroke=-1), "max_stroke"),
    (lambda: nondigits.letter("AB"), "single character"),
    (lambda: nondigits.letter(" "), "draws nothing"),
    (lambda: nondigits.letter("A", stroke=1.5), "stroke"),
    (lambda: nondigits.letter("A", angle=float("nan")), "angle"),
    (lambda: nondigits.inverted_digits(np.zeros((3, 10))), "shape"),
    (lambda: nondigits.inverted_digits(np.full((3, 784), 255.0)), r"\[0, 1\]"),
    (lambda: nondigits.mnist_frame(np.zeros((5, 5))), "blank"),
    (lambda: nondigits.mnist_frame(np.ones(5)), "2-D"),
])
def test_bad_input_is_rejected(call, match):
    with pytest.raises(ValueError, match=match):
        call()
