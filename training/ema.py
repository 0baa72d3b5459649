"""An exponential moving average of the generator's weights.

Averaging a GAN generator's weights over the last steps (Yazici et al. 2019,
"The unusual effectiveness of averaging in GAN training"; the EMA generator
of ProGAN and StyleGAN) smooths out the oscillation of adversarial training
and gives better samples than the last weights at no training cost.
"""

import tensorflow as tf


def copy_weights(source, target):
  """target's weights := source's (both built Keras models of one shape)."""
  for target_weight, source_weight in zip(target.weights, source.weights):
    target_weight.assign(source_weight)


def warmed_up_decay(decay: float, step):
  """min(decay, (1 + step) / (10 + step)) (tf.train.ExponentialMovingAverage's
  num_updates rule): the first steps' average follows the weights closely
  instead of remembering the random initialization."""
  step = tf.cast(step, tf.float32)
  return tf.minimum(
    tf.constant(decay, tf.float32), (1.0 + step) / (10.0 + step)
  )


def update(average, model, decay, step):
  """average := d * average + (1 - d) * model, d = warmed_up_decay(decay, step).

  Every weight, batch-norm statistics included: the average model runs in
  inference mode on its own moving statistics. Call in cross-replica
  context (after strategy.run): the replicas hold identical weights, and
  the assignment reaches all of them.
  """
  d = warmed_up_decay(decay, step)
  for average_weight, weight in zip(average.weights, model.weights):
    target = average_weight.value
    target.assign(d * target + (1.0 - d) * tf.convert_to_tensor(weight.value))
