"""Scores our completion against the classical baselines on the same holes."""

from typing import Dict

import numpy as np

from inpainting import baselines, complete

METHODS = ("ours",) + tuple(baselines.BASELINES)


def compare_methods(completer: complete.Completer, images, masks):
  """Fills `images` under `masks` with every method and scores the holes.

  Returns:
    (scores, outputs): scores = {method: {"psnr": mean hole PSNR (dB),
    "ssim": mean hole SSIM}}; outputs = {method: [B, H, W, C] filled images,
    plus "generated": G(z*)}.
  """
  ours = completer(images, masks)
  outputs = {"ours": ours.blended, "generated": ours.generated}
  for name in baselines.BASELINES:
    outputs[name] = baselines.run_baseline(name, images, masks)
  scores: Dict[str, Dict[str, float]] = {}
  for name in METHODS:
    per_image = complete.evaluate(images, outputs[name], masks)
    scores[name] = {"psnr": float(np.mean(per_image["hole_psnr"])),
                    "ssim": float(np.mean(per_image["hole_ssim"]))}
  return scores, outputs
