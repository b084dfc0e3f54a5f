"""Do No Harm detection: one table of cases across the languages, run in Python and in JavaScript.

The rules are static/safety-rules.json (do_no_harm/personal_data.py). Every positive case must be
flagged with its kind, every negative case not at all, and the browser's RegExp engine (node,
the same engine family as Chromium's) must flag exactly the same cases as Python's `re`.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from roadmap.do_no_harm import personal_data as safety
from roadmap.extensions import db
from roadmap.models import Note

POSITIVE = [
    # e-mail, plain and obfuscated
    ("write to dao.k@example.org", "email"),
    ("mail mai (at) ngo dot org", "email"),
    ("mai [at] ngo [dot] org", "email"),
    ("contact: somchai at example dot co dot th", "email"),
    ("écrire à lan(at)asso(dot)fr", "email"),
    # phones, Latin and local digits
    ("call me on +66 81 234 5678", "phone"),
    ("Her number: 081-234-5678", "phone"),
    ("office (02) 123 4567", "phone"),
    ("โทร ๐๘๑ ๒๓๔ ๕๖๗๘", "phone"),
    ("ໂທ ໐໒໐ ໕໕໕ ໑໒໓໔", "phone"),
    ("ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨", "phone"),
    ("ဖုန်း ၀၉ ၁၂၃ ၄၅၆ ၇၈၉", "phone"),
    ("SĐT 0912 345 678", "phone"),
    ("hubungi 0812-3456-7890", "phone"),
    # passports
    ("passport MA1234567 kept by the agent", "passport"),
    ("Passport no. P1234567A", "passport"),
    ("her passport number: 12345678", "passport"),
    ("หนังสือเดินทาง AA1234567", "passport"),
    ("hộ chiếu số C1234567", "passport"),
    ("paspor nomor B 1234567", "passport"),
    # national IDs
    ("บัตรประชาชน 1-2345-67890-12-3", "national_id"),
    ("ID 1234567890123 on the form", "national_id"),
    ("NIK 3174012345678901", "national_id"),
    ("CCCD 001234567890", "national_id"),
    ("MyKad 900101-14-5678", "national_id"),
    ("IC no: 900101145678", "national_id"),
    # messenger handles and links
    ("LINE id: mai1990", "messenger"),
    ("WhatsApp: +84912345678", "messenger"),
    ("Telegram: @lan_tran", "messenger"),
    ("facebook.com/nguyen.thi.lan", "messenger"),
    ("find her on t.me/dao_k", "messenger"),
    ("Zalo: 0912345678", "messenger"),
    ("ask @somchai_bkk", "messenger"),
    # street addresses
    ("She lives at 12 Sukhumvit Road", "address"),
    ("221B Baker Street", "address"),
    ("45/2 Moo 3, near the temple", "address"),
    ("the shelter in Soi 11", "address"),
    ("12 rue de la Paix", "address"),
    ("บ้านเลขที่ 12", "address"),
    ("Jl. Sudirman No. 5", "address"),
    ("RT 03/RW 05 Kelurahan Menteng", "address"),
    ("số 12 đường Lê Lợi", "address"),
    ("hẻm 45 gần chợ", "address"),
    ("中山路12号", "address"),
    ("ផ្ទះលេខ ១២", "address"),
    ("အိမ်အမှတ် ၁၂", "address"),
    ("ບ້ານເລກທີ່ 12", "address"),
    ("Purok 4, Barangay San Isidro", "address"),
    # a person's name after identifying words
    ("a survivor named Mai told us", "name"),
    ("The victim called Dao", "name"),
    ("victim's name is Lan", "name"),
    ("victim: Nguyen Thi Lan", "name"),
    ("Ms Dao from the village", "name"),
    ("une victime nommée Lan", "name"),
    ("elle s'appelle Mai", "name"),
    ("ผู้เสียหายชื่อ มาลี", "name"),
    ("ด.ญ. มาลี อายุ 14", "name"),
    ("nạn nhân tên là Lan", "name"),
    ("Chị Lan ở Hà Nội", "name"),
    ("korban bernama Siti", "name"),
    ("Ibu Sari dari desa", "name"),
    ("ជនរងគ្រោះឈ្មោះ ស្រីពៅ", "name"),
    ("ခံရသူအမည် မမြ", "name"),
    ("受害者名叫小梅", "name"),
    ("ຜູ້ເຄາະຮ້າຍຊື່ ນາງແກ້ວ", "name"),
    ("biktima na si Maria", "name"),
    ("nagngangalang Ana", "name"),
]

NEGATIVE = [
    "Train 500 labour inspectors by 2027 in 12 provinces",
    "Outcome 4.1: Victims of Trafficking are Identified",
    "Output 2.3: Victims are referred to services",
    "Shelters for men and boys",
    "Train 300 judges by 2026-12-31",
    "Between 2025 and 2030, fund 12 shelters",
    "Ask 5 people in the street what they need",
    "Hotline 1300 in every province",
    "Survivor-led networks should be named in the law",
    "More research to drive evidence-based policy",
    "Reduce trafficking cases by 30% before 2030",
    "Review on 15/03/2026 and again in Q4 2026",
    "Budget: USD 250,000 for 2025-2027",
    "Indicator: 80% of victims receive legal aid within 30 days",
    "Use LINE groups to share alerts with village volunteers",
    "WhatsApp and Telegram channels for migrant workers",
    "Victims: support before prosecution",
    "COMMIT SPA 2023-2027, output 3.2",
    "ISO 27001 for the case database",
    "Roadmap for 2026: 4 regional meetings, 23 countries",
    "Name and shame recruiters who charge fees",
    "Commitments with owners and due dates",
    "Phase 2 (2026-2028): scale to 50 districts",
    "Call the 1300 hotline; 24/7",
    "Street children and online exploitation",
    "Road safety for workers on the way to the factory",
    "Jalan-jalan program for youth in the village",
    "Engage the Ministry of Labour, DSD and IOM",
    "Protect the identity of survivors in court",
    "Support survivors to tell their story safely",
    "Report to ASEAN (ACTIP) in March 2026",
    "Thailand, Cambodia and Lao PDR to share data",
    "สร้างความตระหนักรู้และศักยภาพในระดับชุมชน",
    "นายจ้างต้องจ่ายค่าแรงขั้นต่ำ 300 บาท",
    "ชื่อโครงการต้องสั้นและจำง่าย",
    "ពង្រឹងសមត្ថភាពសហគមន៍ ដើម្បីទប់ស្កាត់ការជួញដូរមនុស្ស",
    "ရပ်ရွာအဆင့် အသိပညာပေးခြင်းနှင့် စွမ်းရည်မြှင့်တင်ခြင်း",
    "ສ້າງຄວາມເຂັ້ມແຂງໃຫ້ຊຸມຊົນ ແລະ ຜູ້ໃຫ້ບໍລິການ",
    "Tạo việc làm bền vững cho cộng đồng có nguy cơ cao",
    "Hỗ trợ nạn nhân tái hòa nhập cộng đồng",
    "加强供应链透明度，保护外来务工人员",
    "到2027年培训500名劳动监察员",
    "Memperkuat layanan pendampingan korban di tingkat desa",
    "Korban perdagangan orang berhak atas restitusi",
    "Palakasin ang ugnayan ng mga ahensya para sa mga biktima",
    "Former victims: peer support groups in 5 provinces",
    "Renforcer l'identification des victimes d'ici 2027",
    "Victime de traite : accès à la justice",
    "",
]


def test_the_table_is_large_enough_and_covers_the_languages():
    assert len(POSITIVE) >= 40 and len(NEGATIVE) >= 40
    assert {kind for _t, kind in POSITIVE} == set(safety.KINDS)


@pytest.mark.parametrize("text, kind", POSITIVE)
def test_personal_data_is_flagged(text, kind):
    assert kind in safety.kinds(text), safety.find(text)
    assert safety.warnings(text) == ["personal_data"]


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_roadmap_text_is_not(text):
    assert safety.find(text) == []


def test_the_browser_flags_exactly_the_same_texts():
    node = shutil.which("node")
    assert node, "node is not installed: `make test` installs it (make system-deps)"
    rules = safety.client_rules()["rules"]
    texts = [t for t, _k in POSITIVE] + NEGATIVE
    script = """
