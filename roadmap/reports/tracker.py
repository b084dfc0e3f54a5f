"""Action tracker exports: one row per commitment, as CSV, XLSX and ICS."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask_babel import gettext, ngettext
from icalendar import Alarm, Calendar
from icalendar import Event as CalendarEvent
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .pdf import N_, STATUS_NAME

# Words are put into the export's language by the caller (flask_babel.force_locale).

COLUMNS: list[tuple[str, str, int]] = [
    # (key in the commitment dict, header, column width in the workbook)
    ("group", N_("Group"), 28),
    ("text", N_("Commitment"), 48),
    ("signpost", N_("Signpost"), 40),
    ("owner", N_("Owner"), 20),
    ("organisation", N_("Organisation"), 24),
    ("due_date", N_("Due date"), 12),
    ("indicator", N_("Indicator"), 36),
    ("partners", N_("Partners"), 24),
    ("status", N_("Status"), 12),
    ("status_note", N_("Status note"), 30),
    ("last_update", N_("Last update"), 18),
    ("translations", N_("Translations"), 40),  # of the commitment, by the room (issue 15)
]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # translations: "Tiếng Việt: … (outdated)", one a line
        return "\n".join(_translation(t) for t in value)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _translation(t: dict[str, Any]) -> str:
    outdated = f" ({gettext('outdated')})" if t.get("outdated") else ""
    return f"{t['name']}: {t['text']}{outdated}"


def _safe_cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(actions: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Thai, Khmer and Burmese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext(header) for _, header, _ in COLUMNS])
    for row in actions:
        writer.writerow([_safe_cell(_text(row.get(key))) for key, _, _ in COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(actions: list[dict[str, Any]], title: str = "Action tracker") -> bytes:
    """A workbook with a bold frozen header, filters, column widths and real dates."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Actions")[:31]
    sheet.append([gettext(header) for _, header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0F766E")
        cell.alignment = Alignment(vertical="center")
    for row in actions:
        values = []
        for key, _, _ in COLUMNS:
            value = row.get(key)
            if isinstance(value, list):
                value = _text(value)
            if isinstance(value, str):
                value = _safe_cell(value)
            values.append(value)
        sheet.append(values)
    date_col = [k for k, _, _ in COLUMNS].index("due_date") + 1
    update_col = [k for k, _, _ in COLUMNS].index("last_update") + 1
    for cells in sheet.iter_rows(min_row=2):
        cells[date_col - 1].number_format = "yyyy-mm-dd"
        cells[update_col - 1].number_format = "yyyy-mm-dd hh:mm"
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, sheet.max_row)}"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ALARM_DAYS = (7, 1)  # calendar reminders this many days before a due date


def to_ics(actions: list[dict[str, Any]], event_name: str, host: str = "roadmap") -> bytes:
    """One all-day calendar event on each commitment's due date (undated ones are left out),
    with reminders (VALARM) a week and a day before."""
    cal = Calendar()
    cal.add("prodid", "-//Roadmap boards//Action tracker//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", gettext("%(event)s: commitments", event=event_name))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for row in actions:
        due = row["due_date"]
        if due is None:
            continue
        item = CalendarEvent()
        item.add("uid", f"commitment-{row['id']}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", due)
        if due < dt.date.max:  # stored before due dates had a range: never a 500 here
            item.add("dtend", due + dt.timedelta(days=1))
        owner = ", ".join(x for x in (row["owner"], row["organisation"]) if x)
        summary = gettext("Due: %(text)s", text=row["text"][:120])
        item.add("summary", summary + (f" ({owner})" if owner else ""))
        status = gettext(STATUS_NAME.get(row["status"], row["status"]))
        lines = [
            gettext("Group: %(value)s", value=row["group"]),
            gettext("Commitment: %(value)s", value=row["text"]),
            gettext("Signpost: %(value)s", value=row["signpost"]) if row["signpost"] else "",
            gettext("Owner: %(value)s", value=owner) if owner else "",
            gettext("Indicator: %(value)s", value=row["indicator"]) if row["indicator"] else "",
            gettext("Partners: %(value)s", value=row["partners"]) if row["partners"] else "",
            gettext("Status: %(value)s", value=status),
        ]
        item.add("description", "\n".join(line for line in lines if line))
        item.add("categories", [row["group"]])
        for days in ALARM_DAYS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", dt.timedelta(days=-days))
            words = ngettext(
                "In %(num)s day: %(text)s",
                "In %(num)s days: %(text)s",
                days,
                text=row["text"][:120],
            )
            alarm.add("description", words)
            item.add_component(alarm)
        cal.add_component(item)
    return cal.to_ical()
