"""One rule for hostile input at the edge: NUL and other control characters, and JSON nested too
deep, are refused before any view or database sees them.

PostgreSQL refuses a NUL in text (``DataError``, a 500), and Python's JSON parser recurses once
per level of nesting (``RecursionError`` at about 1,000 levels, a 500). Tab, line feed and
carriage return are ordinary text (a description has line breaks) and pass.

- a path with a control character names nothing: 404 (a ref never contains one);
- a query-string or form value (or name) with one: 400 with a message;
- a JSON body with one in any string or key, or nested deeper than ``JSON_DEPTH_MAX``: 400.

Imported files are checked cell by cell by the importer (a row error), not here.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound

from marketplace.catalog.limits import control_character

# Messages the user sees (tests assert them).
CONTROL_CHARACTER = _("输入中含有不允许的控制字符（如空字符），请删除后重试")
JSON_TOO_DEEP = _("JSON 嵌套层数过多（最多 %(depth)s 层）")

JSON_DEPTH_MAX = 32


def has_control_character(text: str) -> bool:
    return control_character(text) is not None


def _json_problem(body: bytes) -> str | None:
    """The message for a JSON body this site refuses, or None (invalid JSON is left to the view)."""
    # Depth first, counted without parsing: a 100,000-deep body costs one pass and no recursion.
    if _depth(body) > JSON_DEPTH_MAX:
        return str(JSON_TOO_DEEP % {"depth": JSON_DEPTH_MAX})
    if b"\\u00" not in body:
        return None  # a raw control character inside a JSON string is invalid JSON: the parser says so
    try:
        document = json.loads(body)
    except ValueError:
        return None
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_control_character(item):
                return str(CONTROL_CHARACTER)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _depth(body: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _json(data: dict, *, status: int) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})  # as DRF writes it


class InputGuardMiddleware:
    """Place after the locale and authentication middleware: the 400 page speaks the request's
    language and shows who is logged in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_character(request.path):
            if request.path.startswith("/api/"):
                return _json({"detail": str(NotFound.default_detail)}, status=404)
            raise Http404
        problem = self._problem(request)
        if problem:
            if request.path.startswith("/api/"):
                return _json({"detail": problem}, status=400)
            return render(request, "400.html", {"message": problem}, status=400)
        return self.get_response(request)

    @staticmethod
    def _problem(request: HttpRequest) -> str | None:
        for name, values in request.GET.lists():
            if has_control_character(name) or any(has_control_character(value) for value in values):
                return str(CONTROL_CHARACTER)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            return _json_problem(request.body)
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Text fields only: uploaded files are read by the importer, which reports a bad cell.
            for name, values in request.POST.lists():
                if has_control_character(name) or any(has_control_character(value) for value in values):
                    return str(CONTROL_CHARACTER)
        return None
