import sys
from collections.abc import Iterable

from tqdm import tqdm


def progress_bar(enabled: bool):
    """A ``progress(iterable, total, description)`` callable drawing a tqdm bar on stderr."""

    def progress(iterable: Iterable, total: int, description: str) -> Iterable:
        return tqdm(iterable, total=total, desc=description, unit="item", disable=not enabled, file=sys.stderr)

    return progress
