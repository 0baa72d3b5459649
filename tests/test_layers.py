"""The import graph follows the data flow (WORKSPACE.md, "Layers").

Read from the source, so it holds for lazy imports inside functions too;
the `sys.modules` tests (test_completion.py, test_export.py) check what a
real process loads.
"""

import ast
import pathlib

import pytest

from tests import conftest

REPO = pathlib.Path(conftest.REPO)

# What each package may import of ours, besides itself.
ALLOWED = {
  "common": set(),
  "models": {"common"},
  "training": {"common", "models"},
  "inpainting": {"common"},
  "export": {"common", "models", "inpainting"},
  "demo": {"common", "models", "training", "export", "inpainting"},
  "bench": {"common", "models", "training", "export", "inpainting", "demo"},
}
# Export embeds the completion's pure-TF graph and reloads SavedModels;
# the CLI, figures, baselines and metrics of inpainting are not for it.
EXPORT_MAY_USE = {
  "inpainting.completion_graph",
  "inpainting.saved_models",
  "inpainting.search",
  "inpainting.search_config",
  "inpainting.blending",
  "inpainting.losses",
}


def _imports(path: pathlib.Path):
  """Every absolute module an import statement in `path` names."""
  for node in ast.walk(ast.parse(path.read_text())):
    if isinstance(node, ast.Import):
      yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0:
      yield node.module
      # `from inpainting import search` names the module inpainting.search.
      yield from (f"{node.module}.{alias.name}" for alias in node.names)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_down_the_layers(package):
  wrong = []
  for path in sorted((REPO / package).rglob("*.py")):
    for module in _imports(path):
      top = module.split(".")[0]
      if top in ALLOWED and top != package and top not in ALLOWED[package]:
        wrong.append(f"{path.relative_to(REPO)}: {module}")
  assert not wrong, f"{package} may import only {ALLOWED[package]}"


def test_export_uses_only_the_pure_tf_part_of_inpainting():
  wrong = []
  for path in sorted((REPO / "export").rglob("*.py")):
    for module in _imports(path):
      if (
        module.startswith("inpainting.")
        and module.count(".") == 1
        and module not in EXPORT_MAY_USE
      ):
        wrong.append(f"{path.relative_to(REPO)}: {module}")
  assert not wrong
