"""Ordinary mistakes, one table: every bad input a user can give the four
commands, `export.client` and the served completer's three signatures.

A command must answer with exactly one line `PROG: error: ...` that names the
flag, file or field, exit with status 2, print no traceback, never hang, and
leave nothing behind: no new file anywhere, inputs byte-identical. A served
request must fail with INVALID_ARGUMENT naming the field.
"""

import glob
import hashlib
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import cli, gray_png, subprocess_env, write_image
from tests.test_feature_search import export_without_split

SIZE = 16  # the tiny preset's image size
PROGS = {
  "training.main": "dcgan-train",
  "export.main": "dcgan-export",
  "inpainting.main": "dcgan-complete",
  "demo.main": "dcgan-demo",
  "inpainting.bulk_main": "dcgan-complete-bulk",
  "export.client_main": "export.client",
}

# Placeholders: {out} is a fresh folder that must stay empty (outputs,
# workdirs and export dirs of the run go under it); {in} holds prepared
# inputs; {workdir} and {export} are a trained and exported tiny model.
TRAIN = "training.main"
EXPORT = "export.main"
COMPLETE = "inpainting.main"
BULK = "inpainting.bulk_main"
DEMO = "demo.main"
CLIENT = "export.client_main"
RUN = "--workdir={out}/run"
GOOD_EXPORT = ("--workdir={workdir}", "--export_dir={out}/e")
GOOD_COMPLETE = (
  "--model_dir={export}",
  "--images={in}/images",
  "--out={out}/o",
  "--steps=2",
  "--pool_size=4",
)
GOOD_CLIENT = ("--image={in}/gray16.png", "--mask={in}/gray16.png")

