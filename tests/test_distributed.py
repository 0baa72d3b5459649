"""Mixed precision and tf.distribute: loss scaling, MirroredStrategy over two
logical CPUs (conftest splits the CPU), and real multi-worker processes."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import (
  REPO,
  checkpoint_step,
  read_scalars,
  subprocess_env,
  wait_for,
)
from training import state as state_lib
from training import train as train_lib


def _all_variables(state):
  return state.generator.variables + state.discriminator.variables


def test_mixed_float16_trains_with_a_working_loss_scale(tmp_path, tiny_config):
  trainer = train_lib.Trainer(
    tiny_config(mixed_precision="mixed_float16", max_steps=3), str(tmp_path)
  )
  result = trainer.run()
  state = trainer.state
  assert keras.mixed_precision.global_policy().name == "float32"  # restored
  assert state.generator.project.compute_dtype == "float16"
  assert state.generator.project.kernel.dtype == "float32"
  assert isinstance(state.g_optimizer, keras.optimizers.LossScaleOptimizer)
  assert np.isfinite(result.metrics["d_loss"])
  assert np.isfinite(result.metrics["g_loss"])
  z = tf.random.uniform((2, state.generator.z_dim), -1, 1)
  assert state.generator(z).dtype == tf.float32
  assert state.discriminator(state.generator(z)).dtype == tf.float32
  scalars = read_scalars(str(tmp_path))
  assert sorted(scalars["precision/g_loss_scale"]) == [1, 2, 3]
  assert scalars["precision/d_skipped_steps"][3] == 0

  # A scale so large that float16 gradients overflow: the step must be
  # skipped (weights unchanged) and the scale halved.
  step = state.make_step()
  state.g_optimizer.dynamic_scale.assign(2.0**100)
  before = [v.numpy() for v in state.generator.trainable_variables]
  metrics = step(tf.zeros((8, 16, 16, 1)))
  assert float(metrics["g_step_skipped"]) == 1.0
  assert float(state.g_optimizer.dynamic_scale) == 2.0**99
  for old, new in zip(before, state.generator.trainable_variables):
    np.testing.assert_array_equal(old, new.numpy())


@pytest.mark.slow
def test_checkpoints_move_between_precision_policies(tmp_path, tiny_config):
  workdir = str(tmp_path)
  train_lib.train(
    tiny_config(mixed_precision="mixed_float16", max_steps=2), workdir
  )
  resumed = train_lib.train(
    tiny_config(mixed_precision="float32", max_steps=3), workdir
  )
  assert resumed.step == 3
  again = train_lib.train(
    tiny_config(mixed_precision="mixed_float16", max_steps=4), workdir
  )
  assert again.step == 4


def test_mirrored_replicas_hold_identical_weights_and_statistics(
  tmp_path, tiny_config
):
  trainer = train_lib.Trainer(
    tiny_config(strategy="mirrored", max_steps=3), str(tmp_path)
  )
  assert trainer.strategy.num_replicas_in_sync == 2
  result = trainer.run()
  assert result.step == 3 and np.isfinite(result.metrics["d_loss"])
  state = trainer.state
  assert state.generator.project_norm.synchronized
  moving = [v for v in _all_variables(state) if "moving" in v.path]
  assert moving
  for variable in _all_variables(state):
    first, second = trainer.strategy.experimental_local_results(variable.value)
    np.testing.assert_array_equal(
      first.numpy(), second.numpy(), err_msg=variable.path
    )
  # Statistics really moved away from their initial values.
  assert any(np.abs(v.numpy()).max() > 1e-3 for v in moving if "mean" in v.path)


def _free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for s in sockets:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def _tf_config(ports, index):
  return json.dumps(
    {
      "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
      "task": {"type": "worker", "index": index},
    }
  )


def _start_workers(command, log_dir):
  """Starts one process per worker of a 2-worker cluster on 127.0.0.1."""
  ports = _free_ports(2)
  workers = []
  for index in range(2):
    log = open(log_dir / f"worker{index}.log", "w")
    workers.append(
      subprocess.Popen(
        command(index),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
        env=subprocess_env(TF_CONFIG=_tf_config(ports, index)),
      )
    )
  return workers


def _wait_all(workers, timeout):
  deadline = time.monotonic() + timeout
  try:
    return [
      w.wait(timeout=max(deadline - time.monotonic(), 1)) for w in workers
    ]
  finally:
    for w in workers:
      w.kill()


@pytest.mark.slow
def test_two_workers_train_in_lockstep_and_chief_checkpoint_restores(
  tmp_path, tiny_config
):
  workdir = tmp_path / "run"
  script = os.path.join(REPO, "tests", "multi_worker_job.py")
  workers = _start_workers(
    lambda i: [
      sys.executable,
      script,
      str(workdir),
      "4",
      str(tmp_path / f"worker{i}.npz"),
    ],
    tmp_path,
  )
  codes = _wait_all(workers, timeout=240)
  logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
  assert codes == [0, 0], logs[0][-3000:] + logs[1][-3000:]
  chief, other = (dict(np.load(tmp_path / f"worker{i}.npz")) for i in range(2))
  assert chief.pop("chief") and not other.pop("chief")
  assert chief.keys() == other.keys() and int(chief["step"]) == 4
  for name in chief:
    np.testing.assert_array_equal(chief[name], other[name], err_msg=name)
  # Only the chief wrote to the workdir; the other worker's scratch is gone.
  assert sorted(os.listdir(workdir / "samples")) == [
    "step_0000002.png",
    "step_0000004.png",
  ]
  assert not os.path.exists(workdir / "workers" / "worker_1")
  assert (
    "Strategy multi_worker (CollectiveAllReduceStrategy) with 2 replica(s)"
    in logs[0]
  )

  # The chief's checkpoint restores into a single-device run.
  config = tiny_config()
  state = state_lib.TrainState(config)
  restored = state_lib.restore_state(state, str(workdir / "checkpoints"))
  assert restored.path.endswith("ckpt-4") and int(state.step) == 4
  for net in (state.generator, state.discriminator):
    for variable in net.variables:
      np.testing.assert_array_equal(
        variable.numpy(),
        chief[f"{net.name}/{variable.path}"],
        err_msg=variable.path,
      )


def _cli_worker(workdir, *flags):
  return lambda index: [
    sys.executable,
    "-m",
    "training.main",
    "--config=tiny",
    f"--workdir={workdir}",
    "--strategy=multi_worker",
    "--max_steps=100000",
    "--log_every=10",
    "--sample_every=100000",
    "--checkpoint_every=100000",
    *flags,
  ]


def _wait_for_step(log_path, step, timeout=180):
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if re.search(rf"step {step}/", log_path.read_text()):
      return
    time.sleep(0.5)
  raise AssertionError(
    f"no step {step} in {log_path}: {log_path.read_text()[-3000:]}"
  )


@pytest.mark.slow
def test_killed_worker_ends_the_other_with_a_clear_error(tmp_path):
  workers = _start_workers(
    _cli_worker(tmp_path / "run", "--collective_timeout_s=30"), tmp_path
  )
  try:
    _wait_for_step(tmp_path / "worker0.log", 20)
    workers[1].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    code = workers[0].wait(timeout=120)
    waited = time.monotonic() - killed_at
  finally:
    for w in workers:
      w.kill()
  log = (tmp_path / "worker0.log").read_text()
  assert code != 0, log[-3000:]
  assert waited < 90
  last = [line for line in log.splitlines() if line.strip()][-1]
  assert last.startswith("dcgan-train: error: lost a peer worker"), log[-3000:]


@pytest.mark.slow
def test_ctrl_c_while_waiting_for_peers_ends_the_trainer(tmp_path):
  # The trainer blocks in C++ with the GIL held: Python's SIGINT handler
  # cannot run, so `deadline` installs one in C that exits with status 2.
  log_path = tmp_path / "worker0.log"
  with open(log_path, "w") as log:
    trainer = subprocess.Popen(
      _cli_worker(tmp_path / "run", "--collective_timeout_s=120")(0),
      stdout=log,
      stderr=subprocess.STDOUT,
      cwd=REPO,
      start_new_session=True,  # its own group, as a terminal's job
      env=subprocess_env(TF_CONFIG=_tf_config(_free_ports(2), 0)),
    )
  try:
    deadline = time.monotonic() + 90
    while "dcgan-train: waiting for" not in log_path.read_text():
      assert time.monotonic() < deadline and trainer.poll() is None, (
        log_path.read_text()[-3000:]
      )
      time.sleep(0.2)
    os.killpg(trainer.pid, signal.SIGINT)  # Ctrl-C: to the whole group
    code = trainer.wait(timeout=30)
  finally:
    trainer.kill()
  interrupted = (
    "dcgan-train: interrupted while waiting for the other workers of "
    "TF_CONFIG's cluster to start"
  )
  # The watchdog, a process of its own, writes that line when it sees the
  # trainer gone: a moment after the trainer's exit, later on a busy
  # machine.
  wait_for(
    lambda: interrupted in log_path.read_text(), 30, "the watchdog's line"
  )
  log = log_path.read_text()
  assert code == 2, log[-3000:]
  assert "Traceback" not in log, log[-3000:]
  assert log.strip().splitlines()[-1] == interrupted, log[-3000:]
  assert not os.path.exists(tmp_path / "run")


# SIGINT (Ctrl-C) is handed to the preemption handler as a SIGTERM.
@pytest.mark.slow
@pytest.mark.parametrize(
  "signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_stopping_one_worker_checkpoints_all_at_one_step(tmp_path, signum):
  workdir = tmp_path / "run"
  workers = _start_workers(_cli_worker(workdir), tmp_path)
  try:
    _wait_for_step(tmp_path / "worker1.log", 20)
    workers[1].send_signal(signum)
    codes = _wait_all(workers, timeout=120)
  finally:
    for w in workers:
      w.kill()
  logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
  # 42: TensorFlow's "preempted, restart me" exit status.
  assert codes == [42, 42], logs[0][-3000:] + logs[1][-3000:]
  checkpoints = sorted(os.listdir(workdir / "checkpoints"))
  saved = [name for name in checkpoints if name.endswith(".index")]
  assert len(saved) == 1, checkpoints
  step = checkpoint_step(str(workdir / "checkpoints" / saved[0][:-6]))
  assert step >= 20
  assert not os.path.exists(tmp_path / "run" / "workertemp_1")


@pytest.mark.slow
def test_mixed_precision_run_exports_float32_signatures(tmp_path, tiny_config):
  from export import exporter

  workdir, export_dir = str(tmp_path / "train"), str(tmp_path / "export")
  train_lib.train(
    tiny_config(mixed_precision="mixed_float16", max_steps=2), workdir
  )
  # Even with a float16 global policy in the exporting process.
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    exporter.export_models(workdir, export_dir)
  finally:
    keras.mixed_precision.set_global_policy("float32")
  for name, inputs in (
    ("generator", {"z": tf.zeros((2, 8))}),
    ("discriminator", {"images": tf.zeros((2, 16, 16, 1))}),
  ):
    model = tf.saved_model.load(os.path.join(export_dir, name, "1"))
    signature = model.signatures["serving_default"]
    for spec in signature.structured_input_signature[1].values():
      assert spec.dtype == tf.float32, (name, spec)
    for output in signature(**inputs).values():
      assert output.dtype == tf.float32, name
    # No float16 computation anywhere inside (the policy did not leak).
    assert "DT_HALF" not in str(signature.graph.as_graph_def()), name
