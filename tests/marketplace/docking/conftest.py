"""The catalog and index fixtures of the matcher's tests, for the journey tests."""
from tests.matching.conftest import built, catalog  # noqa: F401