CLI_CASES = [
  # dcgan-train
  (TRAIN, ("--config=tiny",), "--workdir is required"),
  (TRAIN, (RUN, "--config=mnist99"), "unknown preset 'mnist99'"),
  (TRAIN, (RUN, "--batch_size=0"), "batch_size=0 must be a positive"),
  (TRAIN, (RUN, "--batch_size=-3"), "batch_size=-3 must be a positive"),
  (TRAIN, (RUN, "--max_steps=0"), "max_steps=0 must be a positive"),
  (TRAIN, (RUN, "--max_steps=abc"), "flag --max_steps=abc"),
  (TRAIN, (RUN, "--checkpoint_every=0"), "checkpoint_every=0 must be"),
  (TRAIN, (RUN, "--log_every=-1"), "log_every=-1 must be a positive"),
  (TRAIN, (RUN, "--seed=-5"), "seed=-5 must be an integer in"),
  (TRAIN, (RUN, "--learning_rate=nan"), "learning_rate=nan must be a finite"),
  (TRAIN, (RUN, "--learning_rate=inf"), "learning_rate=inf must be a finite"),
  (TRAIN, (RUN, "--learning_rate=-1"), "learning_rate=-1.0 must be a"),
  (TRAIN, (RUN, "--image_size=48"), "image_size=48 must be a power"),
  (TRAIN, (RUN, "--channels=2"), "channels=2 must be 1 or 3"),
  (TRAIN, (RUN, "--strategy=ring"), "strategy='ring' must be one of"),
  (TRAIN, (RUN, "--mixed_precision=fp8"), "mixed_precision='fp8' must be"),
  (TRAIN, (RUN, "--strategy=tpu"), "needs a TPU name or address (--tpu)"),
  (
    TRAIN,
    (RUN, "--config.ema_decay=1"),
    "ema_decay=1.0 must be a finite number in [0, 1)",
  ),
  (
    TRAIN,
    (RUN, "--config.encoder_steps=-1"),
    "encoder_steps=-1 must be an integer >= 0",
  ),
  (
    TRAIN,
    (RUN, "--config.encoder_learning_rate=0"),
    "encoder_learning_rate=0.0 must be a finite number > 0",
  ),
  (
    TRAIN,
    (RUN, "--config.encoder_schedule=linear"),
    "encoder_schedule='linear' must be constant or cosine",
  ),
  (
    TRAIN,
    (RUN, "--config.encoder_latent_weight=-1"),
    "encoder_latent_weight=-1.0 must be a finite number >= 0",
  ),
  (TRAIN, (RUN, "--config.model.ef=0"), "ef=0 must be a positive integer"),
  (
    TRAIN,
    (RUN, "--config.augment=blur"),
    "--config.augment='blur' must be a comma list of distinct policies from "
    "color, translation, cutout",
  ),
  (
    TRAIN,
    (RUN, "--config.augment=color,color"),
    "--config.augment='color,color' must be a comma list of distinct",
  ),
  (
    TRAIN,
    (RUN, "--config.r1_weight=-1"),
    "--config.r1_weight=-1.0 must be a finite number >= 0",
  ),
  (
    TRAIN,
    (RUN, "--config.r1_weight=nan"),
    "--config.r1_weight=nan must be a finite number >= 0",
  ),
  (
    TRAIN,
    (RUN, "--config.d_learning_rate=0"),
    "--config.d_learning_rate=0.0 must be a finite number > 0",
  ),
  (
    TRAIN,
    (RUN, "--config.d_learning_rate=inf"),
    "--config.d_learning_rate=inf must be a finite number > 0",
  ),
  (
    TRAIN,
    (RUN, "--config.model.spectral_norm=maybe"),
    "flag --config.model.spectral_norm=maybe: ('Non-boolean argument",
  ),
  (
    TRAIN,
    (RUN, "--config.mirror=sometimes"),
    "flag --config.mirror=sometimes: ('Non-boolean argument",
  ),
  (
    TRAIN,
    ("--workdir={workdir}", "--config=tiny", "--config.mirror"),
    "config.json: the run in this workdir has mirror=False, not mirror=True",
  ),
  (
    TRAIN,
    ("--workdir={workdir}", "--config=tiny", "--config.model.spectral_norm"),
    "config.json: the run in this workdir has model",
  ),
  (
    TRAIN,
    ("--workdir={workdir}", "--config=tiny", "--config.augment=cutout"),
    "config.json: the run in this workdir has augment='', not "
    "augment='cutout'; pass its values to resume it",
  ),
  (
    TRAIN,
    (RUN, "--config=tiny", "--strategy=multi_worker"),
    "needs the TF_CONFIG environment variable",
  ),
  (TRAIN, (RUN, "--collective_timeout_s=0"), "collective_timeout_s=0.0"),
  (TRAIN, (RUN, "--dataset=bogus"), "--dataset='bogus': expected"),
  (TRAIN, (RUN, "--dataset=embedded:cifar"), "unknown embedded data set"),
  (
    TRAIN,
    (RUN, "--dataset=folder:{in}/nope"),
    "folder:{in}/nope: no such directory",
  ),
  (TRAIN, (RUN, "--dataset=folder:{in}/empty"), "no PNG or JPEG files"),
  (TRAIN, (RUN, "--dataset=folder:{in}/file.txt"), "not a directory"),
  (
    TRAIN,
    ("--workdir={in}/file.txt",),
    "--workdir={in}/file.txt: exists and is not a directory",
  ),
  (
    TRAIN,
    ("--workdir={in}/corrupt_config",),
    "corrupt_config/config.json: unreadable, not valid JSON",
  ),
  (
    TRAIN,
    ("--workdir={in}/no_model_config",),
    'no_model_config/config.json: has no "model" section',
  ),
  (
    TRAIN,
    ("--workdir={workdir}", "--config=mnist32"),
    "config.json: the run in this workdir has model",
  ),
  (
    TRAIN,
    ("--workdir={workdir}", "--config=tiny", "--dataset=folder:{in}/images"),
    "config.json: the run in this workdir has dataset='embedded:mnist', not "
    "dataset='folder:{in}/images'; pass its values to resume it",
  ),
  (TRAIN, (RUN, "--config.nope=1"), "Unknown command line flag 'config.nope'"),
  (
    TRAIN,
    (RUN, "--config.beta1=1.5"),
    "beta1=1.5 must be a finite number in [0, 1)",
  ),
  (TRAIN, (RUN, "--config.model.z_dim=0"), "z_dim=0 must be a positive"),
  (TRAIN, (RUN, "--config={in}/nope.py"), "nope.py: no such file"),
  (
    TRAIN,
    (RUN, "--batch_size=3", "--config.batch_size=4"),
    "--config.batch_size=4 and --batch_size=3 disagree",
  ),
  (TRAIN, (RUN, "extra"), "unexpected arguments: extra"),
  (TRAIN, (RUN, "--nosuch=1"), "Unknown command line flag 'nosuch'"),
  # After TensorFlow loads: the data set is resolved in the job.
  (
    TRAIN,
    (
      RUN,
      "--config=tiny",
      "--dataset=tfds:no_such_data",
      "--tfds_data_dir={in}/empty",
    ),
    "--dataset=tfds:no_such_data",
  ),
  (
    TRAIN,
    (
      RUN,
      "--config=tiny",
      "--strategy=tpu",
      "--tpu=no_such_tpu",
      "--collective_timeout_s=30",
    ),
    "--tpu=no_such_tpu: cannot",
  ),
  # dcgan-export
  (EXPORT, ("--workdir={workdir}",), "--export_dir is required"),
  (EXPORT, ("--export_dir={out}/e",), "--workdir is required"),
  (
    EXPORT,
    GOOD_EXPORT + ("--version=0",),
    "--version=0 must be an integer >= 1",
  ),
  (EXPORT, GOOD_EXPORT + ("--version=-3",), "--version=-3 must be"),
  (EXPORT, GOOD_EXPORT + ("--search=w",), "--search='w' must be one of z"),
  (EXPORT, GOOD_EXPORT + ("--codes=0",), "--codes=0 must be an integer >= 1"),
  (
    EXPORT,
    GOOD_EXPORT + ("--view_tolerance=nan",),
    "--view_tolerance=nan must be a finite number >= 0",
  ),
  (
    EXPORT,
    GOOD_EXPORT + ("--views=9",),
    "--views=9 must be an integer in [1, 8]",
  ),
  (
    EXPORT,
    GOOD_EXPORT + ("--tune_learning_rate=nan",),
    "--tune_learning_rate=nan must be a finite number > 0",
  ),
  (EXPORT, GOOD_EXPORT + ("--version=abc",), "flag --version=abc"),
  (
    EXPORT,
    GOOD_EXPORT + ("--raw_generator=maybe",),
    "flag --raw_generator=maybe",
  ),
  (EXPORT, GOOD_EXPORT + ("--max_batch=0",), "--max_batch=0 must be"),
  (EXPORT, GOOD_EXPORT + ("--max_steps=-1",), "--max_steps=-1 must be"),
  (EXPORT, GOOD_EXPORT + ("--max_restarts=0",), "--max_restarts=0 must"),
  (EXPORT, GOOD_EXPORT + ("--max_png_bytes=0",), "--max_png_bytes=0"),
  (EXPORT, GOOD_EXPORT + ("extra",), "unexpected arguments"),
  (
    EXPORT,
    ("--workdir={in}/file.txt", "--export_dir={out}/e"),
    "--workdir={in}/file.txt: not a directory",
  ),
  (
    EXPORT,
    ("--workdir={workdir}", "--export_dir={in}/file.txt"),
    "--export_dir={in}/file.txt: not a directory",
  ),
  (
    EXPORT,
    ("--workdir={in}/nope", "--export_dir={out}/e"),
    "--workdir={in}/nope: no such directory",
  ),
  (
    EXPORT,
    ("--workdir={in}/corrupt_config", "--export_dir={out}/e"),
    "corrupt_config/config.json: unreadable, not valid JSON",
  ),
  (
    EXPORT,
    ("--workdir={in}/no_model_config", "--export_dir={out}/e"),
    'no_model_config/config.json: has no "model" section',
  ),
  (
    EXPORT,
    ("--workdir={in}/empty", "--export_dir={out}/e"),
    "empty/config.json: not found",
  ),
  (
    EXPORT,
    GOOD_EXPORT + ("--checkpoint={in}/nope",),
    "--checkpoint={in}/nope: not found",
  ),
  (
    EXPORT,
    ("--workdir={in}/damaged_run", "--export_dir={out}/e"),
    "cannot restore the networks, damaged or of another model",
  ),
  (
    EXPORT,
    ("--workdir={workdir}", "--export_dir={export}", "--version=1"),
    "generator/1 already exists; exported versions are never overwritten",
  ),
  # dcgan-complete
  (COMPLETE, GOOD_COMPLETE[1:], "--model_dir is required"),
  (COMPLETE, GOOD_COMPLETE[:1] + GOOD_COMPLETE[2:], "--images is required"),
  (COMPLETE, GOOD_COMPLETE[:2], "--out is required"),
  (COMPLETE, GOOD_COMPLETE + ("--batch_size=0",), "--batch_size=0 must be"),
  (COMPLETE, GOOD_COMPLETE + ("--batch_size=-3",), "--batch_size=-3"),
  (COMPLETE, GOOD_COMPLETE + ("--version=0",), "--version=0 must be"),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--version=7",),
    "--version=7: {export} has no version 7",
  ),
  (
    COMPLETE,
    ("--model_dir={in}/damaged_export",) + GOOD_COMPLETE[1:],
    "damaged_export/generator/1 is damaged and cannot be loaded",
  ),
  (COMPLETE, GOOD_COMPLETE + ("--mask=",), "--mask=: empty mask spec"),
  (COMPLETE, GOOD_COMPLETE + ("--mask=center,",), "empty mask spec"),
  (COMPLETE, GOOD_COMPLETE + ("--mask=star",), "unknown mask type 'star'"),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=grid:0",),
    "--mask=grid:0: period must be >= 1",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=grid:16",),
    "--mask=grid:16: period must be in [1, 16)",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=irregular:100000000",),
    "--mask=irregular:100000000: strokes must be in [1, 64]",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=center:nan",),
    "--mask=center:nan: scale must be in (0, 1)",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=random:1.5",),
    "--mask=random:1.5: fraction must be in (0, 1)",
  ),
  (COMPLETE, GOOD_COMPLETE + ("--mask=half:diagonal",), "side must be"),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=file:{in}/nope.png",),
    "--mask=file:{in}/nope.png: no such file",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=file:{in}/fifo",),
    "--mask=file:{in}/fifo: not a regular file",
  ),
  # A mask file of another size is resized like the image; this one is
  # all white.
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=file:{in}/mask20.png",),
    "mask20.png: the mask has no missing pixel",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=file:{in}/black16.png",),
    "black16.png: the mask has no known pixel",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--mask=file:{in}/junk.png",),
    "junk.png: not a readable PNG/JPEG image",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--pool_size=-1",),
    "--pool_size=-1 must be an integer >= 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--learning_rate=nan",),
    "--learning_rate=nan must be a finite number > 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--prior_weight=inf",),
    "--prior_weight=inf must be a finite number >= 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--anchor_weight=-0.5",),
    "--anchor_weight=-0.5 must be a finite number >= 0",
  ),
  (COMPLETE, GOOD_COMPLETE + ("--seed=-5",), "--seed=-5 must be"),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--search=gan",),
    "--search='gan' must be one of z",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--search=",),
    "--search='' must be one of z, ilo, mgan",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--codes=0",),
    "--codes=0 must be an integer >= 1",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--feature_steps=-1",),
    "--feature_steps=-1 must be an integer >= 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--feature_radius=nan",),
    "--feature_radius=nan must be a finite number >= 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--feature_learning_rate=0",),
    "--feature_learning_rate=0.0 must be a finite number > 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--view_tolerance=-1",),
    "--view_tolerance=-1.0 must be a finite number >= 0",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--views=0",),
    "--views=0 must be an integer in [1, 8]",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE + ("--tune_learning_rate=-1",),
    "--tune_learning_rate=-1.0 must be a finite number > 0",
  ),
  (
    COMPLETE,
    ("--model_dir={in}/unsplit_export",)
    + GOOD_COMPLETE[1:]
    + ("--search=dgp",),
    "--search=dgp: version 1 of this export has no features/from_features",
  ),
  (
    COMPLETE,
    ("--model_dir={in}/unsplit_export",)
    + GOOD_COMPLETE[1:]
    + ("--search=ilo",),
    "--search=ilo: version 1 of this export has no features/from_features",
  ),
  (COMPLETE, GOOD_COMPLETE + ("--restarts=0",), "--restarts=0 must be"),
  (COMPLETE, GOOD_COMPLETE + ("--steps=abc",), "flag --steps=abc"),
  (
    COMPLETE,
    ("--model_dir={in}/nope",) + GOOD_COMPLETE[1:],
    "--model_dir={in}/nope: no such directory",
  ),
  (
    COMPLETE,
    ("--model_dir={in}/file.txt",) + GOOD_COMPLETE[1:],
    "--model_dir={in}/file.txt: not a directory",
  ),
  (
    COMPLETE,
    ("--model_dir={in}/empty",) + GOOD_COMPLETE[1:],
    "holds no exported version",
  ),
  # an ensemble (--model_dir=A,B): each member as one export, and the list
  (
    COMPLETE,
    ("--model_dir={export},",) + GOOD_COMPLETE[1:],
    "--model_dir={export},: an empty export dir in the list",
  ),
  (
    COMPLETE,
    ("--model_dir={export},{export}",) + GOOD_COMPLETE[1:],
    "{export} is named twice (an ensemble's members must differ)",
  ),
  (
    COMPLETE,
    ("--model_dir={export},{in}/nope",) + GOOD_COMPLETE[1:],
    "--model_dir={in}/nope: no such directory",
  ),
  (
    COMPLETE,
    ("--model_dir={export},{in}/empty",) + GOOD_COMPLETE[1:],
    "--model_dir: {in}/empty holds no exported version",
  ),
  (
    COMPLETE,
    ("--model_dir={export},{in}/damaged_export",) + GOOD_COMPLETE[1:],
    "damaged_export/generator/1 is damaged and cannot be loaded",
  ),
  (
    COMPLETE,
    ("--model_dir={export}", "--images={in}/nope/*.png", "--out={out}/o"),
    "no image files found",
  ),
  (
    COMPLETE,
    ("--model_dir={export}", "--images={in}/empty", "--out={out}/o"),
    "no PNG/JPEG image files found",
  ),
  (
    COMPLETE,
    ("--model_dir={export}", "--images={in}/fifo", "--out={out}/o"),
    "--images={in}/fifo: not a regular file",
  ),
  (
    COMPLETE,
    ("--model_dir={export}", "--images={in}/junk.png", "--out={out}/o"),
    "junk.png: not a readable PNG/JPEG image",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE[:2] + ("--out={in}/file.txt",),
    "--out={in}/file.txt: exists and is not a directory",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE[:2] + ("--out={in}/corrupt_config",),
    "--out={in}/corrupt_config: is not empty",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE[:2] + ("--out={in}/images",),
    "--out={in}/images: is inside {in}/images",
  ),
  (
    COMPLETE,
    GOOD_COMPLETE[:2] + ("--out={in}/images/sub",),
    "is inside {in}/images, the folder --images={in}/images reads",
  ),
  (COMPLETE, GOOD_COMPLETE + ("extra",), "unexpected arguments: extra"),
  # dcgan-complete-bulk: dcgan-complete's flags, and its own
  (BULK, GOOD_COMPLETE[1:], "--model_dir is required"),
  (
    BULK,
    ("--model_dir={in}/unsplit_export",)
    + GOOD_COMPLETE[1:]
    + ("--search=ilo",),
    "--search=ilo: version 1 of this export has no features/from_features",
  ),
  (
    BULK,
    ("--model_dir={in}/nope",) + GOOD_COMPLETE[1:],
    "--model_dir={in}/nope: no such directory",
  ),
  (
    BULK,
    ("--model_dir={in}/empty",) + GOOD_COMPLETE[1:],
    "holds no exported version",
  ),
  (
    BULK,
    ("--model_dir={export},{export}",) + GOOD_COMPLETE[1:],
    "{export} is named twice (an ensemble's members must differ)",
  ),
  (
    BULK,
    ("--model_dir={in}/nope,{export}",) + GOOD_COMPLETE[1:],
    "--model_dir={in}/nope: no such directory",
  ),
  (BULK, GOOD_COMPLETE + ("--workers=0",), "--workers=0 must be an integer"),
  (BULK, GOOD_COMPLETE + ("--batch_size=0",), "--batch_size=0 must be"),
  (BULK, GOOD_COMPLETE + ("--steps=-1",), "--steps=-1 must be"),
  (BULK, GOOD_COMPLETE + ("--mask=oval",), "oval"),
  (
    BULK,
    GOOD_COMPLETE + ("--mask=dir:{in}/nope",),
    "--mask=dir:{in}/nope: dir:FOLDER must be the only mask spec",
  ),
  (
    BULK,
    (
      "--model_dir={export}",
      "--images=tfrecord:{in}/nope/*.tfrecord",
      "--out={out}/o",
    ),
    "no TFRecord files found",
  ),
  (
    BULK,
    ("--model_dir={export}", "--images={in}/nope/*.png", "--out={out}/o"),
    "no image files found",
  ),
  (
    BULK,
    GOOD_COMPLETE[:2] + ("--out={in}/corrupt_config",),
    "--out={in}/corrupt_config: holds config.json that no "
    "dcgan-complete-bulk run wrote",
  ),
  (
    BULK,
    GOOD_COMPLETE[:2] + ("--out={in}/images/sub",),
    "is inside {in}/images, the folder --images={in}/images reads",
  ),
  (BULK, GOOD_COMPLETE + ("extra",), "unexpected arguments: extra"),
  # dcgan-demo
  (DEMO, (RUN, "--train_steps=0"), "--train_steps=0 must be an integer"),
  (DEMO, (RUN, "--train_steps=-1"), "--train_steps=-1 must be an integer"),
  (DEMO, (RUN, "--search_steps=-5"), "--search_steps=-5 must be"),
  (DEMO, (RUN, "--encoder_steps=-1"), "--encoder_steps=-1 must be"),
  (
    DEMO,
    (RUN, "--images_per_digit=0"),
    "--images_per_digit=0 must be an integer in [1, 50]",
  ),
  (DEMO, (RUN, "--images_per_digit=51"), "--images_per_digit=51 must be"),
  (DEMO, (RUN, "--train_steps=x"), "flag --train_steps=x"),
  (DEMO, (RUN, "extra"), "unexpected arguments: extra"),
  (DEMO, ("--workdir={in}/file.txt",), "exists and is not a directory"),
  (DEMO, ("--workdir={in}/file.txt/sub",), "file.txt is not a directory"),
  # export.client
  (CLIENT, ("--image={in}/gray16.png",), "--image and --mask are required"),
  (
    CLIENT,
    ("--image={in}/nope.png", "--mask={in}/gray16.png"),
    "--image={in}/nope.png: no such file",
  ),
  (
    CLIENT,
    ("--image={in}/gray16.png", "--mask={in}/junk.png"),
    "--mask={in}/junk.png: not a PNG",
  ),
  (
    CLIENT,
    ("--image={in}/cut.png", "--mask={in}/gray16.png"),
    "--image={in}/cut.png: damaged PNG",
  ),
  (
    CLIENT,
    ("--image={in}/empty", "--mask={in}/gray16.png"),
    "--image={in}/empty: a directory, not a PNG file",
  ),
  (
    CLIENT,
    ("--image={in}/rgb16.png", "--mask={in}/gray16.png"),
    "--image={in}/rgb16.png is RGB (3 channels); the model takes --channels=1",
  ),
  (CLIENT, GOOD_CLIENT + ("--size=32",), "is 16x16; the model takes --size=32"),
  (
    CLIENT,
    ("--image={in}/gray16.png", "--mask={in}/mask20.png"),
    "--mask={in}/mask20.png is 20x20 but --image is 16x16",
  ),
  (CLIENT, GOOD_CLIENT + ("--channels=2",), "--channels=2 must be 1 or 3"),
  (CLIENT, GOOD_CLIENT + ("--format=xml",), "flag --format=xml"),
]


