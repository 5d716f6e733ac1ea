"""Display helpers of the administrator's pages: shares as percentages and bar widths."""
from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.4567 -> 45.7%; empty when there is nothing to divide by (None)."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def bar_width(value: float | None) -> str:
    """A share as a CSS width within 0-100%, for the inline bars."""
    try:
        share = min(max(float(value or 0), 0.0), 1.0)
    except (TypeError, ValueError):
        share = 0.0
    return f"{share * 100:.1f}%"


@register.filter
def signed(value: float, digits: int = 3) -> str:
    """+0.012 / −0.004 / ±0 for the change of a metric."""
    value = float(value)
    if abs(value) < 0.5 * 10 ** -int(digits):
        return "±0"
    return f"{'+' if value > 0 else '−'}{abs(value):.{int(digits)}f}"


@register.filter
def item(sequence, index):
    """``row.cells|item:forloop.counter0`` in templates."""
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return ""
