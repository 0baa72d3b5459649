"""Which named parts a training checkpoint holds (e.g. "ema_generator").

Training and export both ask, to restore checkpoints written before a part
existed. Variable names cannot tell: a variable is saved under the first
path that reaches it, so the encoder's weights (no batch norm, all of them
trainable) are saved under its optimizer's path, never under "encoder/".
The checkpoint's object graph names the root's children exactly.
"""

import tensorflow as tf
from tensorflow.core.protobuf import trackable_object_graph_pb2


def saved_parts(path: str):
  """The names of the root's children in checkpoint `path` (a set)."""
  graph = trackable_object_graph_pb2.TrackableObjectGraph()
  # The reader itself, not tf.train.load_checkpoint, which takes a path that
  # its file system calls a directory (ram:// says so of any prefix) for a
  # checkpoint directory.
  reader = tf.compat.v1.train.NewCheckpointReader(path)
  graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
  return {child.local_name for child in graph.nodes[0].children}