def _case_id(case):
  module, flags, _ = case
  return f"{PROGS[module]}:{' '.join(flags)}"[:90]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, tiny_export):
  """{placeholder: path}: the prepared inputs the table refers to."""
  root = tmp_path_factory.mktemp("bad_inputs")
  folder = root / "in"
  (folder / "empty").mkdir(parents=True)
  (folder / "file.txt").write_text("not a directory")
  (folder / "junk.png").write_bytes(b"\x89PNG not really an image")
  os.mkfifo(folder / "fifo")  # reading it would block forever
  rng = np.random.default_rng(0)
  for name in ("a.png", "b.png"):
    write_image(
      str(folder / "images" / name),
      rng.integers(0, 256, (SIZE, SIZE, 1), np.uint8),
    )
  write_image(str(folder / "gray16.png"), np.zeros((SIZE, SIZE, 1), np.uint8))
  write_image(str(folder / "rgb16.png"), np.zeros((SIZE, SIZE, 3), np.uint8))
  write_image(str(folder / "mask20.png"), np.full((20, 20, 1), 255, np.uint8))
  write_image(str(folder / "black16.png"), np.zeros((SIZE, SIZE, 1), np.uint8))
  (folder / "cut.png").write_bytes((folder / "gray16.png").read_bytes()[:-20])
  (folder / "corrupt_config").mkdir()
  (folder / "corrupt_config" / "config.json").write_text('{"model": ')
  (folder / "no_model_config").mkdir()
  (folder / "no_model_config" / "config.json").write_text('{"seed": 1}')
  workdir, export_dir = tiny_export
  damaged = folder / "damaged_run"
  shutil.copytree(workdir, damaged)
  for path in glob.glob(str(damaged / "checkpoints" / "*.data-*")):
    with open(path, "r+b") as f:
      f.truncate(100)
  export_without_split(export_dir, folder / "unsplit_export")
  damaged_export = folder / "damaged_export"
  shutil.copytree(export_dir, damaged_export)
  for path in glob.glob(
    str(damaged_export / "generator" / "*" / "variables" / "*.data-*")
  ):
    open(path, "wb").close()  # emptied, as by a full disk
  return {"in": str(folder), "workdir": workdir, "export": export_dir}


