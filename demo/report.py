"""report.md and report.json of a completion comparison."""

import json
import os
from typing import Dict

METHOD_TITLES = {
  "ours": "ours (DCGAN + Poisson)",
  "telea": "Telea",
  "ns": "Navier-Stokes",
  "biharmonic": "biharmonic",
}


def markdown_table(results: Dict, counts: Dict[str, int]) -> str:
  """Mask type x method table of hole PSNR (dB) / hole SSIM."""
  methods = list(next(iter(results.values())))
  header = (
    "| mask | images | "
    + " | ".join(METHOD_TITLES.get(m, m) for m in methods)
    + " |"
  )
  lines = [header, "|" + "---|" * (len(methods) + 2)]
  for mask, by_method in results.items():
    best = max(by_method, key=lambda m: by_method[m]["psnr"])
    cells = []
    for method in methods:
      cell = (
        f"{by_method[method]['psnr']:.2f} / {by_method[method]['ssim']:.3f}"
      )
      cells.append(f"**{cell}**" if method == best else cell)
    lines.append(f"| {mask} | {counts[mask]} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


def _count(number: int, noun: str) -> str:
  """ "1 restart", "2 restarts"."""
  return f"{number} {noun}{'' if number == 1 else 's'}"


def starts_table(starts: Dict) -> str:
  """Mask type x {encoder start, pool start}: start loss, loss after the
  search, hole PSNR (empty without an encoder)."""
  if not any(starts.values()):
    return ""
  lines = [
    "| mask | start | loss at the start | loss after the search | "
    "hole PSNR (dB) |",
    "|---|---|---|---|---|",
  ]
  for mask, rows in starts.items():
    for name, row in rows.items():
      lines.append(
        f"| {mask} | {name} | {row['start_loss']:.3f} | "
        f"{row['loss']:.3f} | {row['psnr']:.2f} |"
      )
  return "\n".join(lines)


def write_report(
  out_dir: str,
  results: Dict,
  counts: Dict[str, int],
  figure_name: str,
  details: Dict,
) -> str:
  """Writes report.md and report.json atomically; returns report.md's path."""
  os.makedirs(out_dir, exist_ok=True)
  text = "\n".join(
    [
      "# DCGAN completion demo",
      "",
      f"Held-out MNIST digits (never trained on), {details['train_steps']} "
      f"GAN training steps and {details.get('encoder_steps', 0)} encoder "
      f"steps, {details['search']['steps']} search steps per image and "
      f"restart ({_count(details['search']['restarts'], 'restart')}) and "
      f"{details['search']['views']} test-time views. "
      "Numbers are hole PSNR (dB) / hole SSIM, measured only over the "
      "missing pixels; the best PSNR per row is bold.",
      "",
      markdown_table(results, counts),
      "",
      "Where the search starts: from the best of the encoder's z and the "
      "pool (ours), or from the pool alone (exports without an encoder), "
      "then the same search, on the image alone (no test-time views):",
      "",
      starts_table(details.get("starts", {})),
      "",
      f"![completions]({figure_name})",
      "",
      "Columns: original, masked input (hole in grey), G(z*), the "
      "restarts' and test-time views' per-pixel standard deviation "
      "(uncertainty, white = 1), "
      "our Poisson-blended completion, then the classical baselines.",
      "",
      f"Time: {details['seconds']['total']:.0f} s in all "
      f"(training {details['seconds']['train']:.0f} s, completion "
      f"{details['seconds']['complete']:.0f} s).",
      "",
    ]
  )
  paths = {
    "report.md": text,
    "report.json": json.dumps(results, indent=2) + "\n",
    "details.json": json.dumps(details, indent=2) + "\n",
  }
  for name, content in paths.items():
    tmp = os.path.join(out_dir, name + ".tmp")
    with open(tmp, "w") as f:
      f.write(content)
    os.replace(tmp, os.path.join(out_dir, name))
  return os.path.join(out_dir, "report.md")
