"""docs/architecture.md's module map is the tree as it is (docs/tree.py regenerates it)."""

from __future__ import annotations

import ast
import importlib.util

from support.server import ROOT


def load_tree():
    spec = importlib.util.spec_from_file_location("docs_tree", ROOT / "docs" / "tree.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_module_map_is_current():
    tree = load_tree()
    current = tree.DOC.read_text(encoding="utf-8")
    assert tree.render(current) == current, "docs/architecture.md is stale: run make architecture"


def test_every_module_says_what_it_is():
    missing = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "roadmap").rglob("*.py"))
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []
