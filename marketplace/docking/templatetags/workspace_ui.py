"""Explanation badges of a match: the matcher's reasons in the reader's language, each with a tone
(green: a strength, grey: neutral, amber: a caveat) read from the Chinese reason."""
from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.translation import get_language

from marketplace.catalog.models import City

register = template.Library()

_CAVEATS = ("超出", "未列出", "未覆盖")
_NEUTRAL = ("通用于", "适用于", "全省服务")


def _tone(reason_zh: str) -> str:
    if any(word in reason_zh for word in _CAVEATS):
        return "warn"
    if reason_zh.startswith(_NEUTRAL):
        return "soft"
    return "ok"


_CITY_NAMES_EN: dict[str, str] = {}


def _english_places(text: str) -> str:
    """The matcher's English reasons name cities as stored (淄博市): show them in English (Zibo)."""
    if not _CITY_NAMES_EN:
        _CITY_NAMES_EN.update(City.objects.values_list("name", "name_en"))
    for name, name_en in _CITY_NAMES_EN.items():
        if name in text:
            text = text.replace(name, name_en)
    return text


def _get(obj, name: str):
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


@register.filter
def reason_badges(obj) -> list[dict[str, str]]:
    """[{"text", "tone"}] from anything with ``reasons_zh`` and ``reasons_en`` (a Match row, a
    ranked result, a fit assessment)."""
    if obj is None:
        return []
    zh = list(_get(obj, "reasons_zh") or [])
    en = list(_get(obj, "reasons_en") or [])
    english = (get_language() or "").startswith("en")
    shown = [_english_places(text) for text in en] if english and len(en) == len(zh) else zh
    return [{"text": text, "tone": _tone(reason)} for text, reason in zip(shown, zh)]


@register.filter
def percent(score) -> str:
    """A 0–1 score as a whole percentage: 0.734 -> 73%."""
    try:
        return f"{round(float(score) * 100)}%"
    except (TypeError, ValueError):
        return ""
