"""Every recipe the zoo serves: its key computes, its model builds, and its key covers what it uses."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from ganbook import cache, codekeys, machine, recipes, zoo
from ganbook.recipes import autoencoders

NAMES = zoo.names()


@pytest.mark.parametrize("name", NAMES)
def test_every_recipe_key_computes_and_its_model_builds(name):
    recipe = zoo.recipe(name)
    assert recipe.name == name
    assert len(cache.cache_key(recipe)) == 24
    model = recipe.build(recipe.params)
    assert model.count_params() > 0


@pytest.mark.parametrize("name", NAMES)
def test_changing_any_parameter_changes_the_key(name):
    recipe = zoo.recipe(name)
    key = cache.cache_key(recipe)
    for parameter, value in dataclasses.asdict(recipe.params).items():
        changed = not value if isinstance(value, bool) else (
            value + 1 if isinstance(value, (int, float)) else (*value, 1) if isinstance(value, tuple)
            else (1,) if value is None and parameter.endswith("_epochs") else f"{value}-changed")
        assert cache.cache_key(recipe.with_params(**{parameter: changed})) != key, parameter
    assert cache.cache_key(recipe.with_params(seed=recipe.seed + 1)) != key


def _reached_names(name: str) -> set[str]:
    recipe = zoo.recipe(name)
    definitions, values = codekeys.reachable(recipe.build, recipe.train)
    return {f"{d.__module__}:{d.__qualname__}" for d in definitions} | set(values)


def test_the_dcgans_key_reaches_its_training_step_noise_judge_and_data_code():
    """What the hand-typed lists named for the DCGAN, found now by following the code."""
    reached = _reached_names("dcgan")
    for expected in ("ganbook.models.gan:GAN.train_step", "ganbook.models.convolutional_gan:build_dcgan",
                     "ganbook.models.noise:normal", "ganbook.train:fit_gan", "ganbook.train:ScoredEpochs",
                     "ganbook.recipes.pixel_gans:judge_scorer", "ganbook.evaluation:precision_recall",
                     "ganbook.data.mnist:load_mnist", "ganbook.recipes.pixel_gans:JUDGED_SAMPLES", "ganbook.models.gan:compute_precision"):
        assert expected in reached, expected
    assert not any(name.startswith(codekeys.NOT_MODEL_CODE) for name in reached)


def test_the_vaes_key_reaches_its_bound_and_the_subset_seed():
    reached = _reached_names("vae-20")
    for expected in ("ganbook.models.vae:VAE.train_step", "ganbook.models.vae:Sampling",
                     "ganbook.metrics:importance_weighted_bound", "ganbook.models.likelihoods:bernoulli_log_likelihood",
                     "ganbook.recipes.autoencoders:iwae_subset", "ganbook.recipes.autoencoders:IWAE_SUBSET_SEED"):
        assert expected in reached, expected


def test_a_recipe_trained_on_another_keys_it_through_its_data_not_its_code():
    reached = _reached_names("latent-gan")
    assert "ganbook.recipes.autoencoders:autoencoder_recipe" not in reached
    assert cache.cache_key(zoo.recipe("autoencoder")) in zoo.recipe("latent-gan").data


def test_changing_a_constant_the_training_reads_changes_the_key(monkeypatch):
    recipe = zoo.recipe("vae-20")
    key = cache.cache_key(recipe)
    monkeypatch.setattr(autoencoders, "IWAE_SUBSET_SEED", autoencoders.IWAE_SUBSET_SEED + 1)
    assert cache.cache_key(recipe) != key


def test_every_listed_recipe_is_named_as_listed():
    for name, factory in recipes.RECIPES.items():
        assert factory().name == name


def test_an_unknown_recipe_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="known recipes: .*vae-20"):
        zoo.recipe("no-such-model")


@pytest.mark.parametrize("name", NAMES)
def test_every_recipe_names_its_xla_setting(name):
    """Keras's "auto" chooses XLA by device; a named setting trains the same program everywhere."""
    assert zoo.recipe(name).params.jit_compile in (True, False)


def test_the_gan_on_vae_codes_is_the_latent_gan_recipe_but_for_its_codes():
    """The matched experiment's GAN differs from the talk's latent GAN only where the codes differ."""
    latent_params, vae_params = recipes.latent_gan().params, recipes.vae_latent_gan().params
    assert type(latent_params) is type(vae_params)
    latent_fields, vae_fields = dataclasses.asdict(latent_params), dataclasses.asdict(vae_params)
    differing = {key for key in latent_fields if latent_fields[key] != vae_fields[key]}
    assert differing == {"code_size", "output_activation"}
    assert vae_params.code_size == recipes.vae_20().params.latent_size


