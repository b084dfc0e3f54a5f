"""Join PDFs rendered in parts into one document (pikepdf, on qpdf).

A large event report is laid out in parts so that only one part's boxes are in memory at a time
(`pdf.render_in_parts`, docs/reports.md). Joining them keeps what one document would have had:
the pages in order, every named destination (the contents' links), one outline for the whole
document, and the page furniture that depends on the whole document ("Page x of N"), drawn by a
separate footer document page for page over the joined pages.

This module knows nothing of WeasyPrint: it takes PDF bytes and an outline tree in WeasyPrint's
shape (`Document.make_bookmark_tree`): `(label, (page_index, x, y), children, state)`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Rectangle, String

Bookmark = tuple[str, tuple[int, float, float], list[Any], str]


def named_destinations(pdf: pikepdf.Pdf) -> list[tuple[str, int, list[Any]]]:
    """(name, page index, the rest of the destination) of a WeasyPrint PDF's named destinations.

    WeasyPrint writes them as one flat, sorted `/Names` array under `/Root /Names /Dests`."""
    names = pdf.Root.get("/Names")
    dests = names.get("/Dests") if names is not None else None
    if dests is None:
        return []
    index = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    flat = list(dests.get("/Names", Array()))
    found = []
    for name, dest in zip(flat[::2], flat[1::2], strict=True):
        page = index.get(dest[0].objgen)
        if page is not None:
            found.append((str(name), page, [_plain(value) for value in list(dest)[1:]]))
    return found


def _plain(value: Any) -> Any:
    """A destination's operands as plain values (they are copied into another document)."""
    return Name(str(value)) if isinstance(value, Name) else float(value)


def _outline_items(pdf: pikepdf.Pdf, tree: Iterable[Bookmark]) -> list[OutlineItem]:
    items = []
    for label, (page, x, y), children, state in tree:
        item = OutlineItem(label, Array([pdf.pages[page].obj, Name.XYZ, x, y, 0]))
        item.children.extend(_outline_items(pdf, children))
        item.is_closed = state == "closed"
        items.append(item)
    return items


def _own_resources(page: pikepdf.Page) -> None:
    """WeasyPrint's pages share one /Resources dictionary: give this page its own (shallow)
    copy, so the footer placed on it is not listed in every other page's resources."""
    shared = page.obj.get("/Resources", Dictionary())
    own = Dictionary({key: shared[key] for key in shared.keys()})  # noqa: SIM118 (pikepdf)
    xobjects = shared.get("/XObject")
    own.XObject = Dictionary(
        {key: xobjects[key] for key in xobjects.keys()}  # noqa: SIM118
        if xobjects is not None
        else {}
    )
    page.obj.Resources = own


def join(
    parts: Sequence[bytes],
    footers: bytes,
    outline: Sequence[Bookmark],
    placeholders: Iterable[str] = (),
) -> bytes:
    """One PDF of `parts` in order; the first part's document information and catalogue are
    kept (title, language). `footers` has one page per joined page, each drawn over its page.
    Named destinations: the first of each name, except `placeholders` of the first part (the
    contents' links to later parts, which WeasyPrint only writes when the target exists)."""
    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    joined = sources[0]
    skip = set(placeholders)
    dests: dict[str, tuple[int, list[Any]]] = {}
    offset = 0
    for number, source in enumerate(sources):
        for name, index, rest in named_destinations(source):
            if number == 0 and name in skip:
                continue
            dests.setdefault(name, (offset + index, rest))
        offset += len(source.pages)
    for source in sources[1:]:
        joined.pages.extend(source.pages)

    if dests:
        names = Array()
        for name in sorted(dests):
            index, rest = dests[name]
            names.append(String(name))
            names.append(Array([joined.pages[index].obj, *rest]))
        if "/Names" not in joined.Root:
            joined.Root.Names = Dictionary()
        joined.Root.Names.Dests = joined.make_indirect(Dictionary(Names=names))

    if "/Outlines" in joined.Root:
        del joined.Root.Outlines
    with joined.open_outline() as tree:
        tree.root.extend(_outline_items(joined, outline))

    footer_pdf = pikepdf.open(io.BytesIO(footers))
    if len(footer_pdf.pages) != len(joined.pages):
        raise ValueError(f"{len(footer_pdf.pages)} footer pages for {len(joined.pages)} pages")
    save_state = joined.make_indirect(pikepdf.Stream(joined, b"q\n"))
    for page, footer in zip(joined.pages, footer_pdf.pages, strict=True):
        form = joined.copy_foreign(footer.as_form_xobject())
        _own_resources(page)
        placed = page.add_resource(form, Name.XObject, prefix="Footer")
        placement = page.calc_form_xobject_placement(form, placed, Rectangle(page.trimbox))
        # The page's own drawing leaves its transformation in place: wrap it in q ... Q.
        page.contents_add(save_state, prepend=True)
        page.contents_add(b"Q\n" + bytes(placement))

    out = io.BytesIO()
    joined.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in [*sources, footer_pdf]:
        source.close()
    return out.getvalue()
