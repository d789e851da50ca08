"""Tabular reports answered as JSON, CSV (UTF-8 with BOM, for Excel) or XLSX (openpyxl).

A report is a title, sections (a table each: columns with Chinese headers, rows of plain values)
and the definitions of its figures, which are printed with every format: the last CSV block, the
last XLSX sheet (指标定义), and `definitions` in JSON. The services build the report; this module
only writes it. No domain words here.

- CSV: one file; the first section is a plain table (header row on line 1), each other section a
  block under a `【title】` line, then 指标定义 and the report's title and notes, blocks separated by
  a blank line. Ratios are written as percentages (`75.00%`, which Excel reads as a number); a
  figure with nothing to count is left empty.
- XLSX: one sheet per section (bold, frozen header row; ratios formatted `0.00%`), then 指标定义.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import Response

# `figure`: a figure's value, a ratio when its row's `unit` is RATIO_UNIT, else a number.
ColumnKind = Literal["text", "int", "float", "ratio", "figure"]
RATIO_UNIT = "比率"
ReportFormat = Literal["json", "csv", "xlsx"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese header, as printed
    kind: ColumnKind = "text"


@dataclass
class Section:
    key: str     # the JSON key
    title: str   # Chinese title: the CSV block title and the XLSX sheet name
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TabularReport:
    title: str                              # e.g. 信访调解月报（2026年11月）
    sections: list[Section]
    definitions: list[tuple[str, str]]      # (figure, definition) printed with the report
    notes: list[str] = field(default_factory=list)


def ratio(numerator: int | float, denominator: int | float) -> float | None:
    """numerator ÷ denominator rounded to 4 places; None when nothing was counted."""
    return round(numerator / denominator, 4) if denominator else None


def _kind(kind: ColumnKind, row: dict[str, Any]) -> ColumnKind:
    if kind == "figure":
        return "ratio" if row.get("unit") == RATIO_UNIT else "float"
    return kind


def _cell_text(value: Any, kind: ColumnKind) -> str:
    if value is None:
        return ""
    if kind == "ratio":
        return f"{value * 100:.2f}%"
    if kind == "float":
        return f"{value:g}"
    return str(value)


def to_csv(report: TabularReport) -> bytes:
    """The first section as a plain table (its header row is the file's first line, so a program can
    read it as before), then each other section under a `【title】` line, the definitions, the title."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for i, s in enumerate(report.sections):
        if i:
            w.writerow([f"【{s.title}】"])
        w.writerow([c.header for c in s.columns])
        for row in s.rows:
            w.writerow([_cell_text(row.get(c.key), _kind(c.kind, row)) for c in s.columns])
        w.writerow([])
    w.writerow(["【指标定义】"])
    w.writerow(["指标", "定义"])
    for name, text in report.definitions:
        w.writerow([name, text])
    w.writerow([])
    w.writerow(["【报表】", report.title])
    for note in report.notes:
        w.writerow(["说明", note])
    return (BOM + buf.getvalue()).encode("utf-8")


def _sheet_name(title: str, taken: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in '[]:*?/\\')[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    taken.add(name)
    return name


def to_xlsx(report: TabularReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the default sheet
    taken: set[str] = set()
    bold = Font(bold=True)

    def fit(ws, widths: list[int]) -> None:
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)

    def text_width(value: Any) -> int:
        s = str(value) if value is not None else ""
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s) + 2

    for s in report.sections:
        ws = wb.create_sheet(_sheet_name(s.title, taken))
        ws.append([c.header for c in s.columns])
        for cell in ws[1]:
            cell.font = bold
        widths = [text_width(c.header) for c in s.columns]
        for r, row in enumerate(s.rows, start=2):
            values = [row.get(c.key) for c in s.columns]
            ws.append(values)
            for i, (c, v) in enumerate(zip(s.columns, values, strict=True)):
                kind = _kind(c.kind, row)
                widths[i] = max(widths[i], text_width(_cell_text(v, kind)))
                if kind == "ratio":
                    ws.cell(r, i + 1).number_format = "0.00%"
        ws.freeze_panes = "A2"
        fit(ws, widths)
    ws = wb.create_sheet(_sheet_name("指标定义", taken))
    ws.append(["指标", "定义"])
    for cell in ws[1]:
        cell.font = bold
    for name, text in report.definitions:
        ws.append([name, text])
    for note in report.notes:
        ws.append(["说明", note])
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    fit(ws, [16, 80])
    wb.properties.title = report.title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# `responses=` of a report route: JSON by default, CSV or XLSX when `format` asks (OpenAPI).
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "The report: JSON, or CSV (UTF-8 with a BOM) or XLSX per `format`.",
    "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}
CSV_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "CSV, UTF-8 with a BOM.", "content": {"text/csv": {"schema": {"type": "string"}}}}}


def report_response(report: TabularReport, fmt: ReportFormat, filename: str,
                    json_body: dict[str, Any]) -> Response | dict[str, Any]:
    """The report in the format asked for; `filename` without extension (ASCII, for the download)."""
    if fmt == "csv":
        return Response(to_csv(report), media_type=CSV_MEDIA_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    if fmt == "xlsx":
        return Response(to_xlsx(report), media_type=XLSX_MEDIA_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'})
    return json_body
