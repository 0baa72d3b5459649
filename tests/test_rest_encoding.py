"""TF Serving's REST JSON, both ways, against the real SavedModels.

TF Serving is not installed here, so its JSON rules are mirrored in a few
lines from tensorflow_serving/util/json_tensor.cc (tensorflow/serving):
  requests:  FillTensorProto decodes a {"b64": ...} object into the bytes of
             any DT_STRING input, whatever its name;
  responses: MakeRowFormatJsonFromTensors / MakeColumnarFormatJsonFromTensors
             write a DT_STRING output as {"b64": base64} only when
             IsNamedTensorBytes, i.e. its name ends in "_bytes"; any other
             string is written raw, which is no valid JSON text for PNG
             bytes (mirrored here as a strict UTF-8 decode).
The requests come from export.client (the library) and the command
`python -m export.client_main`, the responses go back through
export.client.decode_rest_response.
"""

import base64
import glob
import json
import os
import re
import shlex

import numpy as np
import pytest
import tensorflow as tf

from export import client
from inpainting.search import SearchConfig
from tests.conftest import REPO, cli, run_python, write_image

SIZE = 16  # the tiny preset's


def _tensor_from_json(value, dtype):
  """One input's JSON value -> tensor, as FillTensorProto builds it."""

  def leaf(item):
    # {"b64": ...} is decoded for every string input, whatever its name.
    if isinstance(item, dict):
      assert dtype == tf.string and set(item) == {"b64"}, item
      return base64.b64decode(item["b64"])
    if isinstance(item, list):
      return [leaf(i) for i in item]
    return item

  return tf.constant(leaf(value), dtype)


def _feeds_from_json(body, signature):
  """A REST request body -> the signature's inputs, with its dtypes."""
  specs = signature.structured_input_signature[1]
  if "instances" in body:
    rows = body["instances"]
    return {
      name: _tensor_from_json([row[name] for row in rows], spec.dtype)
      for name, spec in specs.items()
    }
  return {
    name: _tensor_from_json(body["inputs"][name], spec.dtype)
    for name, spec in specs.items()
  }


def _json_leaves(name, value):
  """A tensor's values as TF Serving writes them (AddSingleValueAndAdvance)."""
  as_bytes = name.endswith("_bytes")

  def leaf(item):
    if isinstance(item, list):
      return [leaf(i) for i in item]
    if isinstance(item, bytes):
      if as_bytes:
        return {"b64": base64.b64encode(item).decode("ascii")}
      # Written raw: only text that is UTF-8 survives as JSON.
      return item.decode("utf-8")
    return item

  return leaf(np.asarray(value).tolist())


def tf_serving_response(outputs, request_format):
  """The JSON text TF Serving answers with, for these output tensors.

  Mirrors MakeJsonFromTensors of tensorflow_serving/util/json_tensor.cc:
  a row ("instances") request gets {"predictions": [one object per batch
  element]}, a columnar ("inputs") one {"outputs": {name: whole tensor}};
  with a single output its name is left out.
  """
  outputs = {name: np.asarray(value) for name, value in outputs.items()}
  named = len(outputs) > 1
  if request_format == "instances":
    batch = {len(value) for value in outputs.values()}
    assert len(batch) == 1, "row format needs one batch size"
    rows = []
    for i in range(batch.pop()):
      row = {
        name: _json_leaves(name, value[i]) for name, value in outputs.items()
      }
      rows.append(row if named else next(iter(row.values())))
    return json.dumps({"predictions": rows})
  columns = {name: _json_leaves(name, value) for name, value in outputs.items()}
  return json.dumps(
    {"outputs": columns if named else next(iter(columns.values()))}
  )


def _load(export_dir, name):
  return tf.saved_model.load(os.path.join(export_dir, name, "1"))


@pytest.fixture(scope="module")
def completer(tiny_export):
  return _load(tiny_export[1], "completer")


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory):
  """A 16x16 digit-like PNG and a mask PNG with a centre hole."""
  folder = tmp_path_factory.mktemp("rest_pngs")
  pixels = np.zeros((SIZE, SIZE, 1), np.uint8)
  pixels[3:13, 6:10] = 255
  mask = np.full((SIZE, SIZE, 1), 255, np.uint8)
  mask[4:12, 4:12] = 0
  image_path, mask_path = str(folder / "digit.png"), str(folder / "mask.png")
  write_image(image_path, pixels)
  write_image(mask_path, mask)
  return image_path, mask_path, pixels, mask


