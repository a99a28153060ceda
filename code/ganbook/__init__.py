"""ganbook: the code behind the book *Generative Adversarial Networks - from feed-forward nets to GANs*.

Module map (arrows: every ganbook module each one imports, anywhere in it; none: it imports none;
tests/test_module_map.py checks both, and that no import circle closes; nothing imports the
chapters or tests, and only chapters, the commands ``bench``, ``pretrain``, ``publish`` and
``rebuild``, and tests import ``zoo``):

- ``settings``  where data and caches live; quiet TensorFlow start-up (imported first).
- ``atomic``    write-then-rename for files and folders; a file's SHA-256.
- ``data/``     real data sets as numpy arrays: ``mnist``, ``cats_dogs`` (and the pet models' pixels),
                the shared ``download`` (SHA-256 checks, pooch, safe unzip), ``split``  -> settings, atomic
- ``models/``   one family per module, whatever the data: ``classifier`` (the MNIST networks and both
                convolutional judges), ``memorizer``, ``autoencoder``, ``vae`` (with the convolutional
                VAE for cats and dogs), ``gan`` (with both DCGANs), ``conditional_gan``
                (the class-conditional DCGAN: a GAN on labelled digits), ``ring_gan``,
                ``wgan`` (Wasserstein GANs with the gradient penalty, on the ring and on codes); and
                ``noise`` (seeded Philox draws inside training steps), ``likelihoods`` (the Bernoulli and
                Gaussian log-densities, shared with ``metrics``): pure Keras
- ``toy``       the ring of eight Gaussians and its mode-coverage count: numpy only
- ``train``     every training loop and callback (classifiers, autoencoders and VAEs, GANs with their
                snapshots); ``TrainingRecord``, what training returns besides weights
- ``address``   where the book lives on the web (repository, published site), when known: stdlib only
- ``remote``    the published models: cache entries packed for a web server, fetched by key (``pooch``),
                unpacked safely                                  -> settings, address, atomic
- ``codekeys``  a ``Recipe``, its typed parameters, and its cache key: its parameters, seed, data and the code its build and
                train functions reach, found by following them (syntax trees, wherever the code
                lives)                                   -> settings, train (for an annotation)
- ``cache``     the content-keyed store of trained models (verified, never NaN; ``filelock``ed); on a
                miss it asks the published models before training
                                                     -> settings, atomic, train, codekeys, remote
- ``recipes/``  declarations only, one module per family of models (classifiers, autoencoders and
                VAEs, GANs on codes, pixel GANs, the ring and the WGANs, pets): which model, data,
                loop and parameters (one frozen dataclass of typed parameters per family:
                ``codekeys.RecipeParams``), and each one's arithmetic (``work``); ``RECIPES`` lists them;
                the GANs' precision (float32 on every machine)
                -> data, toy, models, train, metrics, latent, evaluation, cache, codekeys, flops
- ``zoo``       the registry: ``zoo.get(name)``, a trained model, from the cache or the published models
                when it can, else trained in a one-thread ``python -m ganbook.pretrain`` process (a command, not an
                import)                                     -> settings, cache, recipes, remote
- ``metrics``   IWAE bound, Parzen windows, k-means: numpy/TensorFlow     -> models.likelihoods
- ``evaluation`` a classifier judges generated images: confidence, class balance, Inception Score,
                Fréchet distance                                               -> metrics (input checks)
- ``sampling``  draw flat images in [0, 1] from each generator family (given trained models)
- ``latent``    a VAE's codes: active units, per-dimension KL, the aggregate posterior against the
                prior, a Gaussian mixture fitted to the codes, a classifier two-sample test: numpy and
                scikit-learn                                             -> data, metrics (input checks)
- ``semisupervised`` classification with 10 labels per class: the seeded labelled subset, an SVM and
                k-NN on features, tuned by leave-one-out (scikit-learn)   -> metrics (input checks)
- ``density``   GAN theory checks by quadrature; a generator's Jacobian density; inverting G
- ``nondigits`` controls shaped like MNIST digits: noise, inverted digits, letters drawn by code (Pillow)
- ``dynamics``  the Dirac-GAN's gradient dynamics, under the GAN and the Wasserstein loss, for four
                ways of playing the game: numpy only
- ``divergences`` f-divergences and their variational bound, the non-saturating loss's gradient,
                Gaussian fits by divergences (the non-saturating one too), power iteration for the spectral
                norm, Wasserstein-1 (closed form, exact matching): numpy/scipy
- ``backprop``  the chain rule by hand, against automatic differentiation
- ``plotting``, ``tables``, ``diagrams``  figures and tables; no training
- ``results``   headline numbers for the reproducibility appendix             -> settings, atomic
- ``machine``   what a build ran on: commit, machine (and whether it has bfloat16 instructions) and
                software; chapters in ``_toc.yml`` order (and any names in a declared order); the cells'
                recorded times (for the reading-group plan): stdlib only                                        -> atomic
- ``flops``     counting training arithmetic from layer shapes (``Work``); the matmul peak: Keras and
                TensorFlow only
- ``bench``     ``python -m ganbook.bench``: training speed against the peak, per recipe and per build
                -> settings, data, toy, models, train, flops, cache, codekeys, recipes, zoo
- ``pretrain``  ``python -m ganbook.pretrain``: train the recipes in parallel one-thread processes, in
                the order the chapters need them                     -> settings, machine, cache, zoo
- ``publish``   ``python -m ganbook.publish FOLDER``: the cache's current entries, packed for the
                published site, with the build's executed chapters   -> cache, machine, rebuild, remote, zoo
- ``rebuild``   ``python -m ganbook.rebuild``: which chapters a build executes (each chapter's key:
                the package code its cells reach and the models it names), and the published
                executions it takes instead -> codekeys, machine, remote, results, settings, zoo, atomic
- ``spread``    ``python -m ganbook.spread``: the glued and headline numbers of builds with different
                seeds (``GANBOOK_SEED``), collected and summarised (mean, s.d., range), and the
                appendix's rows of them                              -> settings, atomic, results

Importing ``ganbook`` sets ``TF_CPP_MIN_LOG_LEVEL`` and ``TF_ENABLE_ONEDNN_OPTS`` (oneDNN on:
measured faster), so that TensorFlow, when a submodule imports it, starts without its start-up
log lines (``settings.quiet_tensorflow``), and gives NumPy's, SciPy's and scikit-learn's thread
pools one thread each (``settings.one_numerics_thread``: measured faster on two cores, where the
build runs several processes).
"""

from ganbook import settings as _settings

_settings.quiet_tensorflow()
_settings.one_numerics_thread()

__version__ = "0.1.0"
