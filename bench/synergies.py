"""Precision of the synergy finder on a labelled set of commitment and signpost pairs.

The pairs are written from the seed topics (shared/seeds/: the five breakout groups, the COMMIT
indicators, the quarterly network meetings) in English, Thai, Vietnamese, French and Bahasa.
A pair is labelled 1 when the two notes aim at the same thing (partners worth introducing), 0
otherwise; negatives include pairs that share generic words ("community", "training") but not
an aim. All texts form one corpus (as an event's notes do) and every labelled pair is scored
with roadmap/follow_up/synergies.py. Prints precision and recall at the app's threshold and a
sweep. A figure to read, not a test:

    .venv/bin/python bench/synergies.py
"""

from __future__ import annotations

import argparse
import time

from roadmap.follow_up.synergies import THRESHOLD, similarity

PAIRS: list[tuple[str, str, int]] = [
    # --- same aim (1) ---
    ("Train 20 shelters in trauma-informed care", "อบรมเจ้าหน้าที่บ้านพักเรื่องการดูแลบาดแผลทางใจ", 1),
    (
        "Tập huấn cho nhân viên nhà tạm lánh về chăm sóc sang chấn",
        "Trauma-informed counselling training for shelter staff",
        1,
    ),
    (
        "Map freedom businesses in the region and publish a directory",
        "Publish a regional directory of social enterprises employing survivors",
        1,
    ),
    (
        "Research on the recruitment debt of migrant workers in fishing",
        "วิจัยเรื่องหนี้จากการจัดหางานของแรงงานข้ามชาติในเรือประมง",
        1,
    ),
    (
        "Audit seafood supply chains for forced labour",
        "Kiểm toán chuỗi cung ứng thủy sản về lao động cưỡng bức",
        1,
    ),
    (
        "Standardised victim identification procedures for border police",
        "Train border police to identify victims of trafficking",
        1,
    ),
    (
        "National referral mechanism for survivors operationalised",
        "Mécanisme national d'orientation des victimes opérationnel",
        1,
    ),
    (
        "Awareness sessions in schools on online recruitment",
        "สร้างความตระหนักในโรงเรียนเรื่องการล่อลวงทางออนไลน์",
        1,
    ),
    (
        "Birth registration for stateless children in border villages",
        "Đăng ký khai sinh cho trẻ em không quốc tịch ở vùng biên giới",
        1,
    ),
    (
        "Vocational training and jobs for survivors after reintegration",
        "Pelatihan kerja dan pekerjaan bagi korban setelah reintegrasi",
        1,
    ),
    ("Hotline for migrant workers in Thai and Burmese", "สายด่วนสำหรับแรงงานข้ามชาติ", 1),
    (
        "More research to drive evidence-based policy",
        "Nghiên cứu để xây dựng chính sách dựa trên bằng chứng",
        1,
    ),
    (
        "Companies adopt due diligence on recruitment agencies",
        "Businesses audit the recruitment brokers in their supply chains",
        1,
    ),
    (
        "Judges and prosecutors trained on trafficking cases",
        "อบรมอัยการและศาลเรื่องการดำเนินคดีค้ามนุษย์",
        1,
    ),
    (
        "Community prevention networks in source villages",
        "Mạng lưới phòng ngừa cộng đồng tại các làng",
        1,
    ),
    (
        "Mental health support for women and girls survivors",
        "Soutien en santé mentale pour les femmes et filles survivantes",
        1,
    ),
    (
        "Reintegration support for repatriated fishermen",
        "hỗ trợ tái hòa nhập cho ngư dân hồi hương từ tàu cá",
        1,
    ),
    (
        "Funding for shelters run by survivor-led groups",
        "Grant fund for survivor-led shelter programmes",
        1,
    ),
    ("Include people with disability in prevention campaigns", "รณรงค์ป้องกันการค้ามนุษย์ที่รวมคนพิการ", 1),
    (
        "Database of ethical employers for migrant workers",
        "ฐานข้อมูลนายจ้างที่เป็นธรรมสำหรับแรงงานข้ามชาติ",
        1,
    ),
    (
        "Online safety lessons for students about social media recruiters",
        "Bài học an toàn trực tuyến cho học sinh về tuyển dụng trên mạng xã hội",
        1,
    ),
    # --- different aims (0) ---
    (
        "Train 20 shelters in trauma-informed care",
        "Audit seafood supply chains for forced labour",
        0,
    ),
    (
        "Map freedom businesses in the region and publish a directory",
        "Birth registration for stateless children in border villages",
        0,
    ),
    (
        "Community prevention networks in source villages",
        "Judges and prosecutors trained on trafficking cases",
        0,
    ),
    (
        "อบรมเจ้าหน้าที่บ้านพักเรื่องการดูแลบาดแผลทางใจ",
        "Kiểm toán chuỗi cung ứng thủy sản về lao động cưỡng bức",
        0,
    ),
    (
        "Hotline for migrant workers in Thai and Burmese",
        "Mental health support for women and girls survivors",
        0,
    ),
    (
        "More research to drive evidence-based policy",
        "Vocational training and jobs for survivors after reintegration",
        0,
    ),
    (
        "Awareness sessions in schools on online recruitment",
        "Funding for shelters run by survivor-led groups",
        0,
    ),
    (
        "National referral mechanism for survivors operationalised",
        "Companies adopt due diligence on recruitment agencies",
        0,
    ),
    (
        "Đăng ký khai sinh cho trẻ em không quốc tịch ở vùng biên giới",
        "Grant fund for survivor-led shelter programmes",
        0,
    ),
    (
        "Include people with disability in prevention campaigns",
        "Audit seafood supply chains for forced labour",
        0,
    ),
    (
        "Standardised victim identification procedures for border police",
        "Publish a regional directory of social enterprises employing survivors",
        0,
    ),
    (
        "Database of ethical employers for migrant workers",
        "Mécanisme national d'orientation des victimes opérationnel",
        0,
    ),
    (
        "Pelatihan kerja dan pekerjaan bagi korban setelah reintegrasi",
        "Birth registration for stateless children in border villages",
        0,
    ),
    (
        "Community meeting to share the roadmap with partners",
        "Community prevention networks in source villages",
        0,
    ),
    (
        "Train 20 shelters in trauma-informed care",
        "Train border police to identify victims of trafficking",
        0,
    ),
    (
        "Online safety lessons for students about social media recruiters",
        "Judges and prosecutors trained on trafficking cases",
        0,
    ),
    (
        "Research on the recruitment debt of migrant workers in fishing",
        "Soutien en santé mentale pour les femmes et filles survivantes",
        0,
    ),
    ("สายด่วนสำหรับแรงงานข้ามชาติ", "Nghiên cứu để xây dựng chính sách dựa trên bằng chứng", 0),
    (
        "Reintegration support for repatriated fishermen",
        "Awareness sessions in schools on online recruitment",
        0,
    ),
    (
        "Quarterly network meeting to present implementation updates",
        "Funding for shelters run by survivor-led groups",
        0,
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--show", action="store_true", help="print every pair's score")
    args = parser.parse_args()
    texts = sorted({t for a, b, _ in PAIRS for t in (a, b)})
    index = {t: i for i, t in enumerate(texts)}
    started = time.perf_counter()
    scores, _concepts = similarity(texts)
    seconds = time.perf_counter() - started
    scored = [(float(scores[index[a], index[b]]), label, a, b) for a, b, label in PAIRS]
    positives = sum(label for _, label, _, _ in scored)
    print(
        f"{len(PAIRS)} labelled pairs ({positives} same aim, {len(PAIRS) - positives} not), "
        f"{len(texts)} distinct notes, scored in {seconds * 1000:.0f} ms"
    )
    for threshold in sorted({0.2, 0.25, 0.3, args.threshold, 0.4, 0.5, 0.6}):
        found = [label for score, label, _, _ in scored if score >= threshold]
        precision = sum(found) / len(found) if found else float("nan")
        recall = sum(found) / positives
        mark = "  <- the app's threshold" if threshold == args.threshold else ""
        print(
            f"threshold {threshold:.2f}: {len(found):2d} found, precision {precision:.2f}, "
            f"recall {recall:.2f}{mark}"
        )
    from roadmap.follow_up import synergies

    synergies.CONCEPT_WEIGHT = 0.0  # the baseline: character n-grams alone, no lexicon
    plain, _ = similarity(texts)
    found = [label for a, b, label in PAIRS if plain[index[a], index[b]] >= args.threshold]
    precision = sum(found) / len(found) if found else float("nan")
    print(
        f"without the lexicon (character n-grams only), threshold {args.threshold:.2f}: "
        f"{len(found)} found, precision {precision:.2f}, recall {sum(found) / positives:.2f}"
    )
    if args.show:
        for score, label, a, b in sorted(scored, reverse=True):
            print(f"{score:.2f} {label} {a[:45]!r} ~ {b[:45]!r}")


if __name__ == "__main__":
    main()
