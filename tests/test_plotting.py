"""Image grids and curves: the mosaic layout, the intensity range, clear errors for images that draw wrong."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ganbook import plotting

GREY = np.random.default_rng(0).random((4, 16))  # four flat 4 x 4 images
ONE_NAN = GREY.copy()
ONE_NAN[1, 5] = np.nan
ONE_INF = GREY.copy()
ONE_INF[2, 7] = np.inf


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _tile(images):
    return plotting.tile(images, columns=2)


def _grid(images):
    return plotting.image_grid(images, columns=2)


def _captioned(images):
    return plotting.captioned_images(images, [""] * len(images), columns=2)


@pytest.mark.parametrize("draw", [_tile, _grid, _captioned], ids=["tile", "image_grid", "captioned_images"])
@pytest.mark.parametrize("images, match", [
    pytest.param(GREY * 255, "divide 0-255 images by 255", id="0-255 floats"),
    pytest.param(np.rint(GREY * 255).astype(np.int64), "divide 0-255 images by 255", id="0-255 integers"),
    pytest.param(GREY * 2 - 1, r"found values in \[-", id="tanh range"),
    pytest.param(ONE_NAN, "images has 1 non-finite", id="NaN pixel"),
    pytest.param(ONE_INF, "images has 1 non-finite", id="inf pixel"),
    pytest.param(GREY[:0], "images is empty", id="no images"),
])
def test_drawing_rejects_images_that_are_not_finite_and_in_unit_range(draw, images, match):
    with pytest.raises(ValueError, match=match):
        draw(images)


def test_tile_lays_out_images_row_by_row_with_padding():
    images = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2) / 12
    mosaic = plotting.tile(images, columns=2, pad=1)
    assert mosaic.shape == (5, 5)
    np.testing.assert_array_equal(mosaic[:2, 3:], images[1])
    np.testing.assert_array_equal(mosaic[3:, :2], images[2])
    np.testing.assert_array_equal(mosaic[3:, 3:], 1.0)  # the missing fourth image is padding


def test_tile_fills_each_row_left_to_right_and_pads_between_images_only():
    images = np.linspace(0.1, 0.9, 5 * 3 * 2, dtype=np.float32).reshape(5, 3, 2)
    mosaic = plotting.tile(images, columns=3, pad=2, pad_value=0.5)
    assert mosaic.shape == (2 * 3 + 2, 3 * 2 + 2 * 2)  # two rows of three; no padding at the edges
    for index, image in enumerate(images):
        row, column = divmod(index, 3)
        np.testing.assert_array_equal(mosaic[row * 5 : row * 5 + 3, column * 4 : column * 4 + 2], image)
    np.testing.assert_array_equal(mosaic[3:5], 0.5)  # the padding rows between the two rows of images
    np.testing.assert_array_equal(mosaic[:, 2:4], 0.5)  # the padding columns between the first two columns
    np.testing.assert_array_equal(mosaic[5:, 8:], 0.5)  # the sixth place, left empty


def test_tile_without_padding_is_the_images_side_by_side():
    images = np.random.default_rng(1).random((4, 2, 3)).astype(np.float32)
    mosaic = plotting.tile(images, columns=2, pad=0)
    np.testing.assert_array_equal(mosaic, np.block([[images[0], images[1]], [images[2], images[3]]]))
    np.testing.assert_array_equal(plotting.tile(images, columns=4, pad=0), np.hstack(list(images)))
    np.testing.assert_array_equal(plotting.tile(images, columns=1, pad=0), np.vstack(list(images)))


def test_tile_reshapes_flat_vectors_into_square_images():
    flat = np.random.default_rng(2).random((3, 784))
    mosaic = plotting.tile(flat, columns=3)
    assert mosaic.shape == (28, 3 * 29 - 1) and mosaic.dtype == np.float32
    np.testing.assert_allclose(mosaic[:, 29:57], flat[1].reshape(28, 28))
    with pytest.raises(ValueError, match="length 10 into square images"):
        plotting.tile(np.zeros((2, 10)), columns=2)


def test_tile_keeps_colour_channels_and_pads_uint8_mosaics_white():
    colour = np.random.default_rng(3).integers(0, 255, (3, 4, 5, 3), dtype=np.uint8)
    mosaic = plotting.tile(colour, columns=2)
    assert mosaic.shape == (9, 11, 3) and mosaic.dtype == np.uint8
    np.testing.assert_array_equal(mosaic[5:, :5], colour[2])
    np.testing.assert_array_equal(mosaic[4], 255)
    np.testing.assert_array_equal(mosaic[5:, 6:], 255)


def test_float_rounding_just_above_one_is_accepted_and_uint8_draws_on_0_to_255():
    plotting.image_grid(np.minimum(GREY + 1e-7, 1 + 1e-7), columns=2)
    colour = np.full((2, 4, 4, 3), 200, np.uint8)
    assert plotting.image_grid(colour, columns=2).images[0].get_clim() == (0, 255)
    figure = plotting.captioned_images(colour, ["cat", "dog"], columns=2)
    assert figure.axes[0].images[0].get_clim() == (0, 255)


def test_tile_rejects_zero_columns_and_curves_reject_empty_series():
    with pytest.raises(ValueError, match="columns must be >= 1"):
        plotting.tile(GREY, columns=0)
    with pytest.raises(ValueError, match="at least one value"):
        plotting.curves({"loss": []})


OKABE_ITO = {"#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#000000", "#f0e442"}


def test_the_book_style_is_okabe_ito_with_a_different_line_style_for_each_neighbouring_colour():
    with plt.style.context(plotting.STYLE):
        cycle = plt.rcParams["axes.prop_cycle"].by_key()
    colours = [c.lower() if c.startswith("#") else "#" + c.lower() for c in cycle["color"]]
    assert set(colours) == OKABE_ITO and len(colours) == len(OKABE_ITO)
    styles = cycle["linestyle"]
    assert all(styles[i] != styles[i + 1] for i in range(len(styles) - 1)), styles
    assert len(set(styles[:4])) == 4, "the first four lines of a plot differ in style, not only colour"


def test_the_book_style_draws_no_text_smaller_than_the_legible_minimum():
    with plt.style.context(plotting.STYLE):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], label="a line")
        ax.set_title("title")
        ax.set_xlabel("x")
        ax.legend()
        fig.canvas.draw()
        sizes = [text.get_fontsize() for text in fig.findobj(plt.Text) if text.get_text()]
        dpi = plt.rcParams["figure.dpi"]
    assert sizes and min(sizes) >= plotting.SMALLEST_FONT_POINTS, sizes
    assert dpi == 100  # the pixels per inch that FIGURE_MAX_WIDTH_INCHES assumes


def test_captioned_images_fit_the_widest_figure_the_book_shows():
    with plt.style.context(plotting.STYLE):
        fig = plotting.captioned_images(GREY, ["a", "b", "c", "d"], columns=8)
    assert fig.get_size_inches()[0] <= plotting.FIGURE_MAX_WIDTH_INCHES


def test_label_clusters_writes_each_label_at_the_median_of_its_points():
    fig, ax = plt.subplots()
    points = np.array([[0.0, 0.0], [2.0, 2.0], [10.0, 0.0], [10.0, 4.0], [10.0, 2.0]])
    plotting.label_clusters(ax, points, np.array([7, 7, 3, 3, 3]))
    placed = {text.get_text(): text.get_position() for text in ax.texts}
    assert placed == {"3": (10.0, 2.0), "7": (1.0, 1.0)}


def test_label_clusters_names_mismatched_points_and_labels():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"shape \(n, 2\) and n labels"):
        plotting.label_clusters(ax, np.zeros((3, 2)), np.zeros(4))


def test_annotated_heatmap_writes_every_value_and_centres_its_colours():
    fig, ax = plt.subplots()
    values = [[10.0, 12.5], [7.5, 10.0]]
    image = plotting.annotated_heatmap(ax, values, ["a", "b"], ["0", "1"], centre=10, template="{:.1f}")
    assert sorted(text.get_text() for text in ax.texts) == ["10.0", "10.0", "12.5", "7.5"]
    assert image.norm(10.0) == pytest.approx(0.5)  # the centre gets the colour map's midpoint
    assert image.norm(12.5) == pytest.approx(1.0) and image.norm(7.5) == pytest.approx(0.0)


def test_annotated_heatmap_names_a_shape_that_does_not_match_its_labels():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"shape \(2, 2\), but there are 3 rows"):
        plotting.annotated_heatmap(ax, [[1, 2], [3, 4]], ["a", "b", "c"], ["0", "1"], centre=2)
