"""GAN models: the discriminator sees G(z), a few steps change the generator, shapes, seeded determinism,
builders that leave the global seed alone; the cats-vs-dogs DCGAN too."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganbook.models import convolutional_gan, gan, ring_gan, wgan
from tests.images import tiny_colour_images


def _compiled(model, learning_rate=1e-3):
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5), jit_compile=False)
    return model


def test_losses_from_logits_by_hand():
    real, fake = tf.constant([0.0, 2.0]), tf.constant([0.0, -1.0])
    expected_d = np.mean([np.log(2), np.log1p(np.exp(-2.0))]) + np.mean([np.log(2), np.log1p(np.exp(-1.0))])
    assert float(gan.discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-6)
    expected_g = np.mean([np.log(2), np.log1p(np.exp(1.0))])
    assert float(gan.generator_loss(fake)) == pytest.approx(expected_g, rel=1e-6)


def _sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))


LOGITS = np.array([-8.0, -3.0, -0.5, 0.0, 1.5, 6.0])  # D(G(z)) from 0.0003 to 0.9975


def test_minimax_and_non_saturating_generator_losses_by_hand():
    """log(1 - D(G(z))) and -log D(G(z)) against the log of a numpy sigmoid."""
    d = _sigmoid(LOGITS)
    logits = tf.constant(LOGITS, tf.float64)
    assert float(gan.minimax_generator_loss(logits)) == pytest.approx(np.mean(np.log(1 - d)), rel=1e-12)
    assert float(gan.generator_loss(logits)) == pytest.approx(np.mean(-np.log(d)), rel=1e-12)


def test_generator_loss_gradients_wrt_the_logit_and_saturation():
    """d/dl log(1 - sigmoid(l)) = -sigmoid(l); d/dl -log sigmoid(l) = sigmoid(l) - 1."""
    logits = tf.constant(LOGITS, tf.float64)
    gradients = {}
    for name, loss in (("minimax", gan.minimax_generator_loss), ("non-saturating", gan.generator_loss)):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            value = loss(logits) * len(LOGITS)  # the losses are means: undo the 1/n per logit
        gradients[name] = tape.gradient(value, logits).numpy()
    d = _sigmoid(LOGITS)
    np.testing.assert_allclose(gradients["minimax"], -d, rtol=1e-12)
    np.testing.assert_allclose(gradients["non-saturating"], d - 1, rtol=1e-12)
    # where D rejects the fake (l = -8) the minimax gradient has all but vanished, the other has not
    rejected = LOGITS.argmin()
    assert abs(gradients["minimax"][rejected]) < 1e-3 < 0.99 < abs(gradients["non-saturating"][rejected])
    # both push the logit up (negative gradient of a loss to minimise), and they agree at D = 1/2
    assert np.all(gradients["minimax"] < 0) and np.all(gradients["non-saturating"] < 0)
    half = int(np.flatnonzero(LOGITS == 0)[0])  # D = 1/2: both derivatives are -1/2
    assert gradients["minimax"][half] == pytest.approx(-0.5) == gradients["non-saturating"][half]


def test_losses_stay_finite_for_extreme_logits():
    big = tf.constant([1e4, -1e4])
    assert np.isfinite(float(gan.discriminator_loss(big, big)))
    assert np.isfinite(float(gan.generator_loss(big)))
    assert np.isfinite(float(gan.minimax_generator_loss(big)))
    with tf.GradientTape() as tape:
        tape.watch(big)
        loss = gan.generator_loss(big) + gan.minimax_generator_loss(big)
    assert np.all(np.isfinite(tape.gradient(loss, big).numpy()))


def test_shapes():
    latent = gan.build_latent_gan(code_size=10, noise_size=6, hidden=(8,))
    assert latent.sample(5).shape == (5, 10) and latent.sample(5).min() >= 0, "codes are ReLU outputs"
    assert latent.discriminator(np.zeros((3, 10), np.float32)).shape == (3, 1)
    pixels = convolutional_gan.build_dcgan(noise_size=8, width=4)
    images = pixels.sample(3)
    assert images.shape == (3, 784) and 0 <= images.min() and images.max() <= 1
    assert pixels.discriminator(images).shape == (3, 1)


def test_strided_convolutions_halve_the_size_and_normalise_every_activation_but_the_first():
    plain = convolutional_gan.strided_convolutions([4, 8, 16])
    kinds = [type(layer).__name__ for layer in plain]
    assert kinds == ["Conv2D", "LeakyReLU"] * 3
    normalised = [type(layer).__name__ for layer in convolutional_gan.strided_convolutions([4, 8, 16], batch_norm=True)]
    assert normalised == ["Conv2D", "LeakyReLU"] + ["Conv2D", "BatchNormalization", "LeakyReLU"] * 2
    body = keras.Sequential([keras.Input((32, 32, 3)), *plain])
    assert body(np.zeros((1, 32, 32, 3), np.float32)).shape[1:] == (4, 4, 16), "three stride-2 layers: 32 -> 4; the last width's channels"


def test_the_dcgan_discriminator_normalises_its_second_convolution_only_when_asked():
    def normalisers(model):
        return [layer for layer in model.discriminator.layers if isinstance(layer, keras.layers.BatchNormalization)]

    assert normalisers(convolutional_gan.build_dcgan(noise_size=8, width=4)) == []
    model = convolutional_gan.build_dcgan(noise_size=8, width=4, discriminator_batch_norm=True, average_decay=0.99)
    (norm,) = normalisers(model)
    assert norm.input.shape[1:] == (7, 7, 8), "after the second convolution (7x7, 2 x width channels)"
    assert len(model.generator_average) == len(model.generator.trainable_variables)


def test_the_discriminator_receives_generated_samples(monkeypatch):
    """The talk fed the noise z to D; here every fake batch D sees must be G's output."""
    model = _compiled(gan.build_latent_gan(code_size=10, noise_size=6, hidden=(8,)))
    seen = []
    original_call = model.discriminator.call

    def recording_call(inputs, *args, **kwargs):
        seen.append(inputs)
        return original_call(inputs, *args, **kwargs)

    monkeypatch.setattr(model.discriminator, "call", recording_call)
    model.train_step(tf.ones((4, 10)))  # eager, so the calls are visible
    fakes = seen[1:]  # the first call is the real batch
    assert len(fakes) == 2
    for batch in fakes:
        assert batch.shape == (4, 10), "D must get generated codes (10-d), not 6-d noise"


