"""Scores our completion against the classical baselines on the same holes."""

import dataclasses
from typing import Dict

import numpy as np

from inpainting import baselines, complete

METHODS = ("ours",) + tuple(baselines.BASELINES)


def compare_methods(completer: complete.Completer, images, masks):
  """Fills `images` under `masks` with every method and scores the holes.

  Returns:
    (scores, outputs): scores = {method: {"psnr": mean hole PSNR (dB),
    "ssim": mean hole SSIM}}; outputs = {method: [B, H, W, C] filled images,
    plus "generated": G(z*) and "uncertainty": the restarts' spread}.
  """
  ours = completer(images, masks)
  outputs = {
    "ours": ours.blended,
    "generated": ours.generated,
    "uncertainty": ours.uncertainty,
  }
  for name in baselines.BASELINES:
    outputs[name] = baselines.run_baseline(name, images, masks)
  scores: Dict[str, Dict[str, float]] = {}
  for name in METHODS:
    per_image = complete.evaluate(images, outputs[name], masks)
    scores[name] = {
      "psnr": float(np.mean(per_image["hole_psnr"])),
      "ssim": float(np.mean(per_image["hole_ssim"])),
    }
  return scores, outputs


class StartComparison:
  """The search from the encoder's start against the pool start alone.

  Both run `config` on the same images, masks and seed, the image alone
  (one test-time view: the views average searches from both starts alike,
  and would multiply the comparison's time); the pool start is the same
  export with its encoder left out (what exports without one do). Built
  once and called per mask: each Completer traces its graph once.
  """

  def __init__(self, gan, config):
    self.completers = {}
    if gan.encode is None:
      return
    config = dataclasses.replace(config, views=1)
    for name, encode in (("encoder start", gan.encode), ("pool start", None)):
      variant = dataclasses.replace(gan, encode=encode)
      self.completers[name] = (
        complete.Completer(variant, dataclasses.replace(config, steps=0)),
        complete.Completer(variant, config),
      )

  def __call__(self, images, masks):
    """{"encoder start" | "pool start": {"start_loss": mean loss of the
    starting points (0 steps), "loss": mean loss after the search, "psnr":
    mean hole PSNR of the blended completion}}; {} when the export has no
    encoder."""
    rows = {}
    for name, (start, search) in self.completers.items():
      searched = search(images, masks)
      per_image = complete.evaluate(images, searched.blended, masks)
      rows[name] = {
        "start_loss": float(np.mean(start(images, masks).loss)),
        "loss": float(np.mean(searched.loss)),
        "psnr": float(np.mean(per_image["hole_psnr"])),
      }
    return rows
