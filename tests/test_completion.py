"""Latent search on reloaded SavedModels, the CLI, and the import boundary."""

import json
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from common import masks
from export import restore
from inpainting import complete, completion_graph, losses, search_config
from inpainting.saved_models import load_exported_gan
from inpainting.search import LatentSearch, SearchConfig
from inpainting.search_config import YEH_PRIOR_WEIGHT, default_config
from tests.conftest import (
  cli,
  run_python,
  write_noise_images,
)


def _search(gan, config: SearchConfig) -> LatentSearch:
  """A LatentSearch over the export's generator and discriminator."""
  return LatentSearch(gan.generate, gan.discriminate, gan.z_dim, config)


def _images(count=4, size=16):
  rng = np.random.default_rng(0)
  return rng.uniform(-1, 1, (count, size, size, 1)).astype(np.float32)


def test_gradients_through_savedmodels_equal_in_memory(tiny_export):
  workdir, export_dir = tiny_export
  gan = load_exported_gan(export_dir)
  run = restore.restore_networks(workdir)
  g, d = run.generator, run.discriminator
  images = _images()
  mask = masks.make_masks(["center", "random"], 4, 16)
  weights = losses.importance_weights(mask)
  z = tf.random.uniform((4, 8), -1, 1, seed=1)

  def gradient(generate, discriminate):
    with tf.GradientTape() as tape:
      tape.watch(z)
      generated = generate(z)
      loss = tf.reduce_sum(
        losses.contextual_loss(generated, images, weights)
        + 0.003 * losses.prior_loss(discriminate(generated))
      )
    return tape.gradient(loss, z).numpy()

  reloaded = gradient(gan.generate, gan.discriminate)
  in_memory = gradient(
    lambda z: g(z, training=False), lambda x: d(x, training=False)
  )
  assert np.abs(reloaded).sum() > 0
  np.testing.assert_allclose(reloaded, in_memory, rtol=1e-4, atol=1e-6)


