"""VAE pieces: the closed-form KL against Monte Carlo, the shared log-densities, the reparameterised sample,
the meaning of the history's terms, ELBO <= IWAE bound; the convolutional VAE's shapes, terms and seeding."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ganbook import data, metrics
from ganbook.models import autoencoder, likelihoods, vae
from ganbook.train import fit_unsupervised
from tests.images import tiny_colour_images


def test_kl_closed_form_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(3, 4)).astype(np.float32)
    log_var = rng.normal(scale=0.5, size=(3, 4)).astype(np.float32)
    closed = vae.kl_to_standard_normal(mu, log_var).numpy()
    # KL = E_q[log q(z) - log p(z)], estimated with 400,000 samples per row
    z = mu + np.exp(0.5 * log_var) * rng.normal(size=(400_000, 3, 4)).astype(np.float32)
    log_q = likelihoods.gaussian_log_density(z, mu, log_var).numpy()
    log_p = likelihoods.gaussian_log_density(z, np.zeros_like(mu), np.zeros_like(log_var)).numpy()
    estimate = (log_q - log_p).mean(axis=0)
    standard_error = (log_q - log_p).std(axis=0) / np.sqrt(len(z))
    assert np.all(np.abs(estimate - closed) < 5 * standard_error + 1e-3), (estimate, closed)


def test_kl_is_zero_only_at_the_prior():
    assert float(vae.kl_to_standard_normal(np.zeros((1, 5)), np.zeros((1, 5)))[0]) == pytest.approx(0.0)
    assert float(vae.kl_to_standard_normal(np.full((1, 5), 0.1), np.zeros((1, 5)))[0]) > 0


def test_reparameterised_sample_has_the_right_mean_and_variance():
    layer = vae.Sampling(seed=3)
    mu = np.full((200_000, 2), [1.5, -2.0], np.float32)
    log_var = np.full((200_000, 2), [np.log(4.0), np.log(0.25)], np.float32)
    z = layer([mu, log_var]).numpy()
    np.testing.assert_allclose(z.mean(axis=0), [1.5, -2.0], atol=0.02)
    np.testing.assert_allclose(z.var(axis=0), [4.0, 0.25], rtol=0.02)


def test_sampling_is_seeded():
    mu, log_var = np.zeros((4, 3), np.float32), np.zeros((4, 3), np.float32)
    np.testing.assert_array_equal(vae.Sampling(seed=7)([mu, log_var]), vae.Sampling(seed=7)([mu, log_var]))


def test_bernoulli_log_likelihood_by_hand():
    x = np.array([[1.0, 0.0]], np.float32)
    logits = np.array([[0.0, np.log(3.0)]], np.float32)  # p = 0.5 and 0.75
    expected = np.log(0.5) + np.log(0.25)
    assert float(likelihoods.bernoulli_log_likelihood(x, logits)[0]) == pytest.approx(expected, rel=1e-6)


def test_bernoulli_log_likelihood_sums_over_the_axes_it_is_given():
    rng = np.random.default_rng(1)
    images = (rng.random((3, 4, 4, 3)) < 0.5).astype(np.float32)
    logits = rng.normal(size=(3, 4, 4, 3)).astype(np.float32)
    probabilities = 1 / (1 + np.exp(-logits.astype(np.float64)))
    by_hand = np.sum(np.where(images == 1, np.log(probabilities), np.log1p(-probabilities)), axis=(1, 2, 3))
    summed = likelihoods.bernoulli_log_likelihood(images, logits, axis=[1, 2, 3]).numpy()
    np.testing.assert_allclose(summed, by_hand, rtol=1e-5)
    flat = likelihoods.bernoulli_log_likelihood(images.reshape(3, -1), logits.reshape(3, -1)).numpy()
    np.testing.assert_allclose(flat, summed, rtol=1e-6)


def test_gaussian_log_density_by_hand():
    z, mu, log_var = np.array([[1.0, -0.5]]), np.array([[0.0, 0.5]]), np.array([[0.0, np.log(4.0)]])
    expected = -0.5 * (2 * np.log(2 * np.pi) + np.log(4.0) + 1.0 + 1.0 / 4.0)
    assert float(likelihoods.gaussian_log_density(z, mu, log_var)[0]) == pytest.approx(expected, rel=1e-12)


def test_the_models_and_the_metrics_share_one_definition_of_each_log_density():
    assert vae.bernoulli_log_likelihood is likelihoods.bernoulli_log_likelihood
    assert metrics.bernoulli_log_likelihood is likelihoods.bernoulli_log_likelihood
    assert metrics.gaussian_log_density is likelihoods.gaussian_log_density


def test_history_reconstruction_is_a_log_likelihood_and_loss_is_kl_minus_it():
    """``reconstruction`` is E_q log p(x | z), <= 0 for binary x: the ELBO's first term in the VAE chapter."""
    model = vae.build_vae(latent_size=2, hidden=(8,))
    model.compile(optimizer="adam")
    x = (np.random.default_rng(0).random((32, 784)) < 0.3).astype(np.float32)
    values = {name: float(value) for name, value in model.test_step(x).items()}
    assert values["reconstruction"] < 0 and values["kl"] >= 0
    assert values["loss"] == pytest.approx(values["kl"] - values["reconstruction"], rel=1e-6)


