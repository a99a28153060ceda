"""ganbook.bench: it times the models the recipes declare, with the recipes' own settings, and its command runs."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import bench, zoo

BENCHED = bench.STEP_RECIPES + bench.FIT_RECIPES


def _weight_shapes(model):
    return [tuple(weight.shape) for weight in model.weights]


def test_every_benchmarked_recipe_is_registered():
    assert set(BENCHED) <= set(zoo.names())
    assert set(bench.GAN_RECIPES) <= set(bench.FIT_RECIPES)
    assert set(bench.CLASSIFIER_XLA) == set(bench.STEP_RECIPES)


@pytest.mark.parametrize("name", BENCHED)
def test_the_benchmarked_model_is_the_recipes_model_built_from_its_parameters(name):
    build, params = bench.recipe_model(name)
    recipe = zoo.recipe(name)
    assert dict(params) == dict(recipe.params)
    assert _weight_shapes(build()) == _weight_shapes(recipe.build(recipe.params))


def test_changing_a_recipes_parameters_changes_the_benchmarked_model_and_batch(monkeypatch):
    declared = zoo.recipe
    overrides = {"code_size": 7, "batch_size": 64}
    monkeypatch.setattr(zoo, "recipe", lambda name, **kw: declared(name, **overrides, **kw))
    build, params = bench.recipe_model("autoencoder")
    assert build().encoder(np.zeros((1, 784), np.float32)).shape == (1, 7)
    assert bench.fit_setting(params)["batch_size"] == 64


@pytest.mark.parametrize("name", bench.FIT_RECIPES)
def test_fit_settings_and_optimizers_are_the_recipes(name):
    _, params = bench.recipe_model(name)
    setting = bench.fit_setting(params)
    assert setting["batch_size"] == params["batch_size"]
    assert setting["jit_compile"] == params.get("jit_compile", "auto")
    assert setting["steps_per_execution"] == params.get("steps_per_execution", 1)
    make = bench.compile_arguments(name, params)
    arguments = make()
    optimizers = [value for key, value in arguments.items() if key.endswith("optimizer")]
    assert len(optimizers) == (2 if name in bench.GAN_RECIPES else 1)
    for optimizer in optimizers:
        assert float(optimizer.learning_rate) == pytest.approx(params["learning_rate"])
        assert optimizer.beta_1 == (0.5 if name in bench.GAN_RECIPES else 0.9)
    assert make()[next(iter(arguments))] is not optimizers[0], "each compile needs fresh optimizers"


def test_training_inputs_have_the_shape_each_recipe_trains_on():
    _, latent = bench.recipe_model("latent-gan")
    codes, labels = bench.training_inputs("latent-gan", latent, 12)
    assert codes.shape == (12, latent["code_size"]) and codes.min() >= 0 and labels is None
    assert bench.training_inputs("ring-gan", {}, 12)[0].shape == (12, 2)
    _, pets = bench.recipe_model("pet-classifier")
    pixels, labels = bench.training_inputs("pet-classifier", pets, 12)
    assert pixels.shape == (12, pets["size"], pets["size"], 3) and 0 <= pixels.min() and pixels.max() <= 1
    assert sorted(set(labels)) == [0, 1]
    flat = np.zeros((20, 784), np.float32)
    assert bench.training_inputs("vae-20", {}, 12, flat)[0].shape == (12, 784)
    with pytest.raises(ValueError, match="vae-20 trains on MNIST: pass at least 30"):
        bench.training_inputs("vae-20", {}, 30, flat)


def test_a_tiny_fit_measurement_reports_the_recipes_setting_and_dense_flops(monkeypatch):
    declared = zoo.recipe
    monkeypatch.setattr(zoo, "recipe", lambda name, **kw: declared(name, code_size=8, batch_size=32, **kw))
    build, params = bench.recipe_model("autoencoder")
    x = np.random.default_rng(0).random((64, 784), dtype=np.float32)
    row = bench.bench_fit_model("autoencoder", build, params, x, bench.compile_arguments("autoencoder", params))
    assert row["recipe"] == "autoencoder" and row["examples"] == 64
    assert row["ours_s"] > 0 and row["plain_s"] > 0
    assert params["jit_compile"] is True and row["setting"] == "fit, XLA"  # the recipe trains with XLA
    assert row["flops_per_example"] == 6.0 * 2 * 784 * 8  # two dense kernels of 784 x 8


def test_the_command_explains_its_options(capsys):
    with pytest.raises(SystemExit) as exit:
        bench.main(["--help"])
    assert exit.value.code == 0
    shown = capsys.readouterr().out
    assert "--steps" in shown and "--out" in shown and "recipe's own parameters" in shown
