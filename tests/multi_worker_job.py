"""One worker of a multi-worker test job: trains, then saves its weights.

  TF_CONFIG=... python tests/multi_worker_job.py WORKDIR MAX_STEPS OUT.npz

Runs the same Trainer as dcgan-train, then writes every generator and
discriminator variable (weights and batch-norm statistics) of this worker to
OUT.npz, so the test can compare what each worker ended with.
"""

import sys

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np
from absl import logging

from training import config as config_lib
from training import train as train_lib


def main(workdir, max_steps, out_path):
  logging.set_verbosity(logging.INFO)
  config = config_lib.get_config(
    "tiny",
    strategy="multi_worker",
    max_steps=int(max_steps),
    collective_timeout_s=60.0,
  )
  trainer = train_lib.Trainer(config, workdir)
  result = trainer.run()
  state = trainer.state
  weights = {
    f"{net.name}/{v.path}": np.asarray(v)
    for net in (state.generator, state.discriminator)
    for v in net.variables
  }
  np.savez(out_path, step=result.step, chief=trainer.is_chief, **weights)


if __name__ == "__main__":
  main(*sys.argv[1:])
