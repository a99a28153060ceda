"""FLOP counts from layer shapes, against TensorFlow's profiler and against counts by hand."""

from __future__ import annotations

import dataclasses

import math
import warnings

import keras
import pytest
import tensorflow as tf

from ganbook import flops, zoo

BATCH = 5


def profiler_counts(function, *specs) -> dict[str, float]:
    """TensorFlow's profiler: FLOPs per operation type in the graph of ``function`` traced on ``specs``."""
    graph = tf.function(function).get_concrete_function(*specs).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the profiler is a v1 API and says so
        root = tf.compat.v1.profiler.profile(graph, cmd="op", options=options)
    counts, pending = {}, list(root.children)
    while pending:  # the "op" view nests the operation types in a chain
        node = pending.pop()
        counts[node.name] = float(node.float_ops)
        pending.extend(node.children)
    return counts


PRODUCTS = ("MatMul", "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")


def conv_model(padding: str = "valid") -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, 3, strides=2, padding="same"),
        keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same"),
        keras.layers.Conv2D(6, 5, padding=padding),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])


def dense_model() -> keras.Model:
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, activation="relu"),
                             keras.layers.Dense(10)])


def test_dense_forward_count_equals_the_profilers_matmul_count():
    model = dense_model()
    counts = profiler_counts(model, tf.TensorSpec((BATCH, 784)))
    assert flops.forward_flops(model) * BATCH == counts["MatMul"] == 2 * BATCH * (784 * 300 + 300 * 10)


def test_each_convolution_layer_count_equals_the_profilers_count_for_its_operation():
    model = conv_model()
    counts = profiler_counts(model, tf.TensorSpec((BATCH, 28, 28, 1)))
    conv_a, transposed, conv_b, _, dense = model.layers
    # what TensorFlow runs: Conv2D for both convolutions, Conv2DBackpropInput for the transposed one
    assert counts["Conv2D"] == BATCH * (flops.layer_flops(conv_a) + flops.layer_flops(conv_b))
    assert counts["Conv2DBackpropInput"] == BATCH * flops.layer_flops(transposed)
    assert counts["MatMul"] == BATCH * flops.layer_flops(dense)
    # and by hand: 14x14 outputs of 3x3x1 kernels, 14x14 inputs spread over 4x4x4, 24x24 outputs of 5x5x4
    assert flops.layer_flops(conv_a) == 2 * 14 * 14 * 8 * 9
    assert flops.layer_flops(transposed) == 2 * 14 * 14 * 8 * 16 * 4
    assert flops.layer_flops(conv_b) == 2 * 24 * 24 * 6 * 25 * 4


# "same" padding, as in every recipe: for a "valid" convolution the profiler prices the two
# gradient operations by the larger input grid (28x28 instead of the 24x24 positions computed).
@pytest.mark.parametrize("build, shape", [(dense_model, (784,)), (lambda: conv_model("same"), (28, 28, 1))])
def test_a_training_step_with_the_input_gradient_counts_what_the_profiler_counts(build, shape):
    model = build()

    def gradients(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(model(x))
        return tape.gradient(loss, [x, *model.trainable_variables])

    counts = profiler_counts(gradients, tf.TensorSpec((BATCH, *shape)))
    counted = sum(counts.get(name, 0.0) for name in PRODUCTS)
    assert counted == BATCH * flops.training_flops(model, input_gradient=True)
    assert counted == 3 * BATCH * flops.forward_flops(model)


def test_without_the_input_gradient_the_first_layers_input_product_is_left_out():
    model = conv_model()
    first = flops.layer_flops(model.layers[0])
    assert flops.training_flops(model) == flops.training_flops(model, input_gradient=True) - first


def test_layers_of_nested_and_subclassed_models_are_all_counted_once():
    vae = zoo.recipe("vae-20")
    model = vae.build(vae.params)
    # encoder 784-500-500, heads 500-20 twice, decoder 20-500-500-784
    by_hand = 2 * (784 * 500 + 500 * 500 + 2 * 500 * 20 + 20 * 500 + 500 * 500 + 500 * 784)
    assert flops.forward_flops(model) == by_hand
    assert flops.forward_flops(model.decoder) == 2 * (20 * 500 + 500 * 500 + 500 * 784)


def test_a_gan_step_counts_each_players_passes_by_hand():
    # G: 3 -> 4 (24 FLOPs forward), D: 4 -> 2 -> 1 (16 + 4 = 20 FLOPs forward, first layer 16)
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    discriminator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    g, d, d_first, g_first = 24, 20, 16, 24
    d_step = g + 2 * (3 * d - d_first)  # fakes drawn; D forward and backward on real and fake
    g_step = (3 * g - g_first) + 3 * d  # G forward and backward; D forward and backward to its input
    assert flops.gan_step_flops(generator, discriminator) == d_step + g_step == 24 + 88 + 48 + 60
    assert flops.gan_step_flops(generator, discriminator, r1=True) == d_step + g_step + 3 * d


def test_a_convolution_without_a_symbolic_shape_is_a_clear_error():
    layer = keras.layers.Conv2D(2, 3)
    layer(tf.zeros((1, 8, 8, 1)))  # built eagerly: no symbolic output to read the positions from
    with pytest.raises(ValueError, match="no symbolic shape"):
        flops.layer_flops(layer)


def test_work_totals_training_and_evaluation():
    work = flops.Work(step_flops=10.0, examples=7, evaluation_flops=5.0)
    assert (work.training_flops, work.total) == (70.0, 75.0)


def test_every_recipe_counts_positive_work():
    for name in zoo.names():
        recipe = zoo.recipe(name)
        work = recipe.work(recipe.build(recipe.params), recipe.params)
        assert work.step_flops > 0 and work.examples > 0 and work.total > work.training_flops * 0.99, name


def test_the_vae_bound_costs_k_decoder_passes_per_image_of_its_subset():
    recipe = zoo.recipe("vae-20")
    model = recipe.build(recipe.params)
    base = recipe.work(model, recipe.params).total
    more = recipe.work(model, dataclasses.replace(recipe.params, iwae_k=recipe.params.iwae_k + 1)).total
    assert more - base == pytest.approx(recipe.params.iwae_images * flops.forward_flops(model.decoder))


def test_matmul_peak_is_a_positive_rate():
    peak = flops.matmul_peak(size=128, repeats=2)
    assert math.isfinite(peak) and peak > 0
