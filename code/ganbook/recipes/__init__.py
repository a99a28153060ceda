"""The book's model recipes: which model, which data, which training loop, which parameters.

Declarations only: training loops live in ``ganbook.train``, models in ``ganbook.models``,
data in ``ganbook.data``. One module per family of models:

- ``classifiers``    the MNIST classifiers and the convolutional judge
- ``autoencoders``   the autoencoder and the VAEs
- ``gans_on_codes``  GANs on the autoencoder's and the VAE's codes
- ``pixel_gans``     the DCGAN (scored by the judge as it trains), its ablation runs, the conditional DCGAN
- ``ring_and_wgan``  the ring of eight Gaussians, and the WGAN-GP on codes
- ``pets``           cats and dogs: the classifier, the convolutional VAE, the DCGAN
- ``common``         what several families share: the GANs' precision, a GAN fit, an epoch's work

``RECIPES`` names them; ``ganbook.zoo`` serves them by name. Each recipe's hyper-parameters are
its ``params``; chapters print them, and ``zoo.get(name, **overrides)`` trains a variant (for
example more steps) as its own cache entry. A recipe's cache key hashes the code its build and
train functions reach (``ganbook.codekeys``), wherever in this package that code lives.
"""

from __future__ import annotations

from collections.abc import Callable

from ganbook.cache import Recipe
from ganbook.recipes.autoencoders import IWAE_SUBSET_SEED, autoencoder_recipe, vae_2, vae_20, vae_50
from ganbook.recipes.classifiers import cnn_judge, mlp_ce, mlp_talk, softmax_regression
from ganbook.recipes.common import GAN_COMPUTE_DTYPE
from ganbook.recipes.gans_on_codes import latent_gan, vae_latent_gan
from ganbook.recipes.pets import pet_classifier, pet_dcgan, pet_vae
from ganbook.recipes.pixel_gans import (JUDGED_SAMPLES, JUDGED_SEED, dcgan, dcgan_conditional, dcgan_paper,
                                        dcgan_unnormalised, judge_scorer)
from ganbook.recipes.ring_and_wgan import latent_wgan_gp, ring_gan_plain, ring_gan_r1, ring_wgan_gp

__all__ = ["RECIPES", "IWAE_SUBSET_SEED", "JUDGED_SAMPLES", "JUDGED_SEED", "GAN_COMPUTE_DTYPE", "judge_scorer",
           "autoencoder_recipe", "cnn_judge", "dcgan", "dcgan_conditional", "dcgan_paper", "dcgan_unnormalised",
           "latent_gan", "latent_wgan_gp", "mlp_ce", "mlp_talk", "pet_classifier", "pet_dcgan", "pet_vae",
           "ring_gan_plain", "ring_gan_r1", "ring_wgan_gp", "softmax_regression", "vae_2", "vae_20", "vae_50",
           "vae_latent_gan"]

RECIPES: dict[str, Callable[[], Recipe]] = {
    "mlp-talk": mlp_talk,
    "mlp-ce": mlp_ce,
    "softmax-regression": softmax_regression,
    "cnn-judge": cnn_judge,
    "autoencoder": autoencoder_recipe,
    "vae-2": vae_2,
    "vae-20": vae_20,
    "vae-50": vae_50,
    "vae-latent-gan": vae_latent_gan,
    "latent-gan": latent_gan,
    "dcgan": dcgan,
    "dcgan-unnormalised": dcgan_unnormalised,
    "dcgan-paper": dcgan_paper,
    "dcgan-conditional": dcgan_conditional,
    "ring-gan": ring_gan_plain,
    "ring-gan-r1": ring_gan_r1,
    "ring-wgan-gp": ring_wgan_gp,
    "latent-wgan-gp": latent_wgan_gp,
    "pet-classifier": pet_classifier,
    "pet-vae": pet_vae,
    "pet-dcgan": pet_dcgan,
}