def _snapshot(*roots):
  """{path: digest} of every file and folder under roots (FIFOs by name)."""
  found = {}
  for root in roots:
    for path in glob.glob(os.path.join(root, "**"), recursive=True):
      if os.path.isfile(path):
        with open(path, "rb") as f:
          found[path] = hashlib.sha1(f.read()).hexdigest()
      else:
        found[path] = "dir-or-special"
    for path in glob.glob(os.path.join(root, "**", ".*"), recursive=True):
      found[path] = "hidden"
  return found


@pytest.mark.slow
@pytest.mark.parametrize("case", CLI_CASES, ids=_case_id)
def test_command_refuses_in_one_line_and_leaves_nothing(inputs, tmp_path, case):
  module, flags, message = case
  out = tmp_path / "out"
  out.mkdir()
  places = dict(inputs, out=str(out))
  flags = [flag.format(**places) for flag in flags]
  watched = (inputs["in"], inputs["workdir"], inputs["export"])
  before = _snapshot(*watched)

  result = cli(module, *flags, timeout=120)

  prog = PROGS[module]
  assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
  assert "Traceback" not in result.stderr + result.stdout
  error_lines = [
    line for line in result.stderr.splitlines() if ": error: " in line
  ]
  assert len(error_lines) == 1, result.stderr[-2000:]
  assert result.stderr.strip().splitlines()[-1] == error_lines[0]
  assert error_lines[0].startswith(f"{prog}: error: "), error_lines
  assert message.format(**places) in error_lines[0], error_lines[0]
  # Nothing left behind: no output, no staging, inputs unchanged.
  assert os.listdir(out) == []
  assert _snapshot(*watched) == before


