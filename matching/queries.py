"""Need queries read from a needs file (catalog-format.md) without importing it."""
from __future__ import annotations

from pathlib import Path

from marketplace.catalog.interchange.columns import References
from marketplace.catalog.interchange.files import NEEDS
from marketplace.catalog.interchange.importer import ImportFailed, validate
from marketplace.catalog.interchange.tables import FileError, format_of, read_table
from matching.engine import NeedQuery
from matching.selectors import need_text


class QueryFileError(Exception):
    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def queries_from_file(path: str | Path) -> list[tuple[str, NeedQuery]]:
    """(need_ref, query) for every row of a needs file; every invalid row is reported."""
    try:
        table = read_table(Path(path).read_bytes(), format_of(str(path)), max_bytes=2**31)
        refs = References.load()
        records = validate(table, NEEDS, refs)
    except OSError as error:
        raise QueryFileError([f"cannot read {path}: {error.strerror}"]) from None
    except FileError as error:
        raise QueryFileError(error.errors) from None
    except ImportFailed as failure:
        raise QueryFileError(failure.report.errors) from None
    county_names = {pk: name for (_city, name), pk in refs.counties.items()}
    return [
        (
            r["need_ref"],
            NeedQuery(
                text=need_text(r["title"], r["description"]),
                budget_max=r["budget_max"],
                industry=r["industry"],
                city=r["city"],
                county=county_names.get(r["county"]),
                timeline_weeks=r["timeline_weeks"],
            ),
        )
        for r in records
    ]
