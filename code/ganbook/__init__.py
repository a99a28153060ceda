"""ganbook: the code behind the book *Generative Adversarial Networks - from feed-forward nets to GANs*.

Module map (arrows: "imports"):

- ``settings``  where data and caches live; quiet TensorFlow start-up (imported first).
- ``data``      real data loaders (MNIST, cats vs dogs): numpy in, numpy out  -> settings
- ``cache``     the content-keyed store of trained models                     -> settings
- ``zoo``       named recipes -> trained models through the cache              -> cache, data, models
- ``plotting``  image grids and curves, matplotlib only

Importing ``ganbook`` sets ``TF_CPP_MIN_LOG_LEVEL`` and ``TF_ENABLE_ONEDNN_OPTS`` so that
TensorFlow, when a submodule imports it, starts without C++ log noise.
"""

from ganbook import settings as _settings

_settings.quiet_tensorflow()

__version__ = "0.1.0"
