r"""Training throughput: our compiled GanStep against a keras.io-style fit().

  python -m bench.train_throughput
  python -m bench.train_throughput --presets=mnist32 --timed_steps=20

Per preset, on the same synthetic images (uniform in [-1, 1], made once) fed
by the same tf.data pipeline, at the preset's batch size:
  (a) ours: training.gan_step.GanStep, one compiled simultaneous update of D
      and G, called from Python as training/train.py does;
  (b) what a user would otherwise run: the keras.io "DCGAN to generate face
      images" recipe (bench/keras_io_gan.py), a keras.Model whose train_step
      updates D on generated and real images, then G through D with fresh z,
      run by model.fit() with Keras' defaults, on the same architecture
      written as keras.io writes it (keras.Sequential of stock layers;
      checked before timing to compute what our networks compute);
  (c) the same fit() on our networks, which compute 4x4 maps as matrix
      multiplies (models/small_map_conv.py): (c) / (b) is what our layers
      give, (a) / (c) what our step gives.
Prints images/s of all three, ratios, and our model FLOP/s as a fraction of
a 4096^3 float32 matmul's FLOP/s measured in the same run. FLOPs per step are
counted from each step's traced graph (every convolution and matmul, backward
passes included), so `flop_ratio` (fit's FLOPs / ours) is the images/s ratio
the two would have at equal FLOP/s. The last line is a JSON object.
"""

import json
import time

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from bench import keras_io_gan
from bench.flops import graph_flops, peak_matmul_flops
from models.networks import build_networks
from training import config as config_lib
from training import state as state_lib

_PRESETS = flags.DEFINE_list(
  "presets", ["mnist32", "celeba64"], "Training presets to benchmark."
)
# 20 steps keep the whole run near 3 minutes on the 2-core build machine,
# where one celeba64 step (batch 128) takes about 3 s.
_STEPS = flags.DEFINE_integer("timed_steps", 20, "Timed steps per method.")
_WARMUP = flags.DEFINE_integer(
  "warmup_steps", 2, "Untimed steps first (tracing, optimizer slots)."
)
_BFLOAT16 = flags.DEFINE_bool(
  "bfloat16",
  True,
  "Also time our step under --mixed_precision="
  "mixed_bfloat16 (fast on CPUs with AVX512_BF16/AMX; the fit() baseline "
  "stays float32, TensorFlow's default).",
)
_EMA_COST = flags.DEFINE_bool(
  "ema_cost",
  False,
  "Also time our step without the EMA generator's "
  "update, in interleaved blocks (ema_cost_<preset>: with / without).",
)
_POOL_BATCHES = 4  # distinct synthetic batches the pipeline cycles through
_EMA_ROUNDS = 5  # interleaved blocks of each, so drift hits both alike


class BatchEndTimes(keras.callbacks.Callback):
  """Wall time at each batch end: after a finished step, since CallbackList
  turns the logs into Python floats first (as our loop's float() does)."""

  def __init__(self):
    super().__init__()
    self.times = []

  def on_train_batch_end(self, batch, logs=None):
    self.times.append(time.perf_counter())


def image_spec(config):
  s, c = config.model.image_size, config.model.channels
  return tf.TensorSpec((config.batch_size, s, s, c), tf.float32)


def synthetic_batches(config):
  """The same tf.data pipeline for both methods: cycles a fixed image pool."""
  s, c = config.model.image_size, config.model.channels
  pool = np.random.default_rng(0).uniform(
    -1.0, 1.0, (_POOL_BATCHES * config.batch_size, s, s, c)
  )
  return (
    tf.data.Dataset.from_tensor_slices(pool.astype(np.float32))
    .repeat()
    .batch(config.batch_size, drop_remainder=True)
    .prefetch(tf.data.AUTOTUNE)
  )