def test_malformed_tf_config_is_refused_before_training(tmp_path):
  result = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={tmp_path / 'run'}",
    env=subprocess_env(
      TF_CONFIG='{"cluster": {"worker": []}, "task": {"type": "worker"}}'
    ),
  )
  assert result.returncode == 2
  assert result.stderr.strip().splitlines() == [
    "dcgan-train: error: TF_CONFIG 'cluster' must map job names to "
    "non-empty lists of 'host:port' addresses"
  ]
  assert not os.path.exists(tmp_path / "run")


# The served completer: (signature, inputs, message). Arrays first.
def _arrays(count=1, size=SIZE):
  """`count` black images and centre-hole masks of `size`."""
  masks = np.ones((count, size, size, 1), np.float32)
  masks[:, size // 4 : -(size // 4), size // 4 : -(size // 4)] = 0.0
  return np.zeros((count, size, size, 1), np.float32), masks


def _served_cases():
  images, masks = _arrays()
  over_images, over_masks = _arrays(65)
  none_images, none_masks = _arrays(0)
  big_images, big_masks = _arrays(1, 32)
  array_cases = [
    (
      {"images": images, "masks": masks * 0.5},
      r"masks must be exactly 0 \(missing\) or 1 \(known\); found 0.5",
    ),
    ({"images": images, "masks": masks * 2}, "masks must be exactly 0"),
    ({"images": images, "masks": masks + np.nan}, "masks must be exactly 0"),
    (
      {"images": images + np.nan, "masks": masks},
      r"images must be finite \(found NaN or Inf\)",
    ),
    ({"images": images - np.inf, "masks": masks}, "images must be finite"),
    (
      {"images": images + 255, "masks": masks},
      r"images must be in \[-1, 1\] .*found 255 to 255",
    ),
    ({"images": images + 1.01, "masks": masks}, r"images must be in \[-1, 1\]"),
    (
      {"images": over_images, "masks": over_masks},
      "batch=65 must be between 1 and 64 images",
    ),
    (
      {"images": none_images, "masks": none_masks},
      "batch=0 must be between 1 and 64 images",
    ),
    ({"images": images[0], "masks": masks}, "images must have rank 4"),
    ({"images": images, "masks": masks[..., 0]}, "masks must have rank 4"),
    ({"images": big_images, "masks": big_masks}, "images must be 16x16x1"),
    (
      {"images": images, "masks": big_masks},
      "masks must match the images in batch, height and width",
    ),
  ]
  cases = [
    (signature, feeds, message)
    for feeds, message in array_cases
    for signature in ("serving_default", "complete_options")
  ]
  for steps, restarts, message in [
    (2001, 1, "steps=2001 must be between 0 and 2000"),
    (-1, 1, "steps=-1 must be between 0 and 2000"),
    (1, 0, "restarts=0 must be between 1 and 16"),
    (1, 17, "restarts=17 must be between 1 and 16"),
    # Seven GB of candidates if it were allowed to start.
    (1, 5_000_000, "restarts=5000000 must be between 1 and 16"),
  ]:
    cases.append(
      (
        "complete_options",
        {
          "images": images,
          "masks": masks,
          "steps": np.int32(steps),
          "restarts": np.int32(restarts),
        },
        message,
      )
    )
  good = gray_png(SIZE, SIZE)
  # 20000x20000: 389 KB as PNG, 400 MB decoded. Refused from its header.
  huge = gray_png(20000, 20000)
  for image_pngs, mask_pngs, message in [
    (
      [huge],
      [good],
      r"image_png\[0\] is 20000x20000 pixels; the model "
      "completes 16x16",
    ),
    ([good, good], [good, huge], r"mask_png\[1\] is 20000x20000 pixels"),
    (
      [b"junk"],
      [good],
      r"image_png\[0\] is not a PNG \(no PNG signature and IHDR header\)",
    ),
    ([good], [b"\xff\xd8\xff\xe0" + bytes(40)], r"mask_png\[0\] is not a"),
    (
      [good],
      [gray_png(17, 16)],
      r"mask_png\[0\] is 17x16 pixels; the model completes 16x16",
    ),
    ([good], [good, good], "mask_png holds 2 PNGs but image_png 1"),
    ([], [], "image_png holds 0 PNGs; a request takes 1 to 64"),
    ([good] * 65, [good] * 65, "image_png holds 65 PNGs"),
    (
      [good + bytes(1 << 20)],
      [good],
      r"image_png\[0\] is \d+ bytes; at most 1048576",
    ),
    ([good, good[:20]], [good, good], r"image_png\[1\] is not a PNG"),
  ]:
    cases.append(
      (
        "complete_png",
        {"image_png": image_pngs, "mask_png": mask_pngs},
        message,
      )
    )
  return cases


SERVED_CASES = _served_cases()


@pytest.fixture(scope="module")
def completer(tiny_export):
  return tf.saved_model.load(os.path.join(tiny_export[1], "completer", "1"))


@pytest.mark.parametrize(
  "case", SERVED_CASES, ids=lambda c: f"{c[0]}:{c[2][:60]}"
)
def test_served_request_is_invalid_argument_naming_the_field(completer, case):
  signature, feeds, message = case
  feeds = dict(feeds)
  if signature == "complete_options":
    feeds.setdefault("steps", np.int32(0))
    feeds.setdefault("restarts", np.int32(1))
    feeds["seed"] = np.int64(0)
  if signature == "complete_png":
    feeds = {k: tf.constant(v, tf.string) for k, v in feeds.items()}
  with pytest.raises(tf.errors.InvalidArgumentError, match=message):
    completer.signatures[signature](**feeds)


SAMPLE_CASES = [
  (0, "count=0 must be between 1 and 64 images"),
  (-1, "count=-1 must be between 1 and 64 images"),
  (65, "count=65 must be between 1 and 64 images"),
]


@pytest.mark.parametrize("count, message", SAMPLE_CASES)
def test_generator_sample_refuses_a_bad_count(tiny_export, count, message):
  generator = tf.saved_model.load(
    os.path.join(tiny_export[1], "generator", "1")
  )
  with pytest.raises(tf.errors.InvalidArgumentError, match=message):
    generator.signatures["sample"](count=np.int32(count), seed=np.int64(0))


def test_the_table_is_at_least_eighty_inputs():
  assert len(CLI_CASES) + len(SERVED_CASES) + len(SAMPLE_CASES) + 1 >= 80
