"""Adam as a pure function of its state (Kingma & Ba 2015, Algorithm 1).

Written as loop state rather than a Keras optimizer so that the searches
(inpainting/search.py, feature_search.py) stay pure functions of their
inputs, which the completer SavedModel embeds for batches of any size.
"""


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
