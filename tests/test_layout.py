"""The package map (docs/ARCHITECTURE.md) holds: no module imports a stage above its own."""
import ast
from pathlib import Path

import textwash

PACKAGE = Path(textwash.__file__).parent
# Lowest first: a module may import its own stage and those before it.
STAGES = ("reasons", "timing", "atomic", "model", "config", "inputs", "cleaning", "document", "dataset", "api", "report",
          "stats", "run", "cli")


def stage_of(module: str) -> int:
    return STAGES.index(module.split(".")[1])


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("textwash."):
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module == "textwash":
            names |= {f"textwash.{alias.name}" for alias in node.names if alias.name != "__version__"}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.startswith("textwash.")}
    return names


def test_no_module_imports_a_later_stage():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        if module == "textwash":
            continue
        upward += [f"{module} imports {name}" for name in imported(path) if stage_of(name) > stage_of(module)]
    assert not upward, upward


def test_every_module_has_a_stage():
    assert {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in PACKAGE.glob("*")
            if path.suffix == ".py" or (path / "__init__.py").exists()} - {"__init__"} == set(STAGES)