def test_the_gan_on_vae_codes_can_output_negative_codes():
    recipe = recipes.vae_latent_gan()
    model = recipe.build(recipe.params)
    assert model.generator.get_layer("generator_body").layers[-1].activation.__name__ == "linear"
    talk = recipes.latent_gan()
    assert talk.build(talk.params).generator.get_layer("generator_body").layers[-1].activation.__name__ == "relu"


def test_the_50d_vae_differs_from_the_20d_vae_only_in_its_code_and_evaluation_subset():
    twenty, fifty = (dataclasses.asdict(recipe().params) for recipe in (recipes.vae_20, recipes.vae_50))
    assert {key for key in twenty if twenty[key] != fifty[key]} == {"latent_size", "iwae_images"}


def test_every_gan_recipe_computes_in_float32():
    gans = [name for name in zoo.names() if hasattr(zoo.recipe(name).params, "compute_dtype")]
    assert {"dcgan", "dcgan-conditional", "latent-gan", "latent-wgan-gp", "pet-dcgan"} <= set(gans)
    assert {zoo.recipe(name).params.compute_dtype for name in gans} == {"float32"}


def test_no_cache_key_depends_on_whether_the_cpu_computes_in_bfloat16(monkeypatch):
    keys = {}
    for native in (True, False):
        monkeypatch.setattr(machine, "native_bfloat16", lambda cpuinfo=None: native)
        keys[native] = {name: cache.cache_key(zoo.recipe(name)) for name in zoo.names()}
    assert keys[True] == keys[False]


def test_the_book_seed_changes_every_key_and_seed_0_is_the_recipes_own(monkeypatch):
    monkeypatch.delenv("GANBOOK_SEED", raising=False)
    unset = {name: cache.cache_key(zoo.recipe(name)) for name in zoo.names()}
    monkeypatch.setenv("GANBOOK_SEED", "0")
    assert {name: cache.cache_key(zoo.recipe(name)) for name in zoo.names()} == unset
    monkeypatch.setenv("GANBOOK_SEED", "1")
    other = {name: cache.cache_key(zoo.recipe(name)) for name in zoo.names()}
    assert all(other[name] != unset[name] for name in unset)


def test_numpy_numbers_as_parameters_key_the_same_model_as_python_numbers():
    for steps in np.arange(50, 51):  # np.int64, as an np.arange loop hands them out
        from_numpy = zoo.recipe("softmax-regression", steps=steps, learning_rate=np.float32(0.5), seed=np.int64(3))
    plain = zoo.recipe("softmax-regression", steps=50, learning_rate=0.5, seed=3)
    assert cache.cache_key(from_numpy) == cache.cache_key(plain)
    assert type(from_numpy.params.steps) is int and type(from_numpy.seed) is int
    assert json.dumps({"steps": from_numpy.params.steps}) == '{"steps": 50}', "what a trainer process is sent"
    nested = cache.plain_value({"hidden": (np.int32(8), [np.float64(0.25)]), "grid": np.array([1, 2])})
    assert nested == {"hidden": (8, [0.25]), "grid": [1, 2]} and type(nested["hidden"][0]) is int


def test_a_parameter_of_the_wrong_type_is_an_error_naming_the_field_and_the_type():
    with pytest.raises(TypeError, match=r"MLPParams.steps must be <class 'int'>, got '50'"):
        zoo.recipe("softmax-regression", steps="50")
    with pytest.raises(TypeError, match=r"VAEParams.hidden must be <class 'tuple'>"):
        zoo.recipe("vae-2", hidden=500)
    with pytest.raises(TypeError, match="has no parameter"):
        zoo.recipe("vae-2", hiden=(500,))


def test_an_integer_learning_rate_and_a_json_list_key_the_same_model_as_float_and_tuple():
    assert cache.cache_key(zoo.recipe("softmax-regression", learning_rate=1)) == cache.cache_key(
        zoo.recipe("softmax-regression", learning_rate=1.0))
    from_json = zoo.recipe("vae-2", hidden=[400, 400])
    assert from_json.params.hidden == (400, 400)
    assert cache.cache_key(from_json) == cache.cache_key(zoo.recipe("vae-2", hidden=(400, 400)))


def test_recipe_parameters_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        zoo.recipe("dcgan").params.epochs = 1
