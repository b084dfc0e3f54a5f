"""Rebuild the subsetted WOFF2 note fonts in static/fonts/ from Debian's Noto packages.

    .venv/bin/python static/fonts/build.py     (or: make fonts)

Needs fonts-noto-core and fonts-noto-cjk (Debian; `make system-deps` installs them) and
fonttools[woff] (pyftsubset, brotli). Writes one Regular WOFF2 per script, static/fonts/fonts.css
with @font-face rules whose unicode-range makes a browser download a face only when the page
holds a character it covers, and OFL.txt (the fonts' licence, SIL Open Font License 1.1).

Chinese: GB 2312 level 1 (the 3,755 most used Simplified Chinese characters, the set Chinese
primary schooling and most input methods start from), plus every Han character of the demo
(roadmap/demo.py) and CJK punctuation, from Noto Sans CJK SC.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORE = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
COMMON = "U+0020-002F,U+00A0,U+200B-200D,U+2010-2027,U+25CC"  # spaces, joiners, dotted circle

# (file stem, CSS family, source font, unicode ranges)
SCRIPTS = [
    ("noto-sans-thai", "Roadmap Thai", CORE / "NotoSansThai-Regular.ttf", "U+0E00-0E7F"),
    ("noto-sans-lao", "Roadmap Lao", CORE / "NotoSansLao-Regular.ttf", "U+0E80-0EFF"),
    (
        "noto-sans-khmer",
        "Roadmap Khmer",
        CORE / "NotoSansKhmer-Regular.ttf",
        "U+1780-17FF,U+19E0-19FF",
    ),
    (
        "noto-sans-myanmar",
        "Roadmap Myanmar",
        CORE / "NotoSansMyanmar-Regular.ttf",
        "U+1000-109F,U+A9E0-A9FF,U+AA60-AA7F",
    ),
]


def gb2312_level1() -> str:
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def demo_han() -> str:
    text = (ROOT / "roadmap" / "demo.py").read_text(encoding="utf-8")
    return "".join(sorted(set(re.findall(r"[\u3400-\u9fff]", text))))


def ranges(codepoints: list[int]) -> str:
    """Compact CSS unicode-range for a sorted list of code points."""
    out, start, prev = [], None, None
    for cp in sorted(set(codepoints)):
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            out.append((start, prev))
            start = prev = cp
    if start is not None:
        out.append((start, prev))
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in out)


def in_ranges(cp: int, unicodes: str) -> bool:
    for part in unicodes.split(","):
        a, _, b = part.removeprefix("U+").partition("-")
        if int(a, 16) <= cp <= int(b or a, 16):
            return True
    return False


def subset(source: Path, out: Path, unicodes: str = "", text_file: Path | None = None, index=0):
    args = [
        sys.executable, "-m", "fontTools.subset", str(source), f"--output-file={out}",
        "--flavor=woff2", "--layout-features=*", "--no-hinting", "--desubroutinize",
        "--name-IDs=0,1,2,3,4,5,6", f"--font-number={index}",
    ]  # fmt: skip
    if unicodes:
        args.append(f"--unicodes={unicodes},{COMMON}")
    if text_file:
        args.append(f"--text-file={text_file}")
        if "names" not in str(out):
            args.append(f"--unicodes={COMMON},U+3000-303F,U+FF01-FF5E")
    subprocess.run(args, check=True)


def main() -> None:
    faces = []
    for stem, family, source, unicodes in SCRIPTS:
        out = HERE / f"{stem}.woff2"
        subset(source, out, unicodes)
        faces.append((family, out.name, unicodes, False))
    # The language picker names each language in itself (roadmap/i18n.py): tiny faces of just
    # those letters, so a page that shows only the picker's names loads a few KB, not the fonts.
    sys.path.insert(0, str(ROOT))
    from roadmap.i18n import LANGUAGE_NAMES

    names = "".join(LANGUAGE_NAMES.values())
    pickers = [(stem, source, unicodes) for stem, _f, source, unicodes in SCRIPTS]
    pickers.append(("noto-sans-sc", CJK, "U+4E00-9FFF"))
    for stem, source, unicodes in pickers:
        letters = "".join(c for c in names if in_ranges(ord(c), unicodes))
        name_file = HERE / "names.txt"
        name_file.write_text(letters, encoding="utf-8")
        out = HERE / f"{stem}-names.woff2"
        subset(source, out, text_file=name_file, index=2 if source == CJK else 0)
        name_file.unlink()
        faces.append(("Roadmap Names", out.name, ranges([ord(c) for c in letters]), False))
    han = gb2312_level1() + demo_han()
    text_file = HERE / "cjk-sc-chars.txt"
    text_file.write_text(han + "\n", encoding="utf-8")
    out = HERE / "noto-sans-sc.woff2"
    subset(CJK, out, text_file=text_file, index=2)  # 2: Noto Sans CJK SC in the collection
    cjk_range = ranges([ord(c) for c in han]) + ",U+3000-303F,U+FF01-FF5E"
    faces.append(("Roadmap SC", out.name, cjk_range, True))
    css = ["/* Generated by static/fonts/build.py: note fonts for scripts phones may lack. */"]
    for family, name, unicodes, local in faces:
        # Chinese: a phone's own CJK font first (every Chinese phone has one; 1 MB saved).
        src = 'local("Noto Sans CJK SC"), local("Source Han Sans SC"), ' if local else ""
        css.append(
            "@font-face {\n"
            f'  font-family: "{family}";\n'
            f'  src: {src}url("{name}") format("woff2");\n'
            "  font-weight: 100 900;\n  font-display: swap;\n"
            f"  unicode-range: {unicodes};\n}}"
        )
    (HERE / "fonts.css").write_text("\n".join(css) + "\n", encoding="utf-8")
    licence = Path("/usr/share/doc/fonts-noto-core/copyright").read_text(encoding="utf-8")
    start = licence.index("License: OFL-1.1\n PREAMBLE")
    (HERE / "OFL.txt").write_text(
        "Noto fonts (Noto Sans Thai, Lao, Khmer, Myanmar; Noto Sans CJK SC), subsetted.\n"
        "Copyright 2012-2024 Google LLC and Adobe (CJK). Licensed under the SIL Open Font\n"
        "License, Version 1.1 (text below, from Debian's fonts-noto-core copyright file).\n\n"
        + licence[start:].split("\nLicense: GPL", 1)[0].strip()
        + "\n",
        encoding="utf-8",
    )
    for path in sorted(HERE.glob("*.woff2")):
        print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
