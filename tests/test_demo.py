"""The demo end to end, shortened: train, export, complete, report."""

import json
import os

import pytest

from demo import run
from inpainting.search import SearchConfig

# The demo end to end: the slowest test of the suite.
pytestmark = pytest.mark.slow


def test_demo_writes_report_json_markdown_and_figure(tmp_path, capsys):
  config = run.DemoConfig(
    train_steps=2,
    # A short encoder phase: the test checks the stages, not the quality.
    encoder_steps=20,
    images_per_digit=1,
    search=SearchConfig(steps=3, restarts=1, pool_size=16),
  )
  report_dir = tmp_path / "report"
  # A report of an earlier demo run is replaced; nothing else is touched.
  os.makedirs(report_dir)
  (report_dir / "report.md").write_text("old report")
  (report_dir / "notes.txt").write_text("mine")
  path = run.run_demo(str(tmp_path), config)
  assert path == str(report_dir / "report.md")
  results = json.loads((report_dir / "report.json").read_text())
  assert sorted(results) == ["center", "half", "irregular", "random"]
  for by_method in results.values():
    assert sorted(by_method) == ["biharmonic", "ns", "ours", "telea"]
    for scores in by_method.values():
      assert set(scores) == {"psnr", "ssim"}
      assert 0 < scores["psnr"] <= 100 and -1 <= scores["ssim"] <= 1
  text = (report_dir / "report.md").read_text()
  assert "| center | 10 |" in text and "![completions](figure.png)" in text
  assert (report_dir / "figure.png").read_bytes()[:4] == b"\x89PNG"
  assert os.path.isdir(tmp_path / "export" / "generator" / "1")
  assert (report_dir / "notes.txt").read_text() == "mine"
  assert sorted(os.listdir(report_dir)) == [
    "details.json",
    "figure.png",
    "notes.txt",
    "report.json",
    "report.md",
  ]
  printed = capsys.readouterr().out
  assert "center: hole PSNR (dB) ours" in printed
  # Each fact once: the report path is printed by dcgan-demo, not here.
  assert "report.md" not in printed
