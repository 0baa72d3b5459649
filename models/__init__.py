"""DCGAN generator and discriminator (Keras subclassed models) and their config.

No I/O and no training here. `models.config` is importable without TensorFlow.
"""
