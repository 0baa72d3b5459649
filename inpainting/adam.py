"""Adam as a pure function of its state (Kingma & Ba 2015, Algorithm 1).

Written as loop state rather than a Keras optimizer so that the searches
(inpainting/search.py, and `minimize` for the searches beyond z:
feature_search.py, multi_code.py, layer_tuning.py) stay pure functions of
their inputs, which the completer SavedModel embeds for batches of any size.
"""

import tensorflow as tf


def adam_step(x, grad, m, v, t, config, learning_rate):
  """One Adam update of x; t (float) counts from 1.

  Args:
    config: A SearchConfig (its beta1, beta2 and epsilon).

  Returns:
    (x, m, v) after the step.
  """
  m = config.beta1 * m + (1.0 - config.beta1) * grad
  v = config.beta2 * v + (1.0 - config.beta2) * grad * grad
  m_hat = m / (1.0 - config.beta1**t)
  v_hat = v / (1.0 - config.beta2**t)
  x = x - learning_rate * m_hat / (v_hat**0.5 + config.epsilon)
  return x, m, v


def minimize(
  per_candidate_loss, start, learning_rates, steps, config, after=None
):
  """`steps` Adam steps on the tensors `start`, in one tf.while_loop.

  Args:
    per_candidate_loss: (*tensors) -> loss [N]. Its sum is minimised: the
      candidates are independent, so each gets its own gradient.
    start: List of tensors, each [N, ...].
    learning_rates: One step size per tensor.
    steps: How many steps (an int or int32 scalar).
    config: A SearchConfig (Adam's betas and epsilon).
    after: (list of tensors) -> list of tensors, applied after each step
      (a projection or a clip); None: nothing.

  Returns:
    The list of tensors after the last step.
  """

  def step(t, tensors, firsts, seconds):
    with tf.GradientTape() as tape:
      tape.watch(tensors)
      objective = tf.reduce_sum(per_candidate_loss(*tensors))
    # A gradient through a SavedModel's vectorized map may come back as
    # IndexedSlices.
    grads = [tf.convert_to_tensor(g) for g in tape.gradient(objective, tensors)]
    stepped = [
      adam_step(x, g, m, v, tf.cast(t + 1, tf.float32), config, rate)
      for x, g, m, v, rate in zip(
        tensors, grads, firsts, seconds, learning_rates
      )
    ]
    tensors, firsts, seconds = (list(part) for part in zip(*stepped))
    return t + 1, after(tensors) if after else tensors, firsts, seconds

  zeros = [tf.zeros_like(x) for x in start]
  _, tensors, _, _ = tf.while_loop(
    lambda t, *_: t < steps,
    step,
    (tf.constant(0), list(start), zeros, list(zeros)),
  )
  return tensors
