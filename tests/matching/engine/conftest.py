"""Fixtures of the engine tests: no Django, small deterministic data."""

from __future__ import annotations

import pytest

from matching.engine.embedders import HashingEmbedder
from matching.engine.types import Labels

from .helpers import LABELS


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pytest.ini; repeated here so this folder runs on its own.
    config.addinivalue_line("markers", "slow: loads the real embedding models or builds large indexes")


@pytest.fixture
def labels() -> Labels:
    return LABELS


@pytest.fixture
def hashing() -> HashingEmbedder:
    return HashingEmbedder(dim=256)
