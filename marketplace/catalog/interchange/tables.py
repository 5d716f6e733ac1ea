"""Reading and writing tabular files: CSV (UTF-8, BOM accepted), XLSX (first sheet) and JSON
(a list of objects). Rows are numbered as a spreadsheet user sees them: the header is row 1.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import tablib
from openpyxl.worksheet._reader import WorkSheetParser
from tablib.formats._xlsx import XLSXFormat

from marketplace.catalog import limits

FORMATS = ("csv", "xlsx", "json")

# A spreadsheet runs a CSV cell beginning with one of these as a formula (OWASP "CSV injection"):
# the CSV export writes such a text with a leading apostrophe and the CSV import strips exactly
# that apostrophe. A text that already begins with apostrophes before one of these gets one more,
# so export -> import -> export is exact for every text. XLSX cells are typed: every text is
# written as a text cell, never a formula, and read back as is. JSON is written as is.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """A text cell as a spreadsheet must show it: a formula-looking text gets a leading ``'``."""
    return "'" + value if isinstance(value, str) and _FORMULA.match(value) else value


def restore(value: Any) -> Any:
    """The text ``neutralise`` was given: the one apostrophe it added is dropped."""
    if isinstance(value, str) and value.startswith("'") and _FORMULA.match(value, 1):
        return value[1:]
    return value