def test_png_outputs_survive_the_rest_response(completer, digit_files):
  image_path, mask_path, pixels, mask = digit_files
  request = json.loads(client.build_request(image_path, mask_path, "b64", 1))
  signature = completer.signatures[request["signature_name"]]
  out = signature(**_feeds_from_json(request, signature))
  assert sorted(out) == [
    "blended_bytes",
    "completed_bytes",
    "uncertainty_bytes",
  ]

  text = tf_serving_response(out, "instances")
  decoded = client.decode_rest_response(text)
  known = mask == 255
  for name in ("blended_bytes", "completed_bytes"):
    (png,) = decoded[name]
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
    result = tf.io.decode_png(png).numpy()
    assert result.shape == (SIZE, SIZE, 1) and result.dtype == np.uint8
    np.testing.assert_array_equal(result[known], pixels[known])

  # The names before the `_bytes` suffix: the server would write the PNG
  # bytes raw into the JSON, which no client can read.
  with pytest.raises(UnicodeDecodeError):
    tf_serving_response(
      {
        "blended_png": out["blended_bytes"],
        "completed_png": out["completed_bytes"],
      },
      "instances",
    )


def test_every_string_output_is_named_bytes(tiny_export):
  seen = 0
  for name in ("generator", "discriminator", "completer"):
    model = _load(tiny_export[1], name)
    for key, signature in model.signatures.items():
      for output, spec in signature.structured_outputs.items():
        if spec.dtype == tf.string:
          seen += 1
          assert output.endswith("_bytes"), (name, key, output)
  assert seen == 3  # complete_png's three PNGs


def test_columnar_request_runs_complete_options(completer, digit_files):
  image_path, mask_path, pixels, mask = digit_files
  body = json.loads(
    client.build_request(
      image_path, mask_path, "columnar", 1, SIZE, steps=3, restarts=1, seed=7
    )
  )
  assert body["signature_name"] == "complete_options"
  assert sorted(body) == ["inputs", "signature_name"]
  inputs = body["inputs"]
  assert sorted(inputs) == ["images", "masks", "restarts", "seed", "steps"]
  assert (inputs["steps"], inputs["restarts"], inputs["seed"]) == (3, 1, 7)
  assert np.asarray(inputs["images"]).shape == (1, SIZE, SIZE, 1)
  assert np.asarray(inputs["masks"]).shape == (1, SIZE, SIZE, 1)
  np.testing.assert_array_equal(
    np.asarray(inputs["masks"])[0], (mask >= 128).astype(np.float32)
  )
  np.testing.assert_allclose(
    np.asarray(inputs["images"])[0], pixels / 127.5 - 1.0, atol=1e-6
  )

  signature = completer.signatures[body["signature_name"]]
  feeds = _feeds_from_json(body, signature)
  assert feeds["steps"].shape == () and feeds["seed"].dtype == tf.int64
  out = signature(**feeds)
  # The scalars arrive: the same request through the gRPC builder agrees.
  images, masks = client.to_model_input(pixels, mask)
  request = client.grpc_request(images, masks, steps=3, restarts=1, seed=7)
  assert request.model_spec.signature_name == "complete_options"
  again = signature(
    **{
      key: tf.constant(tf.make_ndarray(value))
      for key, value in request.inputs.items()
    }
  )
  np.testing.assert_allclose(
    out["blended"].numpy(), again["blended"].numpy(), atol=1e-6
  )

  decoded = client.decode_rest_response(tf_serving_response(out, "inputs"))
  assert sorted(decoded) == [
    "blended",
    "completed",
    "generated",
    "loss",
    "uncertainty",
  ]
  blended = np.asarray(decoded["blended"], np.float32)
  assert blended.shape == (1, SIZE, SIZE, 1)
  known = np.broadcast_to(mask == 255, pixels.shape)[None]
  np.testing.assert_allclose(blended[known], images[known], atol=1e-6)


def test_client_defaults_are_the_served_defaults():
  defaults = SearchConfig()
  assert (
    client.DEFAULT_STEPS,
    client.DEFAULT_RESTARTS,
    client.DEFAULT_SEED,
  ) == (defaults.steps, defaults.restarts, defaults.seed)


def test_sample_signature_over_columnar_rest(tiny_export):
  generator = _load(tiny_export[1], "generator")
  # Scalar inputs: the columnar format is the only REST form that fits.
  body = {"signature_name": "sample", "inputs": {"count": 3, "seed": 11}}
  signature = generator.signatures[body["signature_name"]]
  out = signature(**_feeds_from_json(body, signature))
  decoded = client.decode_rest_response(tf_serving_response(out, "inputs"))
  z = np.asarray(decoded["z"])
  assert z.shape == (3, 8) and np.all(np.abs(z) <= 1.0)
  assert np.asarray(decoded["images"]).shape == (3, SIZE, SIZE, 1)