def ours_step_seconds(config, dataset, warmup, steps, policy="float32"):
  """(a): seconds per step after `warmup` steps, and FLOPs per step."""
  keras.utils.set_random_seed(0)
  # The networks, optimizers, z generator and step as the training job
  # builds them.
  gan_step = state_lib.TrainState(config, policy).make_step()
  batches = iter(dataset)
  seconds_per_step(gan_step, batches, warmup)
  seconds = seconds_per_step(gan_step, batches, steps)
  return seconds, graph_flops(gan_step.concrete_function(image_spec(config)))


def seconds_per_step(gan_step, batches, steps):
  """Runs `steps` of a GanStep on `batches`; their mean wall time."""
  started = time.perf_counter()
  for _ in range(steps):
    # One host read per step, as training/train.py does to log and check.
    float(gan_step(next(batches))["d_loss"])
  return (time.perf_counter() - started) / steps


def ema_cost(config, dataset, warmup, steps):
  """Seconds per step of our step with the EMA update over without it.

  Both steps share one TrainState's networks and optimizers and alternate
  in blocks of `steps`; the ratio of the medians leaves out the drift of a
  shared machine, which separate runs would measure instead.
  """
  keras.utils.set_random_seed(0)
  state = state_lib.TrainState(config)
  steps_by_name = {
    "with": state.make_step(),
    "without": state.bare_step(),
  }
  batches = iter(dataset)
  seconds = {name: [] for name in steps_by_name}
  for gan_step in steps_by_name.values():
    seconds_per_step(gan_step, batches, warmup)
  for _ in range(_EMA_ROUNDS):
    for name, gan_step in steps_by_name.items():
      seconds[name].append(seconds_per_step(gan_step, batches, steps))
  return float(np.median(seconds["with"]) / np.median(seconds["without"]))


def fit_step_seconds(config, dataset, warmup, steps, networks):
  """(b) or (c): seconds per step between batch ends after `warmup` steps.

  One fit() call of keras_io_gan.KerasIoGan on `networks`; timing from the
  end of the last warm-up batch leaves out tracing and iterator start-up.
  Returns (seconds, model.jit_compile, FLOPs per step), the FLOPs read from
  train_step traced after fit() has built the optimizers.
  """
  model = keras_io_gan.KerasIoGan(*networks, z_dim=config.model.z_dim)
  # jit_compile is left at "auto": on the TensorFlow backend it resolves to
  # False on a CPU-only host (Trainer._resolve_auto_jit_compile), True with
  # a GPU when every layer supports XLA. steps_per_execution stays 1.
  model.compile(
    d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
  )
  times = BatchEndTimes()
  model.fit(
    dataset,
    epochs=1,
    steps_per_epoch=warmup + steps,
    verbose=0,
    callbacks=[times],
  )
  seconds = (times.times[-1] - times.times[warmup - 1]) / steps
  traced = tf.function(model.train_step).get_concrete_function(
    image_spec(config)
  )
  return seconds, model.jit_compile, graph_flops(traced)


def keras_io_baseline(config):
  """keras.io's networks (stock layers), checked to compute what ours do."""
  keras.utils.set_random_seed(0)
  stock = keras_io_gan.keras_io_networks(config.model)
  ours = build_networks(config.model)
  z = tf.random.uniform((4, config.model.z_dim), -1.0, 1.0, seed=1)
  keras_io_gan.check_same_function(ours[0], stock[0], z)
  keras_io_gan.check_same_function(ours[1], stock[1], ours[0](z))
  return stock


