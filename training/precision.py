"""Mixed precision: picking the Keras dtype policy and scaling the loss.

Under `mixed_float16` layers compute in float16 but keep float32 variables;
float16's narrow range makes small gradients underflow to zero, so both
optimizers are wrapped in a dynamic LossScaleOptimizer: the loss is multiplied
by a scale before differentiation, the gradients are divided by it before the
update, and a step whose gradients overflow is skipped and halves the scale.
bfloat16 has float32's range and needs no scaling.
"""

import keras
import tensorflow as tf


def resolve_policy(name: str, strategy) -> str:
  """`auto` -> the fastest safe policy for the strategy's devices."""
  if name != "auto":
    return name
  if isinstance(strategy, tf.distribute.TPUStrategy):
    return "mixed_bfloat16"
  if tf.config.list_logical_devices("GPU"):
    return "mixed_float16"
  # On CPU float16 is emulated: measured several times slower than float32.
  return "float32"


def uses_loss_scaling(policy: str) -> bool:
  return policy == "mixed_float16"


def wrap_optimizer(optimizer, policy: str):
  """A LossScaleOptimizer around `optimizer` when `policy` needs one."""
  if not uses_loss_scaling(policy):
    return optimizer
  return keras.optimizers.LossScaleOptimizer(optimizer)


def is_loss_scaled(optimizer) -> bool:
  return isinstance(optimizer, keras.optimizers.LossScaleOptimizer)


def inner_optimizer(optimizer):
  """The optimizer that owns the Adam slots, loss-scaled or not."""
  return optimizer.inner_optimizer if is_loss_scaled(optimizer) else optimizer


def current_loss_scale(optimizer):
  """The optimizer's current loss scale; 1 without loss scaling."""
  if is_loss_scaled(optimizer):
    return tf.convert_to_tensor(optimizer.dynamic_scale)
  return tf.constant(1.0)


def loss_scale_variables(optimizer):
  """The tf.Variables holding a LossScaleOptimizer's dynamic state.

  Checkpointed beside (not inside) the inner optimizer, so a checkpoint
  written under float32 restores under mixed_float16 and the other way round.
  """
  return {
    "scale": optimizer.dynamic_scale.value,
    "good_steps": optimizer.step_counter.value,
  }