def test_search_lowers_the_loss_and_keeps_z_in_range(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images = _images()
  mask = masks.make_masks(["center", "half", "irregular", "random"], 4, 16)
  search = _search(
    gan,
    SearchConfig(
      pool_size=0, restarts=2, learning_rate=0.05, anchor_weight=0.0
    ),
  )
  start = search(images, mask, steps=0)
  found = search(images, mask, steps=40)
  assert found["generated"].shape == (4, 16, 16, 1)
  assert np.all(found["loss"].numpy() < start["loss"].numpy())
  assert np.all(np.abs(found["z"].numpy()) <= 1.0)
  # The same seed gives the same result; the loop runs inside tf.function.
  compiled = tf.function(search)
  np.testing.assert_allclose(
    compiled(images, mask, steps=40)["loss"].numpy(),
    found["loss"].numpy(),
    rtol=1e-4,
  )


def test_anchor_keeps_the_steps_near_their_start(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images = _images()
  mask = masks.make_masks(["center", "half", "irregular", "random"], 4, 16)

  def search(anchor_weight):
    return _search(
      gan,
      SearchConfig(
        pool_size=0,
        restarts=1,
        learning_rate=0.05,
        anchor_weight=anchor_weight,
      ),
    )

  start = search(0.0)(images, mask, steps=0)
  free = search(0.0)(images, mask, steps=40)
  anchored = search(0.05)(images, mask, steps=40)

  def moved(found):
    return np.linalg.norm(found["z"].numpy() - start["z"].numpy(), axis=1)

  assert np.all(moved(free) > 0)
  assert np.all(moved(anchored) < moved(free))
  # The loss it reports (that ranks the restarts) is the fit alone,
  # without the anchor term.
  np.testing.assert_allclose(
    anchored["loss"].numpy(), anchored["contextual_loss"].numpy()
  )


def test_anchor_weight_is_per_pixel_value():
  from inpainting.search import anchor_scale

  # 16x16 RGB: 768 values; z_dim 8: 0.5 * 768 / 8 per squared unit of z.
  images = tf.zeros([2, 16, 16, 3])
  assert float(anchor_scale(images, 0.5, 8)) == pytest.approx(48.0)
  assert default_config(True).anchor_weight == 0.5
  assert default_config(False).anchor_weight == 0.0


def test_prior_weight_zero_never_runs_the_discriminator(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images, mask = _images(2), masks.make_masks(["center"], 2, 16)

  def no_discriminator(_):
    raise AssertionError("the discriminator ran")

  config = SearchConfig(pool_size=4, restarts=2, prior_weight=0.0)
  without = LatentSearch(gan.generate, no_discriminator, gan.z_dim, config)
  found = tf.function(without)(images, mask, steps=3)
  # The same search as with D's loss run and weighed next to nothing.
  reference = _search(
    gan, SearchConfig(pool_size=4, restarts=2, prior_weight=1e-30)
  )
  np.testing.assert_allclose(
    found["z"].numpy(),
    reference(images, mask, steps=3)["z"].numpy(),
    rtol=1e-5,
    atol=1e-6,
  )
  # With a prior, D's loss joins the total.
  prior = _search(gan, SearchConfig(pool_size=4, restarts=2, prior_weight=0.5))(
    images, mask, steps=0
  )
  assert np.all(
    np.abs(prior["loss"].numpy() - prior["contextual_loss"].numpy()) > 0
  )


def test_default_prior_weight_depends_on_the_encoder():
  assert default_config(True).prior_weight == 0.0
  assert default_config(False).prior_weight == YEH_PRIOR_WEIGHT == 0.003
  assert default_config(False, prior_weight=0.1).prior_weight == 0.1


def test_restarts_keep_the_best(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images, mask = _images(2), masks.make_masks(["center"], 2, 16)
  search = _search(gan, SearchConfig(pool_size=0))
  one = search(images, mask, steps=0, restarts=1)["loss"].numpy()
  many = search(images, mask, steps=0, restarts=8)["loss"].numpy()
  # The first of the 8 restarts is the single restart's z (same seed).
  assert np.all(many <= one + 1e-6)


def test_average_best_is_the_mean_of_the_lowest_loss_restarts(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images, mask = _images(2), masks.make_masks(["center"], 2, 16)
  config = SearchConfig(pool_size=0, restarts=4)
  sharp = _search(gan, config)
  blurred = _search(gan, SearchConfig(pool_size=0, restarts=4, average_best=3))
  best = sharp(images, mask, steps=0)
  mean = blurred(images, mask, steps=0)
  # Same z and loss of the best; "generated" is the mean of the 3 best.
  np.testing.assert_array_equal(best["z"].numpy(), mean["z"].numpy())
  np.testing.assert_allclose(
    best["generated"].numpy(), gan.generate(best["z"]).numpy(), atol=1e-6
  )
  z = sharp.starting_points(images, mask, losses.importance_weights(mask), 4, 0)
  total, _, generated = sharp.candidate_losses(
    z, tf.repeat(images, 4, 0), tf.repeat(losses.importance_weights(mask), 4, 0)
  )
  order = np.argsort(total.numpy().reshape(2, 4), axis=1)[:, :3]
  expected = generated.numpy().reshape(2, 4, 16, 16, 1)
  expected = np.stack([expected[i, order[i]].mean(0) for i in range(2)])
  np.testing.assert_allclose(mean["generated"].numpy(), expected, atol=1e-5)
  assert not np.allclose(
    mean["generated"].numpy(), best["generated"].numpy(), atol=1e-3
  )


def test_pool_start_is_never_worse_than_random_start(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images = _images(6)
  mask = masks.make_masks(["center", "random", "half"], 6, 16)
  weights = losses.importance_weights(mask)
  for seed in range(3):
    random = _search(gan, SearchConfig(pool_size=0, restarts=2))
    pooled = _search(gan, SearchConfig(pool_size=64, restarts=2))
    for_random = random.starting_points(images, mask, weights, 2, seed)
    for_pool = pooled.starting_points(images, mask, weights, 2, seed)

    def score(z):
      losses_ = losses.contextual_loss(
        gan.generate(z), tf.repeat(images, 2, 0), tf.repeat(weights, 2, 0)
      )
      return losses_.numpy().reshape(6, 2).min(axis=1)

    assert np.all(score(for_pool) <= score(for_random) + 1e-5)


def test_completer_blends_and_keeps_known_pixels(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images = _images(5)
  mask = masks.make_masks(["center", "irregular"], 5, 16)
  config = SearchConfig(steps=5, views=1)
  result = complete.Completer(gan, config, batch_size=2)(images, mask)
  known = np.broadcast_to(mask, images.shape) == 1
  for output in (result.completed, result.blended):
    np.testing.assert_array_equal(output[known], images[known])
  hole = ~known
  np.testing.assert_array_equal(result.completed[hole], result.generated[hole])
  assert result.z.shape == (5, 8) and result.loss.shape == (5,)
  np.testing.assert_array_equal(result.views_used, np.ones(5))


def test_mirror_view_fills_with_the_mean_of_both_searches(tiny_export):
  """A mirror-symmetric image and mask: the mirror image's search is the
  image's own, so the averaged fill is G(z*) and its mirror image, meaned."""
  gan = load_exported_gan(tiny_export[1])
  half = _images(3)[:, :, :8]
  images = np.concatenate([half, half[:, :, ::-1]], axis=2)
  mask = masks.make_masks(["center"], 3, 16)
  config = SearchConfig(steps=3, views=2)
  result = complete.Completer(gan, config)(images, mask)
  np.testing.assert_array_equal(result.views_used, np.full(3, 2))
  hole = np.broadcast_to(mask, images.shape) == 0
  mean = (result.generated + result.generated[:, :, ::-1]) / 2
  np.testing.assert_allclose(result.completed[hole], mean[hole], atol=1e-6)
  known = ~hole
  np.testing.assert_array_equal(result.blended[known], images[known])


def test_views_map_back_and_move_the_image_by_a_pixel():
  assert len(completion_graph.VIEWS) == search_config.MAX_VIEWS
  image = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
  right = completion_graph.View("right", dx=1).apply(image)[0, :, :, 0]
  # Moved right by one, the left column repeated.
  np.testing.assert_array_equal(right[:, 1:], image[0, :, :3, 0])
  np.testing.assert_array_equal(right[:, 0], image[0, :, 0, 0])
  for view in completion_graph.VIEWS:
    back = view.undo(view.apply(image))[0, :, :, 0].numpy()
    dy, dx = abs(view.dy), abs(view.dx)
    inner = back[dy : 4 - dy, dx : 4 - dx]
    np.testing.assert_array_equal(
      inner, image[0, dy : 4 - dy, dx : 4 - dx, 0].numpy(), view.name
    )


def test_view_tolerance_decides_per_image_and_view_what_is_averaged(
  tiny_export,
):
  """The fill is the mean of the views' fills, mapped back, whose search's
  contextual loss is within the tolerance of the image's own: recomputed
  here view by view, each view searched on its own."""
  gan = load_exported_gan(tiny_export[1])
  images = _images(6)
  mask = masks.make_masks(["center", "random", "half"], 6, 16)
  keys = tf.range(6, dtype=tf.int64)
  search = _search(gan, SearchConfig(steps=3, views=1))
  fills, ratios = [], []
  for view in completion_graph.VIEWS:
    found = search(view.apply(images), view.apply(mask), image_keys=keys)
    fills.append(view.undo(found["generated"]).numpy())
    ratios.append(found["contextual_loss"].numpy())
  ratios = np.array(ratios) / ratios[0]
  # A tolerance that keeps some views and leaves others out.
  tolerance = float(np.median(ratios[1:]))
  used = ratios <= tolerance
  used[0] = True
  assert 8 < used.sum() < 48
  expected = np.einsum("vi,vihwc->ihwc", used, np.array(fills))
  expected /= used.sum(0)[:, None, None, None]

  config = SearchConfig(steps=3, views=8, view_tolerance=tolerance)
  result = complete.Completer(gan, config)(images, mask, keys.numpy())
  np.testing.assert_array_equal(result.views_used, used.sum(0))
  hole = np.broadcast_to(mask, images.shape) == 0
  # The batch of 48 against 6: the same up to float rounding.
  np.testing.assert_allclose(result.completed[hole], expected[hole], atol=1e-5)
  # The image's own search is the same whatever the views.
  np.testing.assert_allclose(result.generated, fills[0], atol=1e-5)
  off = complete.Completer(gan, SearchConfig(steps=3, view_tolerance=0))
  np.testing.assert_array_equal(off(images, mask).views_used, np.ones(6))


def test_completer_shows_progress_per_batch(tiny_export, capfd):
  gan = load_exported_gan(tiny_export[1])
  mask = masks.make_masks(["center"], 5, 16)
  complete.Completer(gan, SearchConfig(steps=2, pool_size=4), batch_size=2)(
    _images(5), mask
  )
  progress = capfd.readouterr().err
  # tqdm's line: done/total, the rate and the time left. tqdm gives the
  # rate as s/image instead when an image takes over a second (a loaded
  # machine).
  assert re.search(
    r"Completing: +100%.* 5/5 \[.*<00:00, +[\d.]+(image/s|s/image)\]",
    progress,
  ), progress[-500:]
  complete.Completer(gan, SearchConfig(steps=2, pool_size=4), batch_size=8)(
    _images(5), mask
  )
  assert "Completing" not in capfd.readouterr().err  # one batch: quiet


def _write_digits(folder, count=3):
  names = [f"img{i}.png" for i in range(count)]
  write_noise_images(folder, names, (20, 20, 1), seed=2)


@pytest.mark.slow
def test_cli_writes_images_figure_and_metrics(tiny_export, tmp_path):
  _write_digits(str(tmp_path / "in"))
  out = tmp_path / "out"
  result = cli(
    "inpainting.main",
    f"--model_dir={tiny_export[1]}",
    f"--images={tmp_path / 'in'}",
    "--mask=center,irregular",
    f"--out={out}",
    "--steps=5",
  )
  assert result.returncode == 0, result.stderr[-2000:]
  for kind in ("completed", "blended", "generated", "masks"):
    assert sorted(os.listdir(out / kind)) == [
      "img0.png",
      "img1.png",
      "img2.png",
    ]
  assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
  report = json.loads((out / "metrics.json").read_text())
  assert len(report["images"]) == 3 and report["masks"] == [
    "center",
    "irregular",
  ]
  for key in ("hole_psnr", "hole_ssim", "psnr", "ssim"):
    assert np.isfinite(report["mean"][key])
  assert sorted(p for p in os.listdir(tmp_path) if p.startswith(".")) == []


@pytest.mark.slow
def test_completion_never_imports_models_or_training(tiny_export, tmp_path):
  _write_digits(str(tmp_path / "in"), 1)
  probe = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "  loaded = sorted(m for m in sys.modules\n"
    "                  if m.split('.')[0] in ('models', 'training'))\n"
    "  print('FORBIDDEN', loaded, file=sys.__stdout__)\n"
    "atexit.register(report)\n"
    f"sys.argv = ['dcgan-complete', '--model_dir={tiny_export[1]}',\n"
    f"            '--images={tmp_path / 'in'}', '--out={tmp_path / 'o'}',\n"
    "            '--steps=2']\n"
    "runpy.run_module('inpainting.main', run_name='__main__')\n"
  )
  result = run_python(probe)
  assert result.returncode == 0, result.stderr[-2000:]
  assert "FORBIDDEN []" in result.stdout
  assert (tmp_path / "o" / "metrics.json").exists()


def test_early_stopping_stops_at_a_check(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images, mask = _images(2), masks.make_masks(["center"], 2, 16)
  impatient = _search(gan, SearchConfig(min_improvement=1.0, check_every=10))
  patient = _search(gan, SearchConfig(min_improvement=0.0))
  # The first check (after step 10) finds less than 100 % improvement.
  stopped = impatient(images, mask, steps=200)["z"].numpy()
  np.testing.assert_allclose(
    stopped, patient(images, mask, steps=11)["z"], atol=1e-6
  )
  assert not np.allclose(stopped, patient(images, mask, steps=200)["z"])
