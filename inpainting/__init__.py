"""Semantic image completion (Yeh et al., CVPR 2017) on exported SavedModels.

Works only on the SavedModels that `export` writes; never imports `models`
or `training`. The TensorFlow parts (losses, search, blending, metrics) are
pure functions of tensors so the completer SavedModel can embed them.
"""