def test_shapes():
    model = vae.build_vae(latent_size=3, hidden=(16,))
    x = np.zeros((5, 784), np.float32)
    mu, log_var = model.encode(x)
    assert mu.shape == log_var.shape == (5, 3)
    assert model(x).shape == (5, 784)
    assert model.decode(np.zeros((2, 3), np.float32)).shape == (2, 784)
    ae = autoencoder.build_autoencoder(7)
    assert ae.encoder(x).shape == (5, 7) and ae(x).shape == (5, 784)


@pytest.fixture(scope="module")
def small_binary_mnist():
    from tests.conftest import REAL_DATA

    if REAL_DATA is None:
        pytest.skip("needs the MNIST data folder")
    with pytest.MonkeyPatch.context() as patch:  # the data folder for this load only, not the session
        patch.setenv("GANBOOK_DATA_DIR", str(REAL_DATA))
        mnist = data.load_mnist()
    x = data.flatten(mnist.train.x[:1024])
    return x, data.binarize(data.flatten(mnist.test.x[:64]), np.random.default_rng(0))


@pytest.fixture(scope="module")
def tiny_trained_vae(small_binary_mnist):
    x, test = small_binary_mnist
    keras.utils.set_random_seed(0)
    model = vae.build_vae(latent_size=4, hidden=(64,))
    history = fit_unsupervised(model, x, test, epochs=4, batch_size=64, learning_rate=3e-3, jit_compile=False)
    return model, history, test


def test_a_few_epochs_lower_the_loss(tiny_trained_vae):
    _, history, _ = tiny_trained_vae
    assert history["loss"][-1] < 0.8 * history["loss"][0]


def test_iwae_bound_is_above_the_elbo_and_rises_with_k(tiny_trained_vae):
    model, _, test = tiny_trained_vae
    bounds = {k: metrics.importance_weighted_bound(model.encode, model.decoder, test, k=k,
                                                   chunk=min(k, 50)).mean()
              for k in (1, 10, 100)}
    assert bounds[1] < bounds[10] < bounds[100], bounds
    assert bounds[100] - bounds[1] < 30, "the gap should be a few nats, not a broken estimator"


def test_iwae_rejects_grey_images():
    model = vae.build_vae(latent_size=2, hidden=(8,))
    grey = np.full((2, 784), 0.5, np.float32)
    with pytest.raises(ValueError, match="binarise"):
        metrics.importance_weighted_bound(model.encode, model.decoder, grey, k=1)


def test_autoencoder_loss_falls(small_binary_mnist):
    x, _ = small_binary_mnist
    keras.utils.set_random_seed(0)
    model = autoencoder.build_autoencoder(16)
    history = fit_unsupervised(model, x, None, epochs=3, batch_size=64, learning_rate=0.005)
    assert history["loss"][-1] < 0.7 * history["loss"][0]


def test_conv_vae_shapes_and_loss_falls():
    keras.utils.set_random_seed(0)
    model = vae.build_conv_vae(size=32, latent_size=8, width=8)
    x = tiny_colour_images(64)
    assert model(x).shape == (64, 32, 32, 3)
    assert model.decode(np.zeros((2, 8), np.float32)).shape == (2, 32, 32, 3)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    losses = model.fit(x, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_conv_vae_history_means_what_the_vae_history_means():
    """``reconstruction`` is E_q log p(x | z), a log-likelihood (<= 0); loss = -ELBO = kl - reconstruction."""
    keras.utils.set_random_seed(0)
    model = vae.build_conv_vae(size=32, latent_size=4, width=4)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(tiny_colour_images(32), epochs=2, batch_size=16, verbose=0,
                        validation_data=(tiny_colour_images(16, seed=1),)).history
    for prefix in ("", "val_"):
        reconstruction, kl, loss = (np.array(history[prefix + name])
                                    for name in ("reconstruction", "kl", "loss"))
        assert np.all(reconstruction < 0) and np.all(kl >= 0)
        np.testing.assert_allclose(loss, kl - reconstruction, rtol=1e-6)


def test_conv_vae_rejects_sizes_it_cannot_mirror():
    with pytest.raises(ValueError, match="divisible by 4"):
        vae.build_conv_vae(size=30)


def test_conv_vae_is_deterministic_given_the_seed():
    keras.utils.set_random_seed(7)
    first = vae.build_conv_vae(size=32, latent_size=4, width=4, seed=7)
    keras.utils.set_random_seed(7)
    again = vae.build_conv_vae(size=32, latent_size=4, width=4, seed=7)
    z = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(first.decode(z).numpy(), again.decode(z).numpy())
    x = tiny_colour_images(3)
    np.testing.assert_array_equal(first(x).numpy(), again(x).numpy())  # the same reparameterisation noise too
