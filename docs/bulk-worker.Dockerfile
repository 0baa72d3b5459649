# Worker image for dcgan-complete-bulk on Dataflow, Flink or Spark.
#
#   docker build -f docs/bulk-worker.Dockerfile -t IMAGE .
#   docker push IMAGE
#
# Beam's own SDK image, with TensorFlow baked in (about 1.9 GB installed:
# installing it at every worker start would cost minutes per worker) and
# this project, whose completion library (common/, inpainting/) the workers
# run. Keep the Beam and Python versions those of the machine that launches
# the job.
FROM apache/beam_python3.11_sdk:2.77.0

RUN pip install --no-cache-dir "tensorflow==2.21.*"

COPY . /opt/dcgan-completion
RUN pip install --no-cache-dir "/opt/dcgan-completion[beam]"

# TensorFlow's C++ start-up lines on every worker are noise.
ENV TF_CPP_MIN_LOG_LEVEL=2