def test_decode_rest_response_layouts_and_errors():
  png = b"\x89PNG\r\n\x1a\n"
  b64 = base64.b64encode(png).decode("ascii")
  assert client.decode_rest_response(
    {"predictions": [{"b64": b64}]}, output_name="x_bytes"
  ) == {"x_bytes": [png]}
  assert client.decode_rest_response(
    {"outputs": {"a_bytes": [{"b64": b64}], "loss": [0.5]}}
  ) == {"a_bytes": [png], "loss": [0.5]}
  assert client.decode_rest_response('{"outputs": [1.0, 2.0]}') == {
    "output": [1.0, 2.0]
  }
  with pytest.raises(client.ClientError, match="the server answered: bad"):
    client.decode_rest_response({"error": "bad"})
  with pytest.raises(client.ClientError, match="no 'predictions'"):
    client.decode_rest_response({"result": 1})


@pytest.mark.parametrize(
  "extra, message",
  [
    (
      ("--steps=5",),
      "--steps applies to --format=columnar or grpc "
      "(complete_options), not --format=b64",
    ),
    (("--format=instances", "--seed=1"), "--seed applies to"),
    (("--format=columnar", "--steps=-1"), "--steps=-1 must be between 0 and"),
    (
      ("--format=columnar", "--restarts=0"),
      "--restarts=0 must be between 1 and",
    ),
    (("--format=columnar", "--seed=-3"), "--seed=-3 must be between 0 and"),
    (
      ("--format=columnar", f"--steps={2**31}"),
      f"--steps={2**31} must be between 0 and {2**31 - 1}",
    ),
  ],
)
def test_client_option_flags_fail_in_one_line(digit_files, extra, message):
  image_path, mask_path = digit_files[:2]
  result = cli(
    "export.client_main", f"--image={image_path}", f"--mask={mask_path}", *extra
  )
  assert result.returncode == 2, result.stderr[-2000:]
  lines = result.stderr.strip().splitlines()
  assert lines[-1].startswith("export.client: error: "), result.stderr
  assert message in lines[-1]
  assert "Traceback" not in result.stderr


def test_the_library_defines_no_flags():
  # README and docs/serving.md tell users `from export import client`: it
  # must not register --image, --seed, ... in their process.
  code = (
    "import sys; from absl import flags; before = set(flags.FLAGS); "
    "from export import client; "
    "print(sorted(set(flags.FLAGS) - before))"
  )
  result = run_python(code, timeout=120)
  assert result.returncode == 0, result.stderr[-2000:]
  assert result.stdout.strip() == "[]"


def test_program_prints_the_library_request(digit_files):
  image_path, mask_path = digit_files[:2]
  result = cli(
    "export.client_main",
    f"--image={image_path}",
    f"--mask={mask_path}",
    "--format=b64",
  )
  assert result.returncode == 0, result.stderr[-2000:]
  assert json.loads(result.stdout) == json.loads(
    client.build_request(image_path, mask_path, "b64", 1)
  )


def _manual_request_commands():
  """The `python -m export.client...` commands of README.md and docs/, each
  as its arguments (continuation lines joined, the redirection left out)."""
  commands = []
  for path in [
    os.path.join(REPO, "README.md"),
    *sorted(glob.glob(os.path.join(REPO, "docs", "*.md"))),
  ]:
    with open(path, encoding="utf-8") as f:
      text = f.read().replace("\\\n", " ")
    # Code lines only: `^ +python -m`, up to a redirection.
    for match in re.finditer(
      r"^ +python -m (export\.client(?:_main)?) ([^\n>]*)", text, re.M
    ):
      commands.append(
        (os.path.basename(path), match.group(1), shlex.split(match.group(2)))
      )
  return commands


@pytest.mark.slow
def test_the_manual_request_commands_run(digit_files):
  # Whichever module name the manual spells (export.client_main, or the
  # older export.client), its commands must run with its flags.
  image_path, mask_path = digit_files[:2]
  commands = _manual_request_commands()
  assert commands, "no `python -m export.client_main` in README.md or docs/"
  for source, module, args in commands:
    args = [
      arg.replace("digit.png", image_path).replace("mask.png", mask_path)
      for arg in args
    ]
    result = cli(module, *args)
    assert result.returncode == 0, (source, args, result.stderr[-2000:])
    assert json.loads(result.stdout)["signature_name"], (source, args)
