"""Latent search: z* = argmin_z contextual(G(z), y) + lambda * prior(D(G(z))).

The whole loop is one TensorFlow graph (tf.while_loop): one call runs every
step for every image and restart, with no Python per step. Adam is written as
loop state (inpainting/adam.py) so the search stays a pure function of its
inputs, which lets the completer SavedModel embed the same code for a batch
of any size. With `search="ilo"` the feature map at the generator's split is
searched next (inpainting/feature_search.py); with `search="mgan"`, several
codes composed there (inpainting/multi_code.py); with `search="dgp"`, the
generator's output layer fine-tuned per image (inpainting/layer_tuning.py).
"""

from typing import Callable, Dict, List, Optional

import tensorflow as tf

from common.errors import InputError
from inpainting import feature_search, layer_tuning, losses, multi_code
from inpainting.adam import adam_step
from inpainting.search_config import (
  SEARCH_SIGNATURES,
  SearchConfig,  # noqa: F401  (re-export)
)


class LatentSearch:
  """Completes images by searching z of an exported generator.

  Args:
    generate: z [N, z_dim] -> images [N, H, W, C] in [-1, 1] (the generator
      SavedModel's function, or any differentiable callable).
    discriminate: images -> logits [N, 1].
    z_dim: Length of z.
    config: SearchConfig.
    encode: Optional (images, masks) -> z [N, z_dim], the export's
      mask-aware encoder: its z competes with the pool for every image's
      starting points.
    features, from_features: Optional z -> features_k and features_k ->
      images, the generator split (models/generator.py's Generator.features);
      config.search "ilo" and "mgan" need them.
    from_features_tuned, output_kernel_shape: Optional (features_k,
      kernel_delta, bias_delta) -> images, the output layer with each
      image's own weights, and its kernel's shape; config.search "dgp"
      needs them and `features`.

  Raises:
    InputError: config.search needs signatures that were not given.
  """

  def __init__(
    self,
    generate: Callable,
    discriminate: Callable,
    z_dim: int,
    config: SearchConfig = SearchConfig(),
    encode: Optional[Callable] = None,
    features: Optional[Callable] = None,
    from_features: Optional[Callable] = None,
    from_features_tuned: Optional[Callable] = None,
    output_kernel_shape: Optional[List[int]] = None,
  ):
    given = {
      "features": features,
      "from_features": from_features,
      "from_features_tuned": from_features_tuned,
    }
    missing = [
      name for name in SEARCH_SIGNATURES[config.search] if given[name] is None
    ]
    if missing:
      raise InputError(
        f"search={config.search!r} needs the generator's "
        f"{' and '.join(missing)} signatures, which this export predates; "
        "export it again, or use search='z'"
      )
    self.generate = generate
    self.discriminate = discriminate
    self.z_dim = z_dim
    self.config = config
    self.encode = encode
    self.features = features
    self.from_features = from_features
    self.from_features_tuned = from_features_tuned
    self.output_kernel_shape = output_kernel_shape

  def candidate_losses(self, z, images, weights):
    """(total, contextual) loss per candidate, and its G(z)."""
    return self.losses_of(self.generate(z), images, weights)

  def losses_of(self, generated, images, weights):
    """(total, contextual) loss per candidate of the images it drew (by
    G(z) or by a search beyond z), and those images."""
    contextual = losses.contextual_loss(generated, images, weights)
    if self.config.prior_weight == 0:
      # No prior loss: D's forward and backward passes (about half of a
      # step) would only be multiplied by 0.
      return contextual, contextual, generated
    prior = losses.prior_loss(self.discriminate(generated))
    return contextual + self.config.prior_weight * prior, contextual, generated

  def starting_points(
    self, images, masks, weights, restarts, seed, image_keys=None
  ):
    """z [B * restarts, z_dim]: each image's best candidates.

    The candidates are the image's own random draws (from the seed and its
    key, so an image's start never depends on its batch), a pool of random
    z shared by every image (config.pool_size; 0: none) and, with an
    encoder, the encoder's z for the image. Each image keeps the `restarts`
    whose G(z) match its known pixels best (lowest contextual loss), so the
    best start is never worse than any one candidate's. Without pool and
    encoder the random draws are used as they are.
    """
    batch = tf.shape(images)[0]
    if image_keys is None:
      image_keys = tf.range(batch, dtype=tf.int64)
    own_z = tf.map_fn(
      lambda key: tf.random.stateless_uniform(
        [restarts, self.z_dim],
        seed=tf.stack([tf.cast(seed, tf.int64), key]),
        minval=-1.0,
        maxval=1.0,
      ),
      image_keys,
      fn_output_signature=tf.TensorSpec([None, self.z_dim], tf.float32),
    )
    if self.config.pool_size == 0 and self.encode is None:
      return tf.reshape(own_z, [-1, self.z_dim])
    # Per image: [candidates, z_dim] of its own and the shared ones.
    if self.encode is not None:
      encoded = tf.clip_by_value(
        tf.convert_to_tensor(self.encode(images, masks), tf.float32), -1.0, 1.0
      )
      own_z = tf.concat([encoded[:, None], own_z], 1)
    own_count = tf.shape(own_z)[1]
    own_images = self.generate(tf.reshape(own_z, [-1, self.z_dim]))
    own_images = tf.reshape(
      own_images, tf.concat([[batch, own_count], tf.shape(own_images)[1:]], 0)
    )
    pool_z = tf.random.stateless_uniform(
      # Key -1: no image's (keys are >= 0).
      [self.config.pool_size, self.z_dim],
      seed=tf.stack([tf.cast(seed, tf.int64), tf.constant(-1, tf.int64)]),
      minval=-1.0,
      maxval=1.0,
    )
    pool_images = (
      self.generate(pool_z) if self.config.pool_size else own_images[0, :0]
    )

    def best_for_one(args):
      image, weight, z_own, g_own = args
      candidates_z = tf.concat([z_own, pool_z], 0)
      candidates = tf.concat([g_own, pool_images], 0)
      # Contextual loss of every candidate against this one image.
      scores = losses.contextual_loss(candidates, image[None], weight[None])
      _, best = tf.math.top_k(-scores, k=restarts)
      return tf.gather(candidates_z, best)

    chosen = tf.map_fn(
      best_for_one,
      (images, weights, own_z, own_images),
      fn_output_signature=tf.TensorSpec([None, self.z_dim], tf.float32),
    )
    return tf.reshape(chosen, [-1, self.z_dim])

  def __call__(
    self, images, masks, steps=None, restarts=None, seed=None, image_keys=None
  ) -> Dict[str, tf.Tensor]:
    """Runs the search; arguments may be tensors (for a served graph).

    Args:
      images: float32 [B, H, W, C] in [-1, 1]; the pixels under the hole are
        ignored.
      masks: float32 [B, H, W, 1], 1 = known.
      steps, restarts, seed: override the config's.
      image_keys: int64 [B], >= 0: each image's own random draws come from
        (seed, its key), so its result does not depend on the batch it is
        in (None: 0, 1, ..., B - 1).

    Returns:
      {"z": [B, z_dim], "generated": G(z*) [B, H, W, C] (search "ilo" or
       "mgan": G_2 of the searched or composed feature map; "dgp": the
       tuned output layer's image; the losses are then its),
       "loss": [B] total loss of z*, "contextual_loss": [B],
       "uncertainty": [B, H, W, 1] the standard deviation of the restarts'
       G(z) in the hole (mean over channels; 0 on known pixels, and
       everywhere with one restart),
       "steps_run": [B] int32, the Adam steps this call ran (the same for
       every image; fewer than `steps` when it stopped early)}.
    """
    config = self.config
    steps = tf.cast(config.steps if steps is None else steps, tf.int32)
    restarts = tf.cast(
      config.restarts if restarts is None else restarts, tf.int32
    )
    seed = tf.cast(config.seed if seed is None else seed, tf.int64)
    images = tf.convert_to_tensor(images, tf.float32)
    masks = tf.convert_to_tensor(masks, tf.float32)
    batch = tf.shape(images)[0]
    image_keys = keys_or_positions(image_keys, batch)

    weights = losses.importance_weights(masks, config.window)
    z = self.starting_points(images, masks, weights, restarts, seed, image_keys)
    images_r = tf.repeat(images, restarts, axis=0)
    weights_r = tf.repeat(weights, restarts, axis=0)

    anchor = anchor_scale(images, config.anchor_weight, self.z_dim)
    z_start = z

    def step(t, z, m, v, last_check, stop):
      with tf.GradientTape() as tape:
        tape.watch(z)
        total, _, _ = self.candidate_losses(z, images_r, weights_r)
        # Candidates are independent, so the gradient of the sum is each
        # candidate's own gradient. The anchor is part of what the steps
        # minimise only: restarts are ranked by how they fit the image.
        objective = tf.reduce_sum(total) + anchor * tf.reduce_sum(
          tf.square(z - z_start)
        )
      grad = tape.gradient(objective, z)
      z, m, v = adam_step(
        z, grad, m, v, tf.cast(t + 1, tf.float32), config, config.learning_rate
      )
      # Keep z in the support of the prior U(-1, 1) (Yeh et al. section 3.3).
      z = tf.clip_by_value(z, -1.0, 1.0)
      # Early stopping on the mean loss, checked every check_every steps.
      mean_loss = tf.reduce_mean(total)
      checking = tf.logical_and(t > 0, t % config.check_every == 0)
      # 0 means never stop: comparing "improvement < 0" would stop whenever
      # the loss rose between two checks.
      if config.min_improvement > 0:
        improvement = (last_check - mean_loss) / tf.maximum(
          tf.abs(last_check), 1e-12
        )
        stop = tf.logical_and(checking, improvement < config.min_improvement)
      last_check = tf.where(checking | tf.equal(t, 0), mean_loss, last_check)
      return t + 1, z, m, v, last_check, stop

    steps_run, z, _, _, _, _ = tf.while_loop(
      lambda t, *state: tf.logical_and(t < steps, tf.logical_not(state[-1])),
      step,
      (
        tf.constant(0),
        z,
        tf.zeros_like(z),
        tf.zeros_like(z),
        tf.constant(float("inf")),
        tf.constant(False),
      ),
    )

    if config.search == "ilo":
      _, total, contextual, generated = feature_search.search_features(
        self, self.features(z), images_r, weights_r
      )
    elif config.search == "mgan":
      _, total, contextual, generated = multi_code.search_codes(
        self, z, seed, images_r, weights_r
      )
    elif config.search == "dgp":
      total, contextual, generated = layer_tuning.tune_output_layer(
        self, z, images_r, weights_r
      )
    else:
      total, contextual, generated = self.candidate_losses(
        z, images_r, weights_r
      )
    # Each image's restarts, lowest loss first.
    _, ranked = tf.math.top_k(
      -tf.reshape(total, [batch, restarts]),
      k=tf.minimum(config.average_best, restarts),
    )
    ranked = tf.range(batch)[:, None] * restarts + ranked
    best = ranked[:, 0]
    return {
      "z": tf.gather(z, best),
      "generated": tf.reduce_mean(tf.gather(generated, ranked), axis=1),
      "uncertainty": hole_spread(generated, masks, restarts),
      "loss": tf.gather(total, best),
      "contextual_loss": tf.gather(contextual, best),
      # Per image, so that callers that concatenate batches can.
      "steps_run": tf.fill([batch], steps_run),
    }