const {rules, texts} = JSON.parse(require("fs").readFileSync(0, "utf8"));
const compiled = rules.map((r) => ({
  kind: r.kind, re: new RegExp(r.pattern, (r.flags || "") + "g"),
}));
const out = texts.map((text) => {
  const kinds = [];
  for (const rule of compiled) {
    rule.re.lastIndex = 0;
    if (rule.re.test(text)) kinds.push(rule.kind);
  }
  return [...new Set(kinds)];
});
process.stdout.write(JSON.stringify(out));
"""
    result = subprocess.run(
        [node, "-e", script],
        input=json.dumps({"rules": rules, "texts": texts}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    in_js = json.loads(result.stdout)
    assert in_js == [safety.kinds(t) for t in texts]


def false_positives(texts: list[str]) -> list[str]:
    return [t for t in texts if safety.find(t)]


def test_false_positive_rate_on_the_demo_and_the_sample_event(app, demo, capsys):
    from roadmap.reports.sample import build_event

    with app.app_context():
        demo_texts = list(db.session.scalars(sa.select(Note.text)))
        build_event(boards=2, notes_per_board=60, commitments=10, people=10)
        sample_texts = [
            t for t in db.session.scalars(sa.select(Note.text)) if t not in set(demo_texts)
        ]
    flagged_demo, flagged_sample = false_positives(demo_texts), false_positives(sample_texts)
    with capsys.disabled():
        print(
            f"\nsafety false positives: demo {len(flagged_demo)}/{len(demo_texts)}, "
            f"sample {len(flagged_sample)}/{len(sample_texts)}"
        )
    assert len(demo_texts) >= 20 and len(sample_texts) >= 100
    assert flagged_demo == [] and flagged_sample == []  # no personal data in either
