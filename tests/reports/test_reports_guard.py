"""Guards for roadmap/reports/pdf.py's lean drawing: it depends on WeasyPrint and pydyf internals.

If a hash below changes, a library we patch changed under us. Before updating the hash:
- `weasyprint.document.Page.paint`: `_paint_and_release` calls it, then joins the page's stream
  and drops `Page._page_box`; check that painting still draws the page in one call.
- `weasyprint.pdf.generate_pdf`: it must call `page.paint(stream, scale)` once per page and not
  read a page's box tree after painting it (links and anchors are taken before the loop).
- `pydyf.Stream.data` / `pydyf._to_bytes`: the stream's items must still be joined with b"\\n",
  each converted by `_to_bytes`, so that joining them early writes the same bytes.
Or switch it off (ROADMAP_REPORT_LEAN_DRAWING=0) until the patch is reviewed. The end-to-end
check that the files are byte for byte the same is tests/e2e/reports/test_reports_pdf.py.
"""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

import pydyf
import pytest
import weasyprint.document
import weasyprint.pdf
from packaging.version import Version

REVIEWED = {
    "weasyprint.document.Page.paint": (weasyprint.document.Page, "paint", "b2f0dcbda755b5d5"),
    "weasyprint.pdf.generate_pdf": (weasyprint.pdf, "generate_pdf", "626343ef25c396e8"),
    "pydyf.Stream.data": (pydyf.Stream, "data", "bdc2bc513f286de7"),
    "pydyf._to_bytes": (pydyf, "_to_bytes", "1cefd02c285d3aee"),
}
TESTED = {"weasyprint": "70", "pydyf": "0.13"}  # pyproject.toml caps them the same way


def upstream(owner: object, name: str) -> object:
    if owner is weasyprint.document.Page and name == "paint":
        from roadmap.reports.pdf import UPSTREAM_PAINT  # ours wraps it

        return UPSTREAM_PAINT
    obj = inspect.getattr_static(owner, name)
    return obj.fget if isinstance(obj, property) else obj


@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_the_upstream_code_the_lean_drawing_relies_on_is_the_code_we_reviewed(name):
    owner, attr, reviewed = REVIEWED[name]
    source = inspect.getsource(upstream(owner, attr))  # type: ignore[arg-type]
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    assert digest == reviewed, (
        f"{name} changed upstream (installed: {digest}). Read this module's docstring for what "
        "to re-check in roadmap/reports/pdf.py before updating the hash."
    )


@pytest.mark.parametrize("package", sorted(TESTED))
def test_the_installed_versions_are_the_reviewed_ones(package):
    installed = Version(version(package))
    tested = TESTED[package]
    assert str(installed).startswith(tested + ".") or str(installed) == tested, (
        f"{package} {installed} is installed; the lean drawing was reviewed against {tested}.x"
    )


def test_the_switch_turns_the_lean_drawing_off(monkeypatch):
    from roadmap.reports import pdf

    monkeypatch.setenv("ROADMAP_REPORT_LEAN_DRAWING", "0")
    assert not pdf.lean_drawing_enabled()
    monkeypatch.delenv("ROADMAP_REPORT_LEAN_DRAWING")
    assert pdf.lean_drawing_enabled()
    assert weasyprint.document.Page.paint is pdf._paint_and_release