class FileError(Exception):
    """The file as a whole cannot be read; ``errors`` are `row N, column C: reason` lines."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, cells)


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileError([f"file: unsupported file type '.{suffix}'; use .csv, .xlsx or .json"])
    return suffix


def read_table(data: bytes, fmt: str, *, max_bytes: int) -> Table:
    if len(data) > max_bytes:
        raise FileError(
            [f"file: {len(data) / 1024 / 1024:.1f} MB is larger than the {max_bytes / 1024 / 1024:.0f} MB limit; "
             "split it into smaller files"]
        )
    if not data.strip():
        raise FileError(["file: the file is empty"])
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[fmt]
    table = reader(data)
    _check_size(table)
    blank = [header for header in table.headers if not header]
    if blank:
        raise FileError(["row 1: a header cell is empty"])
    seen: set[str] = set()
    for header in table.headers:
        if header in seen:
            raise FileError([f"row 1, column {header}: the column appears twice"])
        seen.add(header)
    return table


def _too_many_rows() -> FileError:
    return FileError([f"file: more than {limits.IMPORT_ROWS_MAX:,} rows; split it into smaller files"])


def _check_width(headers: list) -> None:
    if len(headers) > limits.IMPORT_COLUMNS_MAX:
        raise FileError([f"row 1: more than {limits.IMPORT_COLUMNS_MAX} columns"])


def _check_size(table: Table) -> None:
    """Rows, columns and cell lengths within ``marketplace.limits`` (readers stop reading early)."""
    if len(table.rows) > limits.IMPORT_ROWS_MAX:
        raise _too_many_rows()
    _check_width(table.headers)
    errors = [
        f"row {number}, column {header}: is {len(str(value)):,} characters long; at most "
        f"{limits.IMPORT_CELL_MAX_CHARS:,} are allowed"
        for number, cells in table.rows
        for header, value in cells.items()
        if isinstance(value, str) and len(value) > limits.IMPORT_CELL_MAX_CHARS
    ]
    if errors:
        raise FileError(errors)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it looks like GBK/GB18030, as older Excel saves CSV)"
        except UnicodeDecodeError:
            pass
        raise FileError(
            [f"row {row}: the file is not UTF-8 text{hint}; save it as \"CSV UTF-8\" and import it again"]
        ) from None


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(itertools.islice(reader, limits.IMPORT_ROWS_MAX + 2))
        if next(reader, None) is not None:
            raise _too_many_rows()
    except csv.Error as error:
        raise FileError([f"row {reader.line_num}: cannot parse CSV ({error})"]) from None
    headers = [cell.strip() for cell in records[0]]
    _check_width(headers)
    table = Table(headers=headers)
    errors = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(headers):
            errors.append(f"row {number}: has {len(record)} cells but the header has {len(headers)}")
            continue
        table.rows.append((number, dict(zip(headers, map(restore, record), strict=True))))
    if errors:
        raise FileError(errors)
    return table


def _read_xlsx(data: bytes) -> Table:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or non-xlsx file
        raise FileError([f"file: not a readable .xlsx workbook ({error.__class__.__name__})"]) from None
    try:
        records = _xlsx_records(workbook.worksheets[0])
    finally:
        workbook.close()
    if not records or records[0][0] != 1:
        raise FileError(["file: the first sheet is empty"])
    header = records[0][1]
    width = max((i + 1 for i, cell in enumerate(header) if cell not in (None, "")), default=0)
    headers = [str(cell).strip() if cell is not None else "" for cell in header[:width]]
    table = Table(headers=headers)
    for number, record in records[1:]:
        if any(cell not in (None, "") for cell in record[width:]):
            raise FileError([f"row {number}: has values beyond the last header column"])
        cells = record[:width]
        if all(cell in (None, "") for cell in cells):
            continue
        table.rows.append((number, dict(zip(headers, cells, strict=True))))
    return table


def _xlsx_records(sheet) -> list[tuple[int, list]]:
    """(row number, cell values) of the rows that hold cells. A small file may declare a row
    1,048,576 or 16,384 columns, and openpyxl's row iterator fills every gap: the declared
    dimensions are checked first, then the sheet is read with openpyxl's own parser (its
    read-only internals, openpyxl pinned), at a cost that follows the cells present."""
    too_wide = FileError([f"row 1: more than {limits.IMPORT_COLUMNS_MAX} columns"])
    if (sheet.max_row or 0) > limits.IMPORT_ROWS_MAX + 1:
        raise _too_many_rows()
    if (sheet.max_column or 0) > limits.IMPORT_COLUMNS_MAX:
        raise too_wide
    workbook = sheet.parent
    records = []
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
            date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats,
        )  # fmt: skip
        for number, cells in parser.parse():
            if number > limits.IMPORT_ROWS_MAX + 1:
                raise _too_many_rows()
            values: list = [None] * limits.IMPORT_COLUMNS_MAX
            for cell in cells:
                if cell["value"] in (None, ""):
                    continue
                if cell["column"] > limits.IMPORT_COLUMNS_MAX:
                    raise too_wide
                values[cell["column"] - 1] = cell["value"]
            records.append((number, values))
    return records


def _read_json(data: bytes) -> Table:
    try:
        items = json.loads(_decode(data))
    except json.JSONDecodeError as error:
        raise FileError([f"file: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"]) from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise FileError(["file: JSON must be a list of objects, one per row"])
    if len(items) > limits.IMPORT_ROWS_MAX:
        raise _too_many_rows()
    headers: list[str] = []
    for item in items:
        headers.extend(key for key in item if key not in headers)
        _check_width(headers)
    table = Table(headers=headers)
    for number, item in enumerate(items, start=2):
        table.rows.append((number, {header: item.get(header) for header in headers}))
    return table


def write_table(headers: list[str], rows: list[dict[str, Any]], fmt: str) -> bytes:
    """Serialise ``rows``; CSV uses ``\\n`` line endings and minimal quoting, XLSX one sheet."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if row[h] is None else neutralise(row[h]) for h in headers])
        return buffer.getvalue().encode("utf-8")
    if fmt == "json":
        return (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "xlsx":
        return _write_xlsx(headers, rows)
    raise FileError([f"file: unsupported file type '.{fmt}'; use .csv, .xlsx or .json"])


def _write_xlsx(headers: list[str], rows: list[dict[str, Any]]) -> bytes:
    """tablib's sheet (bold header, frozen first row, fitted columns), with every text cell typed
    as text: openpyxl would store a text beginning with ``=`` as a live formula."""
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(["" if row[h] is None else row[h] for h in headers])
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "Tablib Dataset"
    XLSXFormat.dset_sheet(dataset, sheet, freeze_panes=True)
    XLSXFormat._adapt_column_width(sheet, "adaptive")
    for line in sheet.iter_rows():
        for cell in line:
            if cell.data_type == "f":
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
