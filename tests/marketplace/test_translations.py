"""The English catalog is complete and its compiled .mo is what the .po says.

After changing any string: makemessages -l en, translate, compilemessages -l en (see the .po header).
"""
from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

_STRING = r'"(?:[^"\\]|\\.)*"'


def _unquote(parts: list[str]) -> str:
    return "".join(ast.literal_eval(part) for part in parts)


def read_po(path: Path = PO) -> list[dict]:
    """Entries of a .po file: {"msgctxt", "msgid", "msgid_plural", "msgstr": [..], "flags": set}."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        key: tuple | None = None
        values: dict[tuple, list[str]] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                values[key].append(line)
            else:
                match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (" + _STRING + ")$", line)
                assert match, f"unreadable line in {path.name}: {line!r}"
                key = ("msgstr", int(match[2] or 0)) if match[1].startswith("msgstr") else (match[1],)
                values[key] = [match[3]]
        if not values:
            continue
        for key, parts in values.items():
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] = _unquote(parts)
            else:
                entry[key[0]] = _unquote(parts)
        entries.append(entry)
    return entries


def translations() -> list[dict]:
    return [entry for entry in read_po() if entry["msgid"]]  # the header has an empty msgid


def test_the_catalog_has_entries():
    assert len(translations()) > 150


def test_every_msgid_has_an_english_msgstr():
    untranslated = [
        entry["msgid"] for entry in translations()
        if not entry["msgstr"] or not all(value.strip() for value in entry["msgstr"].values())
        or (entry["msgid_plural"] and len(entry["msgstr"]) < 2)
    ]  # fmt: skip
    assert untranslated == []


def test_no_translation_is_fuzzy():
    assert [entry["msgid"] for entry in read_po() if "fuzzy" in entry["flags"]] == []


def test_placeholders_survive_translation():
    def names(text: str) -> set[str]:
        return set(re.findall(r"%\((\w+)\)s", text))

    wrong = [entry["msgid"] for entry in translations()
             if any(names(value) != names(entry["msgid"]) for value in entry["msgstr"].values())]  # fmt: skip
    assert wrong == []


def test_compiled_catalog_matches_the_po():
    """A stale .mo (a translation edited without compilemessages) fails here."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 - the parsed .mo itself
    expected: dict = {}
    for entry in translations():
        msgid = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"]:
            for index, value in entry["msgstr"].items():
                expected[(msgid, index)] = value
        else:
            expected[msgid] = entry["msgstr"][0]
    compiled = {key: value for key, value in compiled.items() if key != ""}  # the header
    assert compiled == expected


def _source_strings() -> set[tuple[str | None, str]]:
    """(context, msgid) of every single-string translation call in the templates and Python code."""
    found: set[tuple[str | None, str]] = set()
    template_tag = re.compile(r"""{%\s*translate\s+(?P<q>["'])(?P<id>.+?)(?P=q)(?:\s+context\s+(["'])(?P<ctx>.+?)\4)?""")
    for path in (REPO / "marketplace").rglob("*.html"):
        for match in template_tag.finditer(path.read_text(encoding="utf-8")):
            found.add((match["ctx"], match["id"]))
    py_call = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")
    for app in ("marketplace", "matching", "config"):
        for path in (REPO / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in py_call.finditer(path.read_text(encoding="utf-8")):
                found.add((None, ast.literal_eval(f'"{match[1]}"')))
    return found


def test_every_string_in_the_source_is_in_the_catalog():
    """A string added to a template or gettext call without running makemessages fails here."""
    catalog = {(entry["msgctxt"], entry["msgid"]) for entry in translations()}
    assert sorted(_source_strings() - catalog, key=str) == []


@pytest.mark.parametrize("text", ['msgid "a"\nmsgstr ""\n'])
def test_the_reader_sees_a_missing_translation(tmp_path, text):
    path = tmp_path / "x.po"
    path.write_text(text, encoding="utf-8")

    assert read_po(path) == [{"msgctxt": None, "msgid": "a", "msgid_plural": None, "msgstr": {0: ""}, "flags": set()}]
