"""Explanation badges of a match: the matcher's reasons in the reader's language, each with a tone
(green: a strength, grey: neutral, amber: a caveat); see matching/explain.py."""
from __future__ import annotations

from collections.abc import Mapping

from django import template

from matching import services as matching_services
from matching.explain import badges

register = template.Library()


def _reasons(obj):
    return obj.get("reasons") if isinstance(obj, Mapping) else getattr(obj, "reasons", None)


@register.filter
def reason_badges(obj) -> list[dict[str, str]]:
    """[{"text", "tone"}] in the reader's language from anything with ``reasons`` (a Match row,
    a ranked match, a comparison column)."""
    if obj is None:
        return []
    return badges(_reasons(obj) or [])


@register.filter
def percent(score) -> str:
    """A 0–1 score as a whole percentage: 0.734 -> 73%."""
    try:
        return f"{round(float(score) * 100)}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def any_strong(matches) -> bool:
    """Whether any of the need's matches is strong (calibrated probability at the threshold)."""
    return any(match.get("strong") for match in matches)


@register.simple_tag
def strong_threshold_percent() -> int:
    """The calibrated probability from which a match is strong, as the whole percentage the
    fold reason names (``matching/calibration.json``), so the text follows the calibration."""
    return matching_services.calibration().threshold_percent


@register.filter
def any_weak(matches) -> bool:
    """Whether any match is folded under "more options"."""
    return any(not match.get("strong") for match in matches)
