"""Inclusion of the most affected groups (seed 002), made visible on every board.

One table of the groups (key, label, keywords), a matcher, and `coverage(notes)`: per group, how
many notes consider it and which. A note considers a group when its text (or one of its tags)
names one of the group's keywords, or when it carries the group's tag `inclusion:<key>` (set from
the note editor). The match is indicative, not a judgement: it is a prompt for the room.

The board snapshot carries `client_table()` (the same patterns as regex sources) so the browser
recomputes the counts live, with the very same rule, as notes change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

TAG_PREFIX = "inclusion:"

# (key, label, keywords). Latin-script keywords match whole words ("men" never matches
# "women"); keywords in scripts written without spaces (Thai, Chinese) match anywhere.
GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "women_girls",
        "Women and girls",
        (
            "women",
            "woman",
            "girl",
            "girls",
            "female",
            "gender",
            "mother",
            "mothers",
            "wives",
            "femme",
            "femmes",
            "fille",
            "filles",
            "ผู้หญิง",
            "สตรี",
            "เด็กหญิง",
        ),
    ),
    (
        "men_boys",
        "Men and boys",
        (
            "men",
            "man",
            "boy",
            "boys",
            "male",
            "fishermen",
            "homme",
            "hommes",
            "garçon",
            "ผู้ชาย",
            "เด็กชาย",
        ),
    ),
    (
        "disability",
        "People with disability",
        (
            "disability",
            "disabilities",
            "disabled",
            "impairment",
            "deaf",
            "blind",
            "wheelchair",
            "handicap",
            "handicapé",
            "พิการ",
        ),
    ),
    (
        "ethnic_minorities",
        "Ethnic minorities",
        (
            "ethnic",
            "minority",
            "minorities",
            "indigenous",
            "hill tribe",
            "hill tribes",
            "ethnique",
            "ethniques",
            "minorité",
            "autochtone",
            "autochtones",
            "ชาติพันธุ์",
            "ชนกลุ่มน้อย",
        ),
    ),
    (
        "migrants_stateless",
        "Migrants and stateless people",
        (
            "migrant",
            "migrants",
            "migration",
            "stateless",
            "statelessness",
            "undocumented",
            "without papers",
            "refugee",
            "refugees",
            "migrante",
            "migrantes",
            "apatride",
            "apatrides",
            "réfugié",
            "外来务工",
            "移民",
            "แรงงานข้ามชาติ",
            "ไร้สัญชาติ",
            "người di cư",
        ),
    ),
    (
        "lgbtqi",
        "LGBTQI people",
        (
            "lgbt",
            "lgbti",
            "lgbtq",
            "lgbtqi",
            "lgbtqia",
            "gay",
            "lesbian",
            "transgender",
            "queer",
            "intersex",
            "transgenre",
            "หลากหลายทางเพศ",
            "คนข้ามเพศ",
        ),
    ),
]

# The other UI languages (issue 15): Vietnamese, Indonesian, Khmer, Burmese, Lao, Simplified
# Chinese, Filipino. Written by the engineer, to review with native speakers (docs/languages.md).
MORE_WORDS: dict[str, tuple[str, ...]] = {
    "women_girls": (
        "phụ nữ", "trẻ em gái", "bé gái", "perempuan", "wanita", "anak perempuan",
        "ស្ត្រី", "ក្មេងស្រី", "នារី", "အမျိုးသမီး", "မိန်းကလေး", "ແມ່ຍິງ", "ເດັກຍິງ",
        "妇女", "女性", "女童", "女孩", "kababaihan", "babae", "batang babae",
    ),
    "men_boys": (
        "nam giới", "trẻ em trai", "ngư dân", "laki-laki", "pria", "anak laki-laki", "nelayan",
        "បុរស", "ក្មេងប្រុស", "អ្នកនេសាទ", "အမျိုးသား", "ယောက်ျားလေး", "ຜູ້ຊາຍ", "ເດັກຊາຍ",
        "男性", "男童", "男孩", "渔民", "kalalakihan", "lalaki", "batang lalaki", "mangingisda",
    ),
    "disability": (
        "khuyết tật", "disabilitas", "penyandang disabilitas", "cacat", "ពិការ", "ពិការភាព",
        "မသန်စွမ်း", "ຄົນພິການ", "ພິການ", "残疾", "残障", "kapansanan", "may kapansanan",
    ),
    "ethnic_minorities": (
        "dân tộc thiểu số", "người dân tộc", "minoritas", "masyarakat adat", "suku",
        "ជនជាតិភាគតិច", "ជនជាតិដើម", "တိုင်းရင်းသား", "လူနည်းစု", "ຊົນເຜົ່າ", "ຊົນເຜົ່າສ່ວນໜ້ອຍ",
        "少数民族", "原住民", "katutubo", "minorya",
    ),
    "migrants_stateless": (
        "di cư", "không quốc tịch", "lao động di cư", "tị nạn", "migran", "pekerja migran",
        "tanpa kewarganegaraan", "pengungsi", "ជនចំណាកស្រុក", "គ្មានសញ្ជាតិ", "ពលករចំណាកស្រុក",
        "ရွှေ့ပြောင်း", "နိုင်ငံမဲ့", "ဒုက္ခသည်", "ແຮງງານເຄື່ອນຍ້າຍ", "ບໍ່ມີສັນຊາດ", "ຄົນອົບພະຍົບ",
        "无国籍", "难民", "农民工", "migrante", "walang pagkamamamayan", "OFW",
    ),
    "lgbtqi": (
        "đồng tính", "chuyển giới", "người lgbt", "transpuan", "waria", "ភេទទីបី", "អ្នកប្តូរភេទ",
        "လိင်တူချစ်သူ", "လိင်ပြောင်း", "ຄົນຂ້າມເພດ", "ຄວາມຫຼາກຫຼາຍທາງເພດ", "同性恋", "跨性别",
        "性少数", "bakla", "tomboy", "transgender",
    ),
}  # fmt: skip
GROUPS = [(key, label, (*words, *MORE_WORDS.get(key, ()))) for key, label, words in GROUPS]

KEYS = [key for key, _label, _words in GROUPS]

# Regex syntax characters: escaped the same way for Python and JavaScript (re.escape would also
# escape spaces, which a JavaScript `u` regex refuses).
_SYNTAX = re.compile(r"([\\^$.*+?()\[\]{}|/])")
# Word edges spelled out in ASCII: Python's \b is Unicode-aware and JavaScript's is not.
_BEFORE = "(?<![0-9A-Za-z_])"
_AFTER = "(?![0-9A-Za-z_])"


def _escape(word: str) -> str:
    return _SYNTAX.sub(r"\\\1", word)


def pattern_source(words: Iterable[str]) -> str:
    """One regex source for the keywords, valid in Python and in JavaScript (flag i)."""
    words = sorted(words, key=len, reverse=True)
    latin = [_escape(w) for w in words if w.isascii()]
    other = [_escape(w) for w in words if not w.isascii()]
    parts = [f"{_BEFORE}(?:{'|'.join(latin)}){_AFTER}"] if latin else []
    return "|".join(parts + other)


PATTERNS: dict[str, re.Pattern[str]] = {
    key: re.compile(pattern_source(words), re.IGNORECASE) for key, _label, words in GROUPS
}


def tag_for(key: str) -> str:
    return TAG_PREFIX + key


def considers(note: Mapping[str, Any], key: str) -> bool:
    """Does this note (a dict with `text` and `tags`) consider the group `key`?"""
    tags = list(note.get("tags") or [])
    if tag_for(key) in tags:
        return True
    other_tags = " ".join(t for t in tags if not t.startswith(TAG_PREFIX))
    pattern = PATTERNS[key]
    # The room's translations of the note count too (issue 15): a Khmer note translated
    # into English that names "women" considers women.
    found = note.get("translations") or {}
    items = found.values() if isinstance(found, Mapping) else found  # reports: a list
    translated = [t.get("text") or "" for t in items if isinstance(t, Mapping)]
    in_text = any(pattern.search(text) for text in [note.get("text") or "", *translated])
    return bool(in_text or (other_tags and pattern.search(other_tags)))


def coverage(notes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per group, in table order: {key, label, count, note_ids}. Cluster titles are not counted
    (their notes are)."""
    notes = [n for n in notes if n.get("kind") != "cluster"]
    rows = []
    for key, label, _words in GROUPS:
        ids = [n.get("id") for n in notes if considers(n, key)]
        rows.append({"key": key, "label": label, "count": len(ids), "note_ids": ids})
    return rows


def client_table() -> list[dict[str, Any]]:
    """The table as the browser needs it: the same rule as `considers`, as regex sources."""
    return [
        {
            "key": key,
            "label": label,
            "tag": tag_for(key),
            "keywords": list(words),
            "pattern": pattern_source(words),
            "flags": "i",
        }
        for key, label, words in GROUPS
    ]


def snapshot_part(notes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`snapshot["inclusion"]`: the table (for live recounts) and the counts now."""
    return {"tag_prefix": TAG_PREFIX, "groups": client_table(), "coverage": coverage(notes)}