def keys_or_positions(image_keys, batch) -> tf.Tensor:
  """The images' int64 keys for their random draws; None: 0, ..., batch-1."""
  if image_keys is None:
    return tf.range(batch, dtype=tf.int64)
  return tf.cast(image_keys, tf.int64)


def anchor_scale(images, anchor_weight, z_dim):
  """The factor of sum((z - z_start)^2) that makes the anchor term
  anchor_weight * H*W*C * mean((z - z_start)^2): the contextual loss sums
  over an image's H*W*C values, so one anchor_weight pulls alike at every
  image size and channel count."""
  values = tf.cast(tf.reduce_prod(tf.shape(images)[1:]), tf.float32)
  return anchor_weight * values / z_dim


def hole_spread(generated, masks, restarts):
  """Per-pixel standard deviation of each image's restarts, in the hole.

  Where the restarts, each a local optimum that fits the known pixels,
  disagree, the completion is a guess among several plausible ones.

  Args:
    generated: [B * restarts, H, W, C], image i's restarts consecutive.
    masks: [B, H, W, 1], 1 = known.
    restarts: Restarts per image.

  Returns:
    [B, H, W, 1]: the standard deviation over restarts, averaged over
    channels; 0 on known pixels.
  """
  shape = tf.shape(generated)
  per_image = tf.reshape(
    generated, tf.concat([[shape[0] // restarts, restarts], shape[1:]], 0)
  )
  spread = tf.math.reduce_std(per_image, axis=1)
  return tf.reduce_mean(spread, axis=-1, keepdims=True) * (1.0 - masks)


def search_for(gan, config) -> "LatentSearch":
  """The LatentSearch of `config` over an ExportedGan's signatures (its
  encoder and feature split included, where it has them)."""
  return LatentSearch(
    gan.generate,
    gan.discriminate,
    gan.z_dim,
    config,
    encode=gan.encode,
    features=gan.features,
    from_features=gan.from_features,
    from_features_tuned=gan.from_features_tuned,
    output_kernel_shape=gan.output_kernel_shape,
  )
