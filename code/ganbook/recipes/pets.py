"""Cats and dogs at 32 x 32 pixels: the classifier that judges them, the convolutional VAE and the
DCGAN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganbook import data
from ganbook.cache import Recipe
from ganbook.data.cats_dogs import CATS_DOGS_COUNTS
from ganbook.models import classifier, convolutional_gan, vae
from ganbook.train import TrainingRecord, fit_classifier, fit_unsupervised
from ganbook.recipes.common import (GAN_COMPUTE_DTYPE, SNAPSHOT_COUNT, EpochTraining, GANTraining, _epochs_work,
                                    _fit_gan, _gan_work)

_PET_TRAIN, _PET_VALIDATION = (2 * count for count in CATS_DOGS_COUNTS.values())  # both classes
_PET_MIRRORED = 2 * _PET_TRAIN  # the generators train on each image and its mirror image


@dataclass(frozen=True, kw_only=True)
class PetClassifierParams(EpochTraining):
    """A ``build_pet_classifier`` network on ``size`` x ``size`` images, trained by ``fit_classifier``
    (the learning rate decaying, cosine, to ``decay_to`` times its start)."""

    size: int
    width: int
    features: int
    shift: float
    dropout: float
    decay_to: float


@dataclass(frozen=True, kw_only=True)
class PetVAEParams(EpochTraining):
    """A ``build_conv_vae`` network on ``size`` x ``size`` images with a ``latent_size``-d code."""

    size: int
    latent_size: int
    width: int


@dataclass(frozen=True, kw_only=True)
class PetDCGANParams(GANTraining):
    """A ``build_pet_dcgan`` model on ``size`` x ``size`` images."""

    size: int
    noise_size: int
    width: int
    compute_dtype: str


def _build_pet_classifier(params: PetClassifierParams):
    return classifier.build_pet_classifier(params.size, params.width, params.features, params.shift, params.dropout)


def _train_pet_classifier(model, params: PetClassifierParams, seed: int) -> TrainingRecord:
    """Adam with a cosine-decaying learning rate on the 2,000 training images; validation accuracy per epoch."""
    pet_data = data.load_cats_dogs(params.size)
    train = data.pet_pixels(pet_data.train.x), pet_data.train.y.astype(np.int32)
    validation = data.pet_pixels(pet_data.validation.x), pet_data.validation.y.astype(np.int32)
    return fit_classifier(model, train, validation, epochs=params.epochs, batch_size=params.batch_size,
                          learning_rate=params.learning_rate, decay_to=params.decay_to,
                          jit_compile=params.jit_compile)


def pet_classifier() -> Recipe:
    """The cats-vs-dogs judge: a small CNN with flip and shift augmentation, 32x32 RGB."""
    # Tuned on: no search recorded.
    # XLA off, as Keras's "auto" chose on a CPU (named here so that a GPU trains the same program).
    params = PetClassifierParams(size=32, width=32, features=128, shift=0.1, dropout=0.3, epochs=40, batch_size=32,
                                 learning_rate=2e-3, decay_to=0.05, jit_compile=False)
    return Recipe("pet-classifier", _build_pet_classifier, _train_pet_classifier, params, seed=0,
                  data=data.cats_dogs_fingerprint(32),
                  work=_epochs_work(_PET_TRAIN, _PET_VALIDATION))


def _build_pet_vae(params: PetVAEParams):
    return vae.build_conv_vae(params.size, params.latent_size, params.width)


def _train_pet_vae(model, params: PetVAEParams, seed: int) -> TrainingRecord:
    """Adam on the training images and their mirror images; validation loss per epoch."""
    pet_data = data.load_cats_dogs(params.size)
    record = fit_unsupervised(model, data.with_mirror_images(data.pet_pixels(pet_data.train.x)),
                              data.pet_pixels(pet_data.validation.x), epochs=params.epochs,
                              batch_size=params.batch_size, learning_rate=params.learning_rate,
                              jit_compile=params.jit_compile)
    return TrainingRecord(history=record, metrics={"validation_loss": record["val_loss"][-1]})


def pet_vae() -> Recipe:
    """A convolutional VAE with a 64-d code on 32x32 cats and dogs."""
    # Tuned on: no search recorded.
    params = PetVAEParams(size=32, latent_size=64, width=32, epochs=25, batch_size=64, learning_rate=1e-3,
                          jit_compile=False)  # as Keras's "auto" chose on a CPU
    return Recipe("pet-vae", _build_pet_vae, _train_pet_vae, params, seed=0, data=data.cats_dogs_fingerprint(32),
                  work=_epochs_work(_PET_MIRRORED, _PET_VALIDATION))


def _build_pet_dcgan(params: PetDCGANParams):
    return convolutional_gan.build_pet_dcgan(params.size, params.noise_size, params.width,
                                             compute_dtype=params.compute_dtype)


def _train_pet_dcgan(model, params: PetDCGANParams, seed: int) -> TrainingRecord:
    """The GAN recipe's Adam settings on the training images and their mirror images."""
    pet_data = data.load_cats_dogs(params.size)
    return TrainingRecord(history=_fit_gan(model, data.with_mirror_images(data.pet_pixels(pet_data.train.x)), params))


def pet_dcgan() -> Recipe:
    """A DCGAN on 32x32 cats and dogs (both classes together, no labels)."""
    # Tuned on: no search recorded (the DCGAN paper's learning rate).
    params = PetDCGANParams(size=32, noise_size=100, width=16, epochs=30, batch_size=64, learning_rate=2e-4,
                            jit_compile=False, steps_per_execution=1, snapshot_count=SNAPSHOT_COUNT,
                            compute_dtype=GAN_COMPUTE_DTYPE)
    return Recipe("pet-dcgan", _build_pet_dcgan, _train_pet_dcgan, params, seed=0,
                  data=data.cats_dogs_fingerprint(32),
                  work=_gan_work(_PET_MIRRORED))
