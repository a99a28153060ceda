"""Every recipe the zoo serves: its key computes, its model builds, and its key covers what it uses."""

from __future__ import annotations

import inspect
import json
import sys
import types

import numpy as np
import pytest

from ganbook import cache, recipes, zoo

NAMES = zoo.names()
# Modules whose code does not change a trained model: where files live, how they are written,
# downloads (what they deliver is pinned by the recipe's data fingerprint), and the cache itself.
NOT_MODEL_CODE = ("ganbook.settings", "ganbook.atomic", "ganbook.cache", "ganbook.data.download")
# A container for what training returns: it holds results, it does not make them.
NOT_MODEL_NAMES = {"ganbook.train:TrainingRecord"}


def _is_constant(value) -> bool:
    return isinstance(value, (bool, int, float, str, tuple, frozenset))


def _used_by(function) -> tuple[list, list]:
    """The ganbook functions/classes and module constants that ``function`` names, directly or via a module."""
    found = inspect.getclosurevars(function)
    named = dict(found.globals)
    for value in found.globals.values():
        if isinstance(value, types.ModuleType):  # module.attribute: attribute names are "unbound"
            named |= {f"{value.__name__}.{n}": getattr(value, n) for n in found.unbound if hasattr(value, n)}
    functions, constants = [], []
    for name, value in named.items():
        module = getattr(value, "__module__", None) or ""
        if inspect.isfunction(value) or inspect.isclass(value):
            if module.startswith("ganbook") and not module.startswith(NOT_MODEL_CODE):
                functions.append(value)
        else:
            owner, _, short = name.rpartition(".")  # "module.CONSTANT", or a global of the function's module
            owner = owner or function.__module__
            if (_is_constant(value) and short.isupper() and owner.startswith("ganbook")
                    and not owner.startswith(NOT_MODEL_CODE)):
                constants.append((owner, short))
    return functions, constants


def _reachable(recipe) -> tuple[set, set]:
    """Everything the recipe's build and train functions use, following ganbook functions and the
    methods of ganbook classes."""
    todo, functions, constants = [recipe.build, recipe.train], set(), set()
    while todo:
        function = todo.pop()
        if function in functions or not inspect.isfunction(function):
            continue
        if inspect.signature(function).return_annotation in ("Recipe", cache.Recipe):
            continue  # another recipe (the latent GAN's autoencoder) is keyed by its own key, as data
        functions.add(function)
        more, found = _used_by(function)
        todo += more
        constants |= set(found)
        for cls in (f for f in more if inspect.isclass(f) and f not in functions):
            functions.add(cls)
            todo += _methods(cls)  # what a model's train_step calls counts as much as its builder
    return functions, constants


def _methods(cls) -> list:
    """The functions defined in a ganbook class's body (methods, properties' getters); not those the
    standard library attaches (Python 3.13's dataclasses set ``__replace__`` to ``dataclasses._replace``)."""
    found = []
    for value in vars(cls).values():
        value = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
        if inspect.isfunction(value) and value.__module__ not in sys.stdlib_module_names:
            found.append(value)
    return found


def _covered(dependencies: list[str], module: str, name: str) -> bool:
    """Hashed as the whole module, as itself, or (a method) as part of its class."""
    return module in dependencies or f"{module}:{name}" in dependencies \
        or f"{module}:{name.split('.')[0]}" in dependencies


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
    for parameter, value in recipe.params.items():
        changed = not value if isinstance(value, bool) else (
            value + 1 if isinstance(value, (int, float)) else [*value, 1] if isinstance(value, list)
            else f"{value}-changed")
        assert cache.cache_key(recipe.with_params(**{parameter: changed})) != key, parameter
    assert cache.cache_key(recipe.with_params(seed=recipe.seed + 1)) != key


@pytest.mark.parametrize("name", NAMES)
def test_the_key_covers_every_function_and_constant_training_uses(name):
    recipe = zoo.recipe(name)
    dependencies = cache.code_dependencies(recipe)
    functions, constants = _reachable(recipe)
    missing = [f"{f.__module__}:{f.__qualname__}" for f in functions
               if not _covered(dependencies, f.__module__, f.__qualname__)
               and f"{f.__module__}:{f.__qualname__.split('.')[0]}" not in NOT_MODEL_NAMES]
    missing += [f"{module}:{constant}" for module, constant in constants
                if not _covered(dependencies, module, constant)]
    assert not missing, f"{name}: its cache key does not hash {missing}; add them to the recipe's code"


