"""Localised PDFs (km, vi, zh_Hans) and exports, run in a process of their own.

Known bug, found at the merge of issue 15 and not yet fixed: after a zh-Hans report, later
reports laid out in the same process draw Latin text with other font metrics (pdftotext reads
"A SIA REGION"), so tests that read English PDFs back fail. Until the cause (Pango/fontconfig
state kept per process) is found, these cases run in a fresh pytest process; the production
worker has the same leak (docs/languages.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).parent / "isolated" / "reports_i18n_cases.py"


def test_localised_reports_in_a_process_of_their_own():
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
