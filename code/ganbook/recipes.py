"""The book's model recipes, registered with :mod:`ganbook.zoo` under the names chapters use.

Each recipe's hyper-parameters are its ``params``; chapters print them, and
``zoo.get(name, **overrides)`` trains a variant (for example more steps) as its own cache entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import time

import numpy as np

from ganbook import data, metrics, toy
import keras

from ganbook.cache import Recipe, TrainingRecord, cache_key, load_or_train
from ganbook.models import autoencoder, classifier, gan, pets, ring_gan, vae
from ganbook.train import fit_unsupervised, train_classifier
from ganbook.zoo import register

# Code the recipes' weights depend on, beyond their own build and train functions (see cache.Recipe).
# Functions rather than whole modules where a module holds unrelated code, so that editing one
# model's code does not retrain the others.
_CLASSIFIER_CODE = ("ganbook.data", "ganbook.models.classifier", "ganbook.train:train_classifier",
                    "ganbook.train:compiled_step", "ganbook.train:compiled_evaluator", "ganbook.train:epoch_batches",
                    "ganbook.train:one_hot")
_UNSUPERVISED_CODE = ("ganbook.data", "ganbook.train:fit_unsupervised")
# What a GAN recipe's trained weights depend on besides its build and train functions.
_GAN_CODE = ("ganbook.models.gan", "ganbook.models.noise", "ganbook.recipes:_fit_gan", "ganbook.recipes:_Snapshots")
_IWAE_CODE = ("ganbook.metrics:importance_weighted_bound", "ganbook.metrics:_log_normal",
              "ganbook.metrics:_log_bernoulli", "ganbook.metrics:mean_and_standard_error")


# ----------------------------------------------------------------------------- classifiers


def _build_mlp(params: Mapping[str, Any]):
    return classifier.build_mlp(params["hidden"], params["variant"], params["activation"])


def _train_mlp(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on the training images of the digits in ``params["train_digits"]``; test on all test images."""
    mnist = data.load_mnist()
    keep = np.isin(mnist.train.y, [int(digit) for digit in params["train_digits"]])
    return train_classifier(
        model,
        classifier.loss_function(params["variant"]),
        (data.flatten(mnist.train.x[keep]), mnist.train.y[keep]),
        (data.flatten(mnist.test.x), mnist.test.y),
        steps=params["steps"],
        batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        eval_every=params["eval_every"],
        decay_to=params["decay_to"],
        seed=seed,
    )


ALL_DIGITS = "0123456789"


def _mlp_recipe(name: str, **params: Any) -> Recipe:
    params.setdefault("train_digits", ALL_DIGITS)
    return Recipe(name, _build_mlp, _train_mlp, params, seed=0, data=data.mnist_fingerprint(),
                  code=_CLASSIFIER_CODE)


@register("mlp-talk")
def mlp_talk() -> Recipe:
    """The talk's 784-256-10 network: sigmoid units, squared error, no trained biases, Adam 0.01."""
    return _mlp_recipe("mlp-talk", hidden=256, variant="talk", activation="sigmoid", steps=5000,
                       batch_size=128, learning_rate=0.01, decay_to=1.0, eval_every=250)


@register("mlp-ce")
def mlp_ce() -> Recipe:
    """The modern 784-256-10 network: ReLU hidden units, softmax cross-entropy, trained biases."""
    return _mlp_recipe("mlp-ce", hidden=256, variant="cross-entropy", activation="relu", steps=7000,
                       batch_size=128, learning_rate=1e-3, decay_to=0.01, eval_every=250)


@register("softmax-regression")
def softmax_regression() -> Recipe:
    """A linear model with a softmax output (no hidden layer): the simplest classifier that generalises."""
    return _mlp_recipe("softmax-regression", hidden=0, variant="cross-entropy", activation="relu", steps=3000,
                       batch_size=128, learning_rate=1e-3, decay_to=0.1, eval_every=500)


def _build_cnn(params: Mapping[str, Any]):
    return classifier.build_cnn(params["width"], params["features"])


