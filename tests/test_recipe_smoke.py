"""Every recipe's build and train run end to end, in seconds: a broken ``train`` fails here, not in the build.

The recipes are the book's own, with their training cut to a few steps (``SMOKE``) and their data
replaced by small random arrays of the real shapes (MNIST's 28 x 28 grey digits, the pets' 32 x 32
colour images), so that every line of each train function runs: data preparation, the loop, the
scoring and snapshot callbacks, the final evaluation, and the models other recipes train on
(the autoencoder under the latent GAN, the judge under the DCGANs), each cut the same way. What
the models learn from noise is not checked: that they train, return a finite record and save is.
"""

from __future__ import annotations

import dataclasses

import inspect

import numpy as np
import pytest

from ganbook import cache, data, recipes
from ganbook.recipes import autoencoders, classifiers, gans_on_codes, pets, pixel_gans, ring_and_wgan
from ganbook.data.cats_dogs import CatsDogs
from ganbook.data.mnist import MNIST
from ganbook.data.split import Split

pytestmark = pytest.mark.slow

# Each recipe's parameters cut to a few steps, where it has them.
SMOKE = dict(epochs=1, steps=4, eval_every=2, iwae_k=2, iwae_images=8, iwae_chunk=4, score_epochs=[1],
             snapshot_epochs=[1], points=512, snapshot_count=16, batch_size=32, steps_per_execution=1,
             jit_compile=False)
TRAIN, VALIDATION, TEST = 512, 256, 256  # images per split
JUDGED_SAMPLES = 64
FAMILIES = (classifiers, autoencoders, gans_on_codes, pixel_gans, ring_and_wgan, pets)


def smoked(recipe: cache.Recipe) -> cache.Recipe:
    return recipe.with_params(**{name: value for name, value in SMOKE.items() if hasattr(recipe.params, name)})


def _split(count: int, shape: tuple[int, ...], rng, dtype=np.float32) -> Split:
    x = rng.random((count, *shape), dtype=np.float32)
    x = (x * 255).astype(np.uint8) if dtype == np.uint8 else x
    return Split(x, (np.arange(count) % 10).astype(np.uint8))


def _fake_mnist(validation: bool = False) -> MNIST:
    rng = np.random.default_rng(0)
    if validation:
        return MNIST(train=_split(TRAIN, (28, 28), rng), test=_split(TEST, (28, 28), rng),
                     validation=_split(VALIDATION, (28, 28), rng))
    return MNIST(train=_split(TRAIN + VALIDATION, (28, 28), rng), test=_split(TEST, (28, 28), rng))


def _fake_cats_dogs(size: int = 32) -> CatsDogs:
    rng = np.random.default_rng(1)
    train, validation = (_split(n, (size, size, 3), rng, np.uint8) for n in (TRAIN, VALIDATION))
    return CatsDogs(train=Split(train.x, train.y % 2), validation=Split(validation.x, validation.y % 2), size=size)


def _fake_binarized_test_images() -> np.ndarray:
    return (np.random.default_rng(2).random((TEST, 784)) < 0.5).astype(np.float32)


@pytest.fixture
def small_world(monkeypatch):
    """Small random data, and every recipe the train functions ask for (by calling its factory) cut short."""
    monkeypatch.setattr(data, "load_mnist", _fake_mnist)
    monkeypatch.setattr(data.mnist, "load_mnist", _fake_mnist)
    monkeypatch.setattr(data, "binarized_test_images", _fake_binarized_test_images)
    monkeypatch.setattr(data, "load_cats_dogs", _fake_cats_dogs)
    monkeypatch.setattr(pixel_gans, "JUDGED_SAMPLES", JUDGED_SAMPLES)
    for family in FAMILIES:
        for name, factory in list(vars(family).items()):
            if inspect.isfunction(factory) and not inspect.signature(factory).parameters \
                    and inspect.signature(factory).return_annotation in ("Recipe", cache.Recipe):
                monkeypatch.setattr(family, name, lambda factory=factory: smoked(factory()))


@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_every_recipe_trains_a_few_steps_and_records_finite_numbers(name, small_world):
    recipe = smoked(recipes.RECIPES[name]())
    trained = cache.load_or_train(recipe)
    assert not trained.loaded and trained.model.count_params() > 0
    assert trained.record.history, f"{name}: no training history"
    numbers = [v for values in trained.record.history.values() for v in np.ravel(values)
               if isinstance(v, (int, float, np.number))]
    numbers += [v for v in trained.record.metrics.values() if isinstance(v, (int, float, np.number))]
    assert numbers and np.all(np.isfinite(numbers)), f"{name}: non-finite numbers in its record"
    assert cache.load_or_train(recipe).loaded, f"{name}: the trained model was not stored"


def test_the_smoke_settings_name_only_parameters_some_recipe_has():
    known = {item.name for factory in recipes.RECIPES.values() for item in dataclasses.fields(factory().params)}
    assert set(SMOKE) <= known, set(SMOKE) - known
