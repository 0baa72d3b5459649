"""The completion as one graph: latent search, then paste and Poisson blend.

Pure TensorFlow (no NumPy, matplotlib or file I/O), so the served completer
(export/completer.py) can embed it without pulling `inpainting.complete`'s
figures and files into every export, and `dcgan-complete` runs the very same
function.
"""

from inpainting import blending
from inpainting.search import LatentSearch


def search_and_blend(
  search: LatentSearch,
  images,
  masks,
  steps=None,
  restarts=None,
  seed=None,
  image_keys=None,
):
  """The completion as tensors: the search, then paste and Poisson blend.

  The one implementation that `inpainting.complete.Completer` and the served
  completer both run.

  Args:
    search: The LatentSearch over the generator and discriminator.
    images: float32 [N, S, S, C] in [-1, 1].
    masks: float32 [N, S, S, 1], 1 = known.
    steps, restarts, seed: Override the search config's (tensors allowed).
    image_keys: int64 [N]: each image's random draws come from (seed, its
      key); None: 0, 1, ..., N - 1 (`LatentSearch.__call__`).

  Returns:
    The search's outputs plus "completed" (G(z*) pasted into the hole) and
    "blended" (G(z*) Poisson-blended into the hole).
  """
  found = search(
    images,
    masks,
    steps=steps,
    restarts=restarts,
    seed=seed,
    image_keys=image_keys,
  )
  found["completed"] = blending.paste(images, found["generated"], masks)
  found["blended"] = blending.poisson_blend(images, found["generated"], masks)
  return found
