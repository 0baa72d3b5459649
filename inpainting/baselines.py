"""Classical inpainting to compare against: OpenCV Telea and Navier-Stokes,
scikit-image biharmonic. NumPy in, NumPy out, one image at a time.
"""

from typing import Callable, Dict

import cv2
import numpy as np
from skimage.restoration import inpaint_biharmonic

from common import pixels

# OpenCV's documented example radius: the neighbourhood each method samples.
OPENCV_RADIUS = 3


def _opencv(flag) -> Callable:
  def inpaint(image, mask):
    values = pixels.to_uint8(image).numpy()
    hole = ((mask[..., 0] < 0.5) * 255).astype(np.uint8)  # nonzero = fill
    filled = cv2.inpaint(values, hole, OPENCV_RADIUS, flag)
    filled = filled.reshape(values.shape)  # cv2 drops a channel axis of 1
    return filled.astype(np.float32) / 127.5 - 1.0

  return inpaint


def biharmonic(image, mask):
  hole = mask[..., 0] < 0.5
  return inpaint_biharmonic(image, hole, channel_axis=-1).astype(np.float32)


BASELINES: Dict[str, Callable] = {
  "telea": _opencv(cv2.INPAINT_TELEA),
  "ns": _opencv(cv2.INPAINT_NS),
  "biharmonic": biharmonic,
}


def run_baseline(name: str, images, masks) -> np.ndarray:
  """Completes a batch [B, H, W, C] in [-1, 1] with one classical method."""
  inpaint = BASELINES[name]
  images, masks = np.asarray(images, np.float32), np.asarray(masks, np.float32)
  filled = np.stack(
    [inpaint(image, mask) for image, mask in zip(images, masks)]
  )
  # Known pixels stay exactly as given, as in our completion.
  return masks * images + (1 - masks) * filled