def test_changing_a_constant_the_key_names_changes_the_key(monkeypatch):
    recipe = zoo.recipe("vae-20")
    key = cache.cache_key(recipe)
    assert "ganbook.recipes:IWAE_SUBSET_SEED" in recipe.code
    monkeypatch.setattr(recipes, "IWAE_SUBSET_SEED", recipes.IWAE_SUBSET_SEED + 1)
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
    assert zoo.recipe(name).params["jit_compile"] in (True, False)


def test_the_gan_on_vae_codes_is_the_latent_gan_recipe_but_for_its_codes():
    """The matched experiment's GAN differs from the talk's latent GAN only where the codes differ."""
    latent_params, vae_params = recipes.latent_gan().params, recipes.vae_latent_gan().params
    differing = {key for key in latent_params.keys() | vae_params.keys()
                 if latent_params.get(key, "relu") != vae_params.get(key, "relu")}
    assert differing == {"code_size", "output_activation"}
    assert vae_params["code_size"] == recipes.vae_20().params["latent_size"]


def test_the_gan_on_vae_codes_can_output_negative_codes():
    recipe = recipes.vae_latent_gan()
    model = recipe.build(recipe.params)
    assert model.generator.get_layer("generator_body").layers[-1].activation.__name__ == "linear"
    talk = recipes.latent_gan()
    assert talk.build(talk.params).generator.get_layer("generator_body").layers[-1].activation.__name__ == "relu"


def test_the_50d_vae_differs_from_the_20d_vae_only_in_its_code_and_evaluation_subset():
    twenty, fifty = recipes.vae_20().params, recipes.vae_50().params
    assert {key for key in twenty if twenty[key] != fifty[key]} == {"latent_size", "iwae_images"}


@pytest.mark.parametrize("native, variable, expected", [
    (True, None, "bfloat16"), (True, "1", "bfloat16"), (True, "0", "float32"),
    (False, None, "float32"), (False, "1", "float32")])
def test_the_convolutional_gans_compute_in_bfloat16_only_where_the_cpu_has_it_and_it_is_allowed(
        monkeypatch, native, variable, expected):
    monkeypatch.setattr(recipes.machine, "native_bfloat16", lambda: native)
    if variable is None:
        monkeypatch.delenv("GANBOOK_BFLOAT16", raising=False)
    else:
        monkeypatch.setenv("GANBOOK_BFLOAT16", variable)
    assert recipes.gan_compute_dtype() == expected
    keys = set()
    for name in ("dcgan", "dcgan-paper", "dcgan-unnormalised"):
        recipe = zoo.recipe(name)
        assert recipe.params["compute_dtype"] == expected
        keys.add(cache.cache_key(recipe))
    assert len(keys) == 3
    for name in ("dcgan-conditional", "pet-dcgan"):  # always float32 (see their recipes)
        assert zoo.recipe(name).params["compute_dtype"] == "float32"


def test_a_models_cache_key_says_which_precision_trained_it(monkeypatch):
    keys = {}
    for native in (True, False):
        monkeypatch.setattr(recipes.machine, "native_bfloat16", lambda: native)
        keys[native] = cache.cache_key(zoo.recipe("dcgan"))
    assert keys[True] != keys[False]


def test_numpy_numbers_as_parameters_key_the_same_model_as_python_numbers():
    for steps in np.arange(50, 51):  # np.int64, as an np.arange loop hands them out
        from_numpy = zoo.recipe("softmax-regression", steps=steps, learning_rate=np.float32(0.5), seed=np.int64(3))
    plain = zoo.recipe("softmax-regression", steps=50, learning_rate=0.5, seed=3)
    assert cache.cache_key(from_numpy) == cache.cache_key(plain)
    assert type(from_numpy.params["steps"]) is int and type(from_numpy.seed) is int
    assert json.dumps({"steps": from_numpy.params["steps"]}) == '{"steps": 50}', "what a trainer process is sent"
    nested = cache.plain_value({"hidden": (np.int32(8), [np.float64(0.25)]), "grid": np.array([1, 2])})
    assert nested == {"hidden": (8, [0.25]), "grid": [1, 2]} and type(nested["hidden"][0]) is int