def test_generator_gets_a_gradient_through_the_discriminator():
    model = gan.build_latent_gan(code_size=10, noise_size=6, hidden=(8,))
    z = tf.random.stateless_normal((16, 6), seed=(1, 2))
    with tf.GradientTape() as tape:
        loss = gan.generator_loss(model.discriminator(model.generator(z)))
    grads = tape.gradient(loss, model.generator.trainable_variables)
    assert all(g is not None for g in grads) and sum(float(tf.norm(g)) for g in grads) > 0


def test_a_few_steps_change_the_generator_weights_and_the_discriminator_learns():
    keras.utils.set_random_seed(0)
    model = _compiled(gan.build_latent_gan(code_size=4, noise_size=4, hidden=(16,)), learning_rate=5e-3)
    before = [w.copy() for w in model.generator.get_weights()]
    real = np.random.default_rng(0).normal(3.0, 0.1, size=(512, 4)).astype(np.float32)  # far from G's start
    history = model.fit(real, epochs=3, batch_size=64, verbose=0).history
    after = model.generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert history["d_real"][-1] > 0.5, "D should call real data real"


def test_seeded_training_is_deterministic():
    real = np.random.default_rng(1).normal(size=(256, 4)).astype(np.float32)

    def run():
        keras.utils.set_random_seed(3)
        model = _compiled(gan.build_latent_gan(code_size=4, noise_size=4, hidden=(8,), seed=3))
        model.fit(real, epochs=1, batch_size=64, verbose=0, shuffle=True)
        return model.generator.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_ring_gan_builder_leaves_the_global_seed_alone_and_follows_it():
    np.random.seed(12345)
    state = np.random.get_state()[1].copy()
    ring_gan.build_ring_gan(noise_size=4, hidden=(8,), seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # no reseeding inside the builder

    def built(global_seed):
        keras.utils.set_random_seed(global_seed)  # the initial weights follow it (the cache sets it)
        return ring_gan.build_ring_gan(noise_size=4, hidden=(8,), r1=1.0, seed=3).get_weights()

    first, again, other = built(0), built(0), built(1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


def test_train_step_takes_x_alone_or_in_a_tuple():
    """Keras hands train_step ``x``, ``(x,)`` or ``(x, y)``; each is the same batch of real data."""
    real = tf.constant(np.random.default_rng(2).normal(size=(8, 4)), tf.float32)
    weights = []
    for data in (real, (real,), (real, tf.zeros(8))):
        keras.utils.set_random_seed(0)
        model = _compiled(gan.build_latent_gan(code_size=4, noise_size=4, hidden=(8,)))
        model.train_step(data)
        weights.append(model.get_weights())
    for other in weights[1:]:
        for a, b in zip(weights[0], other):
            np.testing.assert_array_equal(a, b)


def _linear_gan(r1=0.0, average_decay=0.0):
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model = gan.GAN(generator, discriminator, noise_size=2, r1=r1, average_decay=average_decay)
    model.compile(d_optimizer=keras.optimizers.SGD(1.0), g_optimizer=keras.optimizers.SGD(0.1))
    return model


def test_r1_penalty_adds_gamma_times_the_kernel_for_a_linear_discriminator():
    """D(x) = w.x + b has grad_x = w, so (gamma/2)|w|^2 adds gamma * w to the kernel's gradient."""
    real = tf.constant([[1.0, 2.0], [0.5, -1.0]])
    fake = tf.constant([[0.0, 1.0], [-2.0, 0.5]])
    kernels = []
    for r1 in (0.0, 0.3):
        model = _linear_gan(r1=r1)
        model.discriminator.set_weights([np.array([[0.4], [-0.7]], np.float32), np.array([0.1], np.float32)])
        model._discriminator_step(real, fake)
        kernels.append(model.discriminator.get_weights()[0])
    np.testing.assert_allclose(kernels[0] - kernels[1], 0.3 * np.array([[0.4], [-0.7]]), rtol=1e-5)


def test_generator_average_is_the_exponential_moving_average_of_its_weights():
    decay = 0.5
    model = _linear_gan(average_decay=decay)
    real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    history = [model.generator.get_weights()]
    for _ in range(2):
        model.train_step(real)
        history.append(model.generator.get_weights())
    # bias-corrected: the initial weights w0 have no share, the two trained ones are weighted decay : 1
    expected = [(decay * (1 - decay) * w1 + (1 - decay) * w2) / (1 - decay**2)
                for w0, w1, w2 in zip(*history)]
    with model.averaged_generator():
        for weight, value in zip(model.generator.get_weights(), expected):
            np.testing.assert_allclose(weight, value, rtol=1e-6)
    for weight, value in zip(model.generator.get_weights(), history[-1]):
        np.testing.assert_array_equal(weight, value)  # live weights are back after the block
    model.adopt_generator_average()
    for weight, value in zip(model.generator.get_weights(), expected):
        np.testing.assert_allclose(weight, value, rtol=1e-6)


def test_the_average_of_constant_weights_is_that_constant_from_the_first_step():
    model = _linear_gan(average_decay=0.9997)
    constant = [np.full_like(w, 0.25 + i) for i, w in enumerate(model.generator.get_weights())]
    model.generator.set_weights(constant)
    for steps in range(1, 4):
        model.update_generator_average()
        with model.averaged_generator():
            for weight, value in zip(model.generator.get_weights(), constant):
                np.testing.assert_allclose(weight, value, rtol=1e-5, err_msg=f"after {steps} step(s)")


def test_the_averaged_dcgan_gets_the_batch_statistics_of_its_own_weights_and_the_live_ones_come_back():
    keras.utils.set_random_seed(0)
    model = convolutional_gan.build_dcgan(noise_size=8, width=4, average_decay=0.5)
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    real = tf.constant(np.random.default_rng(0).random((16, 784)), tf.float32)
    for _ in range(3):
        model.train_step(real)
    norms = list(gan._batch_norms(model.generator))
    assert norms, "the DCGAN's generator normalises its batches"
    live = [w.numpy() for w in model.generator.weights]
    first = norms[0]
    live_mean = first.moving_mean.numpy()
    with model.averaged_generator():
        # the first normalisation's input on the same draws, recomputed by hand from the layers before it
        before = keras.Model(model.generator.inputs, first.input)
        z = model.noise(gan.STATISTICS_DRAWS, keras.random.SeedGenerator(gan.STATISTICS_SEED))
        inputs = before(z, training=True).numpy().reshape(-1, first.moving_mean.shape[0])
        np.testing.assert_allclose(first.moving_mean.numpy(), inputs.mean(axis=0), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(first.moving_variance.numpy(), inputs.var(axis=0), rtol=1e-3, atol=1e-5)
        assert not np.allclose(first.moving_mean.numpy(), live_mean)
        assert all(norm.momentum == 0.99 for norm in norms)  # restored after the pass
    for weight, value in zip(model.generator.weights, live):
        np.testing.assert_array_equal(weight.numpy(), value)


def test_bad_stabiliser_settings_are_named():
    with pytest.raises(ValueError, match="average_decay"):
        _linear_gan(average_decay=1.0)
    with pytest.raises(ValueError, match="R1"):
        _linear_gan(r1=-1.0)


def test_pet_dcgan_shapes_and_seeded_determinism():
    keras.utils.set_random_seed(3)  # the initial weights follow the global seed (the cache sets it)
    first = convolutional_gan.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    keras.utils.set_random_seed(3)
    again = convolutional_gan.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    samples = first.sample(5, seed=1)
    assert samples.shape == (5, 32, 32, 3) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_allclose(samples, again.sample(5, seed=1), rtol=1e-6)
    assert first.discriminator(samples).shape == (5, 1)


def test_pet_dcgan_builder_leaves_the_global_seed_alone():
    np.random.seed(12345)
    state = np.random.get_state()[1].copy()
    convolutional_gan.build_pet_dcgan(size=32, noise_size=8, width=4, seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_pet_dcgan_discriminator_loss_falls_in_a_few_steps():
    keras.utils.set_random_seed(0)
    model = convolutional_gan.build_pet_dcgan(size=32, noise_size=8, width=4, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5))
    history = model.fit(tiny_colour_images(64), epochs=6, batch_size=16, verbose=0).history
    assert history["d_loss"][-1] < history["d_loss"][0]


def test_compute_precision_names_a_bad_dtype_and_always_restores_the_policy():
    with pytest.raises(ValueError, match="compute_dtype must be one of"):
        with gan.compute_precision("float16"):
            pass
    with pytest.raises(RuntimeError):
        with gan.compute_precision("bfloat16"):
            assert keras.config.dtype_policy().name == "mixed_bfloat16"
            raise RuntimeError("a failed build")
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize("build", [
    lambda dtype: convolutional_gan.build_dcgan(noise_size=8, width=4, average_decay=0.9, discriminator_batch_norm=True,
                                  compute_dtype=dtype),
    lambda dtype: convolutional_gan.build_pet_dcgan(size=16, noise_size=8, width=4, compute_dtype=dtype)],
    ids=["dcgan", "pet-dcgan"])
def test_bfloat16_gans_compute_in_bfloat16_with_float32_weights_images_and_logits(build):
    keras.utils.set_random_seed(0)
    model = _compiled(build("bfloat16"))
    convolutions = [layer for layer in model.discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convolutions and all(layer.compute_dtype == "bfloat16" for layer in convolutions)
    networks = model.generator.weights + model.discriminator.weights
    assert {v.dtype for v in networks} == {"float32"}
    images = model.sample(32, seed=1)
    assert images.dtype == np.float32
    assert model.discriminator(images).dtype == tf.float32
    history = model.fit(images, epochs=2, batch_size=16, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values())
    assert keras.config.dtype_policy().name == "float32"  # the next model is built in float32 again


@pytest.mark.parametrize("build", [
    lambda dtype: gan.build_latent_gan(code_size=6, noise_size=4, hidden=(16, 16), average_decay=0.9,
                                       compute_dtype=dtype),
    lambda dtype: wgan.build_latent_wgan(code_size=6, noise_size=4, hidden=(16, 16), critic_steps=2,
                                         compute_dtype=dtype)],
    ids=["latent-gan", "latent-wgan"])
def test_bfloat16_gans_on_codes_have_bfloat16_hidden_layers_and_float32_weights_codes_and_logits(build):
    keras.utils.set_random_seed(0)
    model = _compiled(build("bfloat16"))
    bodies = [model.generator.get_layer("generator_body"), model.discriminator.get_layer("discriminator_body")]
    for body in bodies:
        *hidden, output = body.layers
        assert [layer.compute_dtype for layer in hidden] == ["bfloat16", "bfloat16"]
        assert output.compute_dtype == "float32"
    assert model.generator.get_layer("to_code_scale").compute_dtype == "float32"
    networks = model.generator.weights + model.discriminator.weights
    assert {v.dtype for v in networks} == {"float32"}
    codes = np.abs(np.random.default_rng(0).normal(size=(64, 6))).astype("float32")
    assert model.sample(8, seed=1).dtype == np.float32
    assert model.discriminator(codes).dtype == tf.float32
    history = model.fit(codes, epochs=2, batch_size=16, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values())
    assert keras.config.dtype_policy().name == "float32"


def test_float32_and_bfloat16_dcgans_have_the_same_weights_and_close_outputs():
    keras.utils.set_random_seed(0)
    single = convolutional_gan.build_dcgan(noise_size=8, width=4, compute_dtype="float32")
    keras.utils.set_random_seed(0)
    mixed = convolutional_gan.build_dcgan(noise_size=8, width=4, compute_dtype="bfloat16")
    assert [w.shape for w in single.weights] == [w.shape for w in mixed.weights]
    for a, b in zip(single.weights, mixed.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    a, b = single.sample(16, seed=2), mixed.sample(16, seed=2)
    # bfloat16 keeps 8 significant bits: about 2-3 decimal digits on pixels in [0, 1]
    assert np.abs(a - b).max() < 0.02 and np.abs(a - b).max() > 0