def main(argv):
  del argv
  if _WARMUP.value < 1 or _STEPS.value < 1:
    raise app.UsageError("--timed_steps and --warmup_steps must be >= 1")
  configs = [config_lib.get_config(name) for name in _PRESETS.value]
  peak = peak_matmul_flops()
  print(f"peak: 4096x4096 float32 matmul {peak / 1e9:.1f} GFLOP/s")
  result = {"peak_gflops": peak / 1e9, "steps": _STEPS.value}
  rows = []
  for name, config in zip(_PRESETS.value, configs):
    dataset = synthetic_batches(config)
    ours_s, flops = ours_step_seconds(
      config, dataset, _WARMUP.value, _STEPS.value
    )
    fit_s, jit_compile, fit_flops = fit_step_seconds(
      config, dataset, _WARMUP.value, _STEPS.value, keras_io_baseline(config)
    )
    ours, fit = config.batch_size / ours_s, config.batch_size / fit_s
    # (c) the same fit() on our networks: how much of the ratio is the step
    # (FLOPs) and how much our layers.
    keras.utils.set_random_seed(0)
    fit_ours_s, _, _ = fit_step_seconds(
      config, dataset, _WARMUP.value, _STEPS.value, build_networks(config.model)
    )
    fit_ours = config.batch_size / fit_ours_s
    result.update(
      {
        f"images_per_sec_fit_our_layers_{name}": fit_ours,
        f"ratio_vs_fit_our_layers_{name}": ours / fit_ours,
      }
    )
    print(
      f"{name}: fit() on our layers {fit_ours:.1f} img/s; ours "
      f"{ours / fit_ours:.2f}x that, {fit_ours / fit:.2f}x from the "
      "layers alone"
    )
    if _BFLOAT16.value:
      bf16_s, _ = ours_step_seconds(
        config, dataset, _WARMUP.value, _STEPS.value, "mixed_bfloat16"
      )
      bf16 = config.batch_size / bf16_s
      result.update(
        {
          f"images_per_sec_ours_bf16_{name}": bf16,
          f"ratio_bf16_{name}": bf16 / fit,
        }
      )
      print(
        f"{name}: ours under mixed_bfloat16 {bf16:.1f} img/s, "
        f"{bf16 / fit:.2f}x fit() in float32"
      )
    if _EMA_COST.value:
      cost = ema_cost(config, dataset, _WARMUP.value, _STEPS.value)
      result[f"ema_cost_{name}"] = cost
      print(
        f"{name}: our step with the EMA update takes {cost:.3f}x the "
        "time of the same step without it"
      )
    rows.append(
      (
        name,
        config.batch_size,
        ours,
        fit,
        ours / fit,
        flops / 1e9,
        flops / ours_s / 1e9,
        peak / 1e9,
        flops / ours_s / peak,
      )
    )
    result.update(
      {
        f"images_per_sec_ours_{name}": ours,
        f"images_per_sec_fit_{name}": fit,
        f"ratio_{name}": ours / fit,
        f"gflop_per_step_{name}": flops / 1e9,
        f"peak_fraction_{name}": flops / ours_s / peak,
        f"fit_gflop_per_step_{name}": fit_flops / 1e9,
        f"fit_peak_fraction_{name}": fit_flops / fit_s / peak,
        f"fit_jit_compile_{name}": bool(jit_compile),
        # The images/s ratio if both ran at the same FLOP/s.
        f"flop_ratio_{name}": fit_flops / flops,
      }
    )
    # The images/s ratio compares the two recipes as written; FLOP/s says
    # how well each keeps the CPU busy (keras.io's step has more FLOPs).
    print(
      f"{name}: fit() {fit_flops / 1e9:.1f} GFLOP/step at "
      f"{fit_flops / fit_s / 1e9:.1f} GFLOP/s, jit_compile={jit_compile}; "
      f"ours {flops / 1e9:.1f} GFLOP/step: {fit_flops / flops:.2f}x fewer"
    )

  header = (
    "preset",
    "batch",
    "ours img/s",
    "fit img/s",
    "ratio",
    "GFLOP/step",
    "GFLOP/s",
    "peak GFLOP/s",
    "peak frac",
  )
  print(" ".join(f"{h:>12}" for h in header))
  for name, batch, ours, fit, ratio, gflop, gflops, peak_gflops, frac in rows:
    print(
      f"{name:>12} {batch:>12d} {ours:>12.1f} {fit:>12.1f} {ratio:>12.2f} "
      f"{gflop:>12.1f} {gflops:>12.1f} {peak_gflops:>12.1f} {frac:>12.3f}"
    )
  print(json.dumps(result))


if __name__ == "__main__":
  app.run(main)
