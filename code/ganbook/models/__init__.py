"""Model families, one module each: pure Keras building blocks, no data loading and no caching."""
