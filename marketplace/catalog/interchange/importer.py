"""Validate a whole catalog or needs file, then upsert it by its refs in one transaction.

Nothing is written unless every row is valid; every invalid cell is reported as
``row N, column C: reason``. Re-importing the same file changes nothing (not even timestamps).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models as db_models
from django.db import transaction
from django.utils import timezone

from marketplace.catalog.interchange.columns import ALL, CellError, Column, References, text_of
from marketplace.catalog.interchange.tables import Table
from marketplace.catalog.limits import control_character

Progress = Callable[[Iterable, int, str], Iterable]
RowCheck = Callable[[dict[str, Any]], list[tuple[str, str]]]


def no_progress(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


@dataclass(frozen=True)
class FileSpec:
    """What one kind of file holds: its columns, its row key, and its parent (provider/enterprise)."""

    kind: str
    columns: tuple[Column, ...]
    key: str
    parent_key: str
    parent_columns: tuple[str, ...]
    row_check: RowCheck | None = None

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    errors: list[str] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        head = f"{self.rows} rows" + (" (dry run: nothing written)" if self.dry_run else "")
        return "; ".join([head] + [f"{name}: {outcome}" for name, outcome in self.outcomes.items()])


class ImportFailed(Exception):
    def __init__(self, report: ImportReport):
        super().__init__("\n".join(report.errors))
        self.report = report


def validate(table: Table, spec: FileSpec, refs: References, progress: Progress = no_progress) -> list[dict]:
    """Parse every row; raise :class:`ImportFailed` listing every problem, or return the records."""
    errors = _header_errors(table.headers, spec)
    if errors:
        raise ImportFailed(ImportReport(kind=spec.kind, errors=errors))
    records: list[dict[str, Any]] = []
    first_row_of: dict[str, int] = {}
    parents: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, cells in progress(table.rows, len(table.rows), f"Checking {spec.kind}"):
        record, row_errors = _parse_row(cells, spec, refs)
        if not row_errors:
            row_errors += _consistency_errors(number, record, spec, first_row_of, parents)
        errors.extend(f"row {number}, column {column}: {reason}" for column, reason in row_errors)
        record["_row"] = number
        records.append(record)
    if not records and not errors:
        return records
    if errors:
        raise ImportFailed(ImportReport(kind=spec.kind, rows=len(records), errors=errors))
    return records


def _header_errors(headers: list[str], spec: FileSpec) -> list[str]:
    known = set(spec.names)
    errors = [f"row 1, column {name}: unknown column" for name in headers if name not in known]
    errors += [
        f"row 1, column {column.name}: required column is missing"
        for column in spec.columns
        if column.required and column.name not in headers
    ]
    return errors


def _parse_row(cells: dict[str, Any], spec: FileSpec, refs: References) -> tuple[dict, list[tuple[str, str]]]:
    record: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for column in spec.columns:
        raw = cells.get(column.name)
        if isinstance(raw, str) and (character := control_character(raw)):
            errors.append((column.name, f"contains the control character {character}; remove it"))
            continue
        if text_of(raw) == "" and raw != []:
            if column.required:
                errors.append((column.name, "is required"))
                continue
            if column.name not in cells:
                record[column.name] = column.default
                continue
        try:
            record[column.name] = column.parse(raw, record, refs)
        except CellError as error:
            errors.append((column.name, str(error)))
    if not errors and spec.row_check:
        errors += spec.row_check(record)
    return record, errors


def _consistency_errors(
    number: int,
    record: dict[str, Any],
    spec: FileSpec,
    first_row_of: dict[str, int],
    parents: dict[str, tuple[int, dict[str, Any]]],
) -> list[tuple[str, str]]:
    errors = []
    key = record[spec.key]
    if key in first_row_of:
        errors.append((spec.key, f'duplicate {spec.key} "{key}" (first at row {first_row_of[key]})'))
    else:
        first_row_of[key] = number
    parent_ref = record[spec.parent_key]
    if parent_ref in parents:
        first_number, first = parents[parent_ref]
        for column in spec.parent_columns:
            if record[column] != first[column]:
                errors.append(
                    (column, f'differs from row {first_number} for {spec.parent_key} "{parent_ref}"')
                )
    else:
        parents[parent_ref] = (number, record)
    return errors


class _DryRun(Exception):
    pass


def run_import(
    *,
    table: Table,
    spec: FileSpec,
    apply: Callable[[list[dict]], dict[str, Outcome]],
    dry_run: bool,
    progress: Progress = no_progress,
) -> ImportReport:
    """Validate ``table`` and hand the records to ``apply`` inside one transaction."""
    refs = References.load()
    records = validate(table, spec, refs, progress)
    report = ImportReport(kind=spec.kind, rows=len(records), dry_run=dry_run)
    try:
        with transaction.atomic():
            report.outcomes = apply(records)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def upsert_by_ref(
    model: type[db_models.Model],
    wanted: dict[str, dict[str, Any]],
    many_to_many: dict[str, dict[str, tuple | str]] | None = None,
) -> tuple[Outcome, dict[str, int]]:
    """Create or update ``model`` rows keyed by ``ref`` so that they hold exactly ``wanted``.

    ``wanted`` maps ref -> field values (by attname, e.g. ``city_id``); ``many_to_many`` maps a
    many-to-many field name -> ref -> target ids. Rows already equal are not written. Returns the
    outcome and ref -> primary key for every wanted row.
    """
    many_to_many = many_to_many or {}
    existing = {obj.ref: obj for obj in model.objects.filter(ref__in=list(wanted))}
    current_links = {name: _links(model, name, [obj.pk for obj in existing.values()]) for name in many_to_many}
    now = timezone.now()
    outcome = Outcome()
    to_create, to_update, changed_fields = [], [], set()
    for ref, values in wanted.items():
        obj = existing.get(ref)
        if obj is None:
            to_create.append(model(ref=ref, **values))
            continue
        diff = {name: value for name, value in values.items() if getattr(obj, name) != value}
        links_differ = any(
            current_links[name].get(obj.pk, set()) != set(many_to_many[name][ref]) for name in many_to_many
        )
        if diff or links_differ:
            for name, value in diff.items():
                setattr(obj, name, value)
            obj.updated_at = now
            changed_fields.update(diff)
            to_update.append(obj)
        else:
            outcome.unchanged += 1
    # Field validators run again as a safety net; cross-field rules were checked per row by the
    # parsers and check constraints are enforced by the database (per-object constraint
    # validation would cost a query per object).
    relations = [f.name for f in model._meta.get_fields() if f.is_relation]
    for obj in to_create + to_update:
        obj.clean_fields(exclude=relations)
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}), batch_size=500)
    outcome.created, outcome.updated = len(to_create), len(to_update)
    ids = dict(model.objects.filter(ref__in=list(wanted)).values_list("ref", "pk"))
    outcome.changed_ids = [ids[obj.ref] for obj in to_create + to_update]
    for name, targets_by_ref in many_to_many.items():
        _sync_links(model, name, current_links[name], {ids[ref]: set(t) for ref, t in targets_by_ref.items()})
    return outcome, ids


def _through(model: type[db_models.Model], name: str) -> tuple[type[db_models.Model], str, str]:
    field_ = model._meta.get_field(name)
    through = field_.remote_field.through
    return through, field_.m2m_column_name(), field_.m2m_reverse_name()


def _links(model: type[db_models.Model], name: str, pks: list[int]) -> dict[int, set]:
    through, source, target = _through(model, name)
    links: dict[int, set] = {}
    for source_id, target_id in through.objects.filter(**{f"{source}__in": pks}).values_list(source, target):
        links.setdefault(source_id, set()).add(target_id)
    return links


def _sync_links(model: type[db_models.Model], name: str, current: dict[int, set], wanted: dict[int, set]) -> None:
    through, source, target = _through(model, name)
    stale = db_models.Q()
    fresh = []
    any_stale = False
    for pk, targets in wanted.items():
        have = current.get(pk, set())
        for target_id in have - targets:
            stale |= db_models.Q(**{source: pk, target: target_id})
            any_stale = True
        fresh += [through(**{source: pk, target: target_id}) for target_id in targets - have]
    if any_stale:
        through.objects.filter(stale).delete()
    through.objects.bulk_create(fresh, batch_size=1000)


def listed(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """The codes of a list cell; ``*`` lists none (the all-flag carries it)."""
    return () if value == ALL else value