def _train_cnn(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on all 60,000 training images; XLA is off because it slowed convolutions about 2x here."""
    mnist = data.load_mnist()
    return train_classifier(
        model, classifier.loss_function("cross-entropy"),
        (data.flatten(mnist.train.x), mnist.train.y), (data.flatten(mnist.test.x), mnist.test.y),
        steps=params["steps"], batch_size=params["batch_size"], learning_rate=params["learning_rate"],
        eval_every=params["eval_every"], decay_to=params["decay_to"], seed=seed, jit_compile=False)


@register("cnn-judge")
def cnn_judge() -> Recipe:
    """The comparison chapter's judge: a small CNN (3 conv stages, 128 features), cross-entropy, Adam."""
    params = dict(width=16, features=128, steps=2000, batch_size=128, learning_rate=2e-3, decay_to=0.01,
                  eval_every=250)
    return Recipe("cnn-judge", _build_cnn, _train_cnn, params, seed=0, data=data.mnist_fingerprint(),
                  code=_CLASSIFIER_CODE)


# ----------------------------------------------------------------------------- autoencoder


def _build_autoencoder(params: Mapping[str, Any]):
    return autoencoder.build_autoencoder(params["code_size"])


def _train_autoencoder(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on the first 50,000 training images (the GAN chapter validates on the rest); test curve too."""
    mnist = data.load_mnist(validation=True)
    history = fit_unsupervised(model, data.flatten(mnist.train.x), data.flatten(mnist.test.x),
                               epochs=params["epochs"], batch_size=params["batch_size"],
                               learning_rate=params["learning_rate"], jit_compile=params["jit_compile"])
    return TrainingRecord(history=history, metrics={"test_mse": history["val_loss"][-1]})


@register("autoencoder")
def autoencoder_recipe() -> Recipe:
    """The talk's 784-100-784 ReLU autoencoder, squared error, Adam 0.005, batch 128."""
    params = dict(code_size=100, epochs=10, batch_size=128, learning_rate=0.005, jit_compile=True)
    return Recipe("autoencoder", _build_autoencoder, _train_autoencoder, params, seed=0,
                  data=data.mnist_fingerprint(), code=(*_UNSUPERVISED_CODE, "ganbook.models.autoencoder"))


# ----------------------------------------------------------------------------- variational autoencoders

# The test set is binarised once, with this seed, for every likelihood the book reports.
TEST_BINARIZATION_SEED = 2015


def binarized_test_images() -> np.ndarray:
    """The 10,000 MNIST test images as (10000, 784) binary float32, drawn once with a fixed seed."""
    mnist = data.load_mnist()
    return data.binarize(data.flatten(mnist.test.x), np.random.default_rng(TEST_BINARIZATION_SEED))


def _build_vae(params: Mapping[str, Any]):
    return vae.build_vae(params["latent_size"], tuple(params["hidden"]))


def _train_vae(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on the first 50,000 training images, dynamically binarised; report test ELBO and IWAE bound in nats.

    Images 50,000-59,999 stay out, as for the autoencoder and the GANs: the comparison chapter
    chooses every generator's Parzen bandwidth on them.
    """
    mnist = data.load_mnist(validation=True)
    test = binarized_test_images()
    start = time.perf_counter()
    history = fit_unsupervised(model, data.flatten(mnist.train.x), test, epochs=params["epochs"],
                               batch_size=params["batch_size"], learning_rate=params["learning_rate"],
                               jit_compile=params["jit_compile"], steps_per_execution=params["steps_per_execution"])
    trained = time.perf_counter() - start
    elbo = metrics.importance_weighted_bound(model.encode, model.decoder, test, k=1, chunk=1, seed=seed)
    start = time.perf_counter()
    iwae = metrics.importance_weighted_bound(model.encode, model.decoder, test, k=params["iwae_k"], chunk=250,
                                             seed=seed)
    evaluated = time.perf_counter() - start
    (elbo_mean, elbo_se), (iwae_mean, iwae_se) = (metrics.mean_and_standard_error(v) for v in (elbo, iwae))
    return TrainingRecord(history=history, metrics={
        "test_elbo": elbo_mean, "test_elbo_se": elbo_se, "test_iwae": iwae_mean, "test_iwae_se": iwae_se,
        "iwae_k": params["iwae_k"], "fit_seconds": trained, "iwae_seconds": evaluated})


def _vae_recipe(name: str, **params: Any) -> Recipe:
    return Recipe(name, _build_vae, _train_vae, params, seed=0, data=data.mnist_fingerprint(),
                  code=(*_UNSUPERVISED_CODE, *_IWAE_CODE, "ganbook.models.vae", "ganbook.models.noise",
                        "ganbook.recipes:binarized_test_images"))


# Training steps per call into TensorFlow for the MNIST VAEs, with XLA: 6.9 s per epoch against 8.8-10.0 s
# for one step per call without XLA (with XLA and one step per call: 11.4 s).
VAE_STEPS_PER_EXECUTION = 8


@register("vae-2")
def vae_2() -> Recipe:
    """The talk's VAE: 784-500-500-2 softplus encoder, mirrored decoder, Bernoulli pixels."""
    return _vae_recipe("vae-2", latent_size=2, hidden=[500, 500], epochs=10, batch_size=128, learning_rate=1e-3,
                       jit_compile=True, steps_per_execution=VAE_STEPS_PER_EXECUTION, iwae_k=1000)


@register("vae-20")
def vae_20() -> Recipe:
    """The same VAE with a 20-dimensional code, for sample quality and likelihood."""
    return _vae_recipe("vae-20", latent_size=20, hidden=[500, 500], epochs=20, batch_size=128, learning_rate=1e-3,
                       jit_compile=True, steps_per_execution=VAE_STEPS_PER_EXECUTION, iwae_k=1000)


# ----------------------------------------------------------------------------- GANs


def _build_latent_gan(params: Mapping[str, Any]):
    return gan.build_latent_gan(params["code_size"], params["noise_size"], tuple(params["hidden"]),
                                average_decay=params["average_decay"])


class _Snapshots(keras.callbacks.Callback):
    """Generator outputs for a fixed batch of noise after chosen epochs (rounded, to keep the record small).

    With generator averaging the snapshot shows the averaged generator, the one training returns.
    """

    def __init__(self, epochs: list[int], count: int):
        super().__init__()
        self.epochs, self.count, self.taken = set(epochs), count, {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            with self.model.averaged_generator():
                self.taken[epoch + 1] = np.round(self.model.sample(self.count, seed=1), 3).tolist()


def _fit_gan(model, x: np.ndarray, params: Mapping[str, Any], snapshot_count: int | None = None) -> dict[str, Any]:
    """Adam (beta_1 = 0.5) for both players; per-epoch means of the losses and of D's outputs, plus snapshots.

    ``params["steps_per_execution"]`` training steps run per call into TensorFlow (fewer Python
    round trips; the steps themselves are unchanged). Snapshots are taken after the epochs in
    ``params["snapshot_epochs"]``, or after the first, a quarter, half and all of them. A GAN
    that averages its generator's weights ends with the average.
    """
    model.compile(d_optimizer=keras.optimizers.Adam(params["learning_rate"], beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(params["learning_rate"], beta_1=0.5),
                  jit_compile=params["jit_compile"], steps_per_execution=params["steps_per_execution"])
    epochs = params["epochs"]
    snapshot_epochs = sorted(params.get("snapshot_epochs") or {1, max(1, epochs // 4), max(1, epochs // 2), epochs})
    snapshots = _Snapshots(snapshot_epochs, count=snapshot_count or SNAPSHOT_COUNT)
    history = model.fit(x, epochs=epochs, batch_size=params["batch_size"], shuffle=True, verbose=0,
                        callbacks=[snapshots]).history
    if not np.all(np.isfinite(history["d_loss"])):
        raise FloatingPointError("the discriminator loss became NaN: lower the learning rate")
    model.adopt_generator_average()
    record: dict[str, Any] = {key: [float(v) for v in values] for key, values in history.items()}
    record["snapshot_epochs"] = snapshot_epochs
    record["snapshots"] = [snapshots.taken[e] for e in snapshot_epochs]
    return record


SNAPSHOT_COUNT = 40
# Training steps per call into TensorFlow for the dense GANs: one step per call left the latent GAN
# waiting on Python (10.9 s per epoch); 16 per call took 5.3 s, with the same steps.
GAN_STEPS_PER_EXECUTION = 16


def _train_latent_gan(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on the autoencoder codes of the first 50,000 training images."""
    ae = load_or_train(autoencoder_recipe()).model
    mnist = data.load_mnist(validation=True)
    codes = ae.encoder.predict(data.flatten(mnist.train.x), batch_size=4096, verbose=0)
    gan.set_code_scale(model, codes)
    return TrainingRecord(history=_fit_gan(model, codes, params))


@register("latent-gan")
def latent_gan() -> Recipe:
    """The talk's idea, corrected: a GAN on the 100-d codes of the autoencoder, decoded to images."""
    params = dict(code_size=100, noise_size=32, hidden=[512, 512], epochs=25, batch_size=128,
                  learning_rate=1e-3, average_decay=0.9997, jit_compile=False,
                  steps_per_execution=GAN_STEPS_PER_EXECUTION)
    return Recipe("latent-gan", _build_latent_gan, _train_latent_gan, params, seed=0,
                  data=f"autoencoder-{cache_key(autoencoder_recipe())}",
                  code=(*_GAN_CODE, "ganbook.models.autoencoder", "ganbook.data"))


def _build_dcgan(params: Mapping[str, Any]):
    return gan.build_dcgan(params["noise_size"], params["width"])


def _train_dcgan(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on the first 50,000 training images (pixels in [0, 1])."""
    mnist = data.load_mnist(validation=True)
    return TrainingRecord(history=_fit_gan(model, data.flatten(mnist.train.x), params))


@register("dcgan")
def dcgan() -> Recipe:
    """A small convolutional GAN in pixel space."""
    params = dict(noise_size=64, width=32, epochs=6, batch_size=128, learning_rate=2e-4, jit_compile=False,
                  steps_per_execution=1)
    return Recipe("dcgan", _build_dcgan, _train_dcgan, params, seed=0, data=data.mnist_fingerprint(),
                  code=(*_GAN_CODE, "ganbook.data"))


# ----------------------------------------------------------------------------- the ring of Gaussians (open problems)

RING_SNAPSHOT_COUNT = 2000
# A ring GAN's steps are tiny: 25 per call (a quarter of an epoch) took 25 s per run against 46 s
# for one per call, with the same modes covered and the same sample quality to four digits.
RING_STEPS_PER_EXECUTION = 25


def _build_ring_gan(params: Mapping[str, Any]):
    return ring_gan.build_ring_gan(params["noise_size"], tuple(params["hidden"]), params["r1"])


def _train_ring_gan(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Adam (beta_1 = 0.5) on a fixed draw of ring points; snapshots of 2,000 samples and their mode coverage."""
    record = _fit_gan(model, toy.ring_of_gaussians(params["points"], seed=seed), params,
                      snapshot_count=RING_SNAPSHOT_COUNT)
    final = toy.mode_coverage(np.asarray(record["snapshots"][-1]))
    return TrainingRecord(history=record, metrics={"modes_covered": final["modes_covered"],
                                                   "high_quality_fraction": final["high_quality_fraction"]})


def _ring_recipe(name: str, r1: float) -> Recipe:
    params = dict(noise_size=16, hidden=[128, 128], r1=r1, points=25_600, epochs=100, batch_size=256,
                  learning_rate=2e-4, snapshot_epochs=[10, 25, 50, 100], jit_compile=True,
                  steps_per_execution=RING_STEPS_PER_EXECUTION)
    return Recipe(name, _build_ring_gan, _train_ring_gan, params, seed=0, data="ring-of-gaussians",
                  code=(*_GAN_CODE, "ganbook.toy", "ganbook.models.ring_gan"))


@register("ring-gan")
def ring_gan_plain() -> Recipe:
    """A plain GAN (non-saturating loss) on the ring of eight Gaussians."""
    return _ring_recipe("ring-gan", r1=0.0)


@register("ring-gan-r1")
def ring_gan_r1() -> Recipe:
    """The same GAN with the R1 gradient penalty, gamma = 0.1."""
    return _ring_recipe("ring-gan-r1", r1=0.1)


# ----------------------------------------------------------------------------- cats and dogs

_PETS_CODE = ("ganbook.data", "ganbook.models.pets", "ganbook.recipes:pet_pixels")


def pet_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 RGB images -> float32 in [0, 1]."""
    return np.asarray(images, np.float32) / 255.0


def _with_mirror_images(x: np.ndarray) -> np.ndarray:
    """The images and their left-right mirror images: a cat facing left is as much a cat as one facing right."""
    return np.concatenate([x, x[:, :, ::-1]])


def _build_pet_classifier(params: Mapping[str, Any]):
    return pets.build_pet_classifier(params["size"], params["width"], params["features"], params["shift"],
                                     params["dropout"])


def _train_pet_classifier(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Adam with a cosine-decaying learning rate on the 2,000 training images; validation accuracy per epoch."""
    keras.utils.set_random_seed(seed)
    pet_data = data.load_cats_dogs(params["size"])
    x, y = pet_pixels(pet_data.train.x), pet_data.train.y.astype(np.int32)
    x_val, y_val = pet_pixels(pet_data.validation.x), pet_data.validation.y.astype(np.int32)
    steps = params["epochs"] * (len(x) // params["batch_size"])
    schedule = keras.optimizers.schedules.CosineDecay(params["learning_rate"], steps, alpha=params["decay_to"])
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(x, y, batch_size=params["batch_size"], epochs=params["epochs"], validation_data=(x_val, y_val),
                        shuffle=True, verbose=0).history
    record = {key: [float(v) for v in values] for key, values in history.items()}
    return TrainingRecord(history=record, metrics={"validation_accuracy": record["val_accuracy"][-1]})


@register("pet-classifier")
def pet_classifier() -> Recipe:
    """The cats-vs-dogs judge: a small CNN with flip and shift augmentation, 32x32 RGB."""
    params = dict(size=32, width=32, features=128, shift=0.1, dropout=0.3, epochs=40, batch_size=32,
                  learning_rate=2e-3, decay_to=0.05)
    return Recipe("pet-classifier", _build_pet_classifier, _train_pet_classifier, params, seed=0,
                  data=data.cats_dogs_fingerprint(32), code=_PETS_CODE)


def _build_pet_vae(params: Mapping[str, Any]):
    return pets.build_conv_vae(params["size"], params["latent_size"], params["width"])


def _train_pet_vae(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Adam on the training images and their mirror images; validation loss per epoch."""
    keras.utils.set_random_seed(seed)
    pet_data = data.load_cats_dogs(params["size"])
    model.compile(optimizer=keras.optimizers.Adam(params["learning_rate"]))
    history = model.fit(_with_mirror_images(pet_pixels(pet_data.train.x)), epochs=params["epochs"],
                        batch_size=params["batch_size"], validation_data=(pet_pixels(pet_data.validation.x),),
                        shuffle=True, verbose=0).history
    if not np.all(np.isfinite(history["loss"])):
        raise FloatingPointError("the VAE loss became NaN: lower the learning rate")
    record = {key: [float(v) for v in values] for key, values in history.items()}
    return TrainingRecord(history=record, metrics={"validation_loss": record["val_loss"][-1]})


@register("pet-vae")
def pet_vae() -> Recipe:
    """A convolutional VAE with a 64-d code on 32x32 cats and dogs."""
    params = dict(size=32, latent_size=64, width=32, epochs=25, batch_size=64, learning_rate=1e-3)
    return Recipe("pet-vae", _build_pet_vae, _train_pet_vae, params, seed=0, data=data.cats_dogs_fingerprint(32),
                  code=(*_PETS_CODE, "ganbook.models.vae:Sampling", "ganbook.models.vae:kl_to_standard_normal",
                                    "ganbook.models.noise"))


def _build_pet_dcgan(params: Mapping[str, Any]):
    return pets.build_pet_dcgan(params["size"], params["noise_size"], params["width"])


def _train_pet_dcgan(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """The GAN recipe's Adam settings on the training images and their mirror images."""
    pet_data = data.load_cats_dogs(params["size"])
    return TrainingRecord(history=_fit_gan(model, _with_mirror_images(pet_pixels(pet_data.train.x)), params))


@register("pet-dcgan")
def pet_dcgan() -> Recipe:
    """A DCGAN on 32x32 cats and dogs (both classes together, no labels)."""
    params = dict(size=32, noise_size=100, width=16, epochs=30, batch_size=64, learning_rate=2e-4, jit_compile=False,
                  steps_per_execution=1)
    return Recipe("pet-dcgan", _build_pet_dcgan, _train_pet_dcgan, params, seed=0,
                  data=data.cats_dogs_fingerprint(32), code=(*_PETS_CODE, *_GAN_CODE))
