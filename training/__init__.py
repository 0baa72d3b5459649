"""DCGAN training: input pipeline, GAN step and loop, checkpoints, summaries.

`training.config` and `training.data_sources` are importable without
TensorFlow; the rest imports it.
"""
