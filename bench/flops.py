"""FLOPs of a traced training step and the machine's matmul peak, for the
throughput benchmark's utilisation column. Defines no flags.
"""

import time

import numpy as np
import tensorflow as tf

_NESTED_CALLS = (
  "PartitionedCall",
  "StatefulPartitionedCall",
  "If",
  "StatelessIf",
  "While",
  "StatelessWhile",
)


def live_ops(graph):
  """The ops a call of a traced function runs: those its outputs and side
  effects (variable updates) depend on. The traced graph also holds gradient
  ops nobody uses (e.g. the discriminator's filter gradients in a generator
  update), which TensorFlow prunes before running it."""
  pending = [t.op for t in graph.outputs] + list(graph.control_outputs)
  live = set()
  while pending:
    op = pending.pop()
    if op in live:
      continue
    live.add(op)
    pending.extend(t.op for t in op.inputs)
    pending.extend(op.control_inputs)
  return live


def graph_flops(concrete_function):
  """2 * MACs of the convolutions and matmuls a traced step runs.

  Counts what the step really computes, backward passes included: Conv2D,
  Conv2DBackpropInput (also what Conv2DTranspose runs forward),
  Conv2DBackpropFilter and MatMul (Dense, and the GEMMs of our small-map
  layers), among the live ops only. Left out: batch norm, activations,
  losses, optimizer updates (about 1 %) and the BatchMatMul with the 0/1
  scatter matrix of models/small_map_conv.py, which only moves values.
  Raises ValueError on nested function calls, whose ops it cannot see.
  """

  def size(shape):
    dims = shape.as_list()
    if None in dims:
      raise ValueError(f"{concrete_function.name}: unknown shape {dims}")
    return int(np.prod(dims, dtype=np.int64))

  macs = 0
  for op in live_ops(concrete_function.graph):
    if op.type in _NESTED_CALLS:
      raise ValueError(
        f"{concrete_function.name}: {op.type} {op.name} hides "
        "its ops from the FLOP count"
      )
    if op.type == "Conv2D":  # output [B, H, W, Cout] x kernel [k, k, Cin, Cout]
      macs += size(op.outputs[0].shape[:3]) * size(op.inputs[1].shape)
    elif op.type == "Conv2DBackpropInput":  # out_backprop pixels x kernel
      macs += size(op.inputs[2].shape[:3]) * size(op.inputs[1].shape)
    elif op.type == "Conv2DBackpropFilter":  # out_backprop pixels x kernel
      macs += size(op.inputs[2].shape[:3]) * size(op.outputs[0].shape)
    elif op.type == "MatMul":  # [m, k] x [k, n]
      a = op.inputs[0].shape
      k = a[0] if op.get_attr("transpose_a") else a[1]
      macs += size(op.outputs[0].shape) * k
  return 2 * macs


def peak_matmul_flops(n=4096, repeats=3):
  """Best FLOP/s of an n x n float32 matmul, after one warm-up call."""
  a, b = tf.random.uniform((n, n)), tf.random.uniform((n, n))
  matmul = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
  float(matmul(a, b))
  best = float("inf")
  for _ in range(repeats):
    started = time.perf_counter()
    float(matmul(a, b))
    best = min(best, time.perf_counter() - started)
  return 2 * n**3 / best
