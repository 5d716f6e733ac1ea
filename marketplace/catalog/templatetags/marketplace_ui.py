"""Display helpers: money the way each audience reads it.

Amounts are formatted per language here rather than translated: Chinese readers count in 万 (10,000),
English readers in thousands, so the two forms are not translations of one pattern.
"""
from django import template
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _wan(value: int) -> str:
    return f"{value / 10_000:.1f}".rstrip("0").rstrip(".")


@register.filter
def money(value: int | None) -> str:
    """80000 -> 8万元 in Chinese, RMB 80,000 in English."""
    if value is None or value == "":
        return ""
    value = int(value)
    if _english():
        return f"RMB {value:,}"
    if value >= 10_000:
        return f"{_wan(value)}万元"
    return f"{value}元"


@register.simple_tag
def price_range(low: int, high: int) -> str:
    """8万–18万元 / RMB 80,000–180,000; one figure when both ends agree."""
    if low == high:
        return money(low)
    if _english():
        return f"RMB {low:,}–{high:,}"
    if high >= 10_000:
        return f"{_wan(low)}–{_wan(high)}万元"
    return f"{low}–{high}元"
