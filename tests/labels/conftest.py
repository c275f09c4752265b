"""The label tests run against the same local Gmail and desk as the sync tests."""

from tests.sync.conftest import desk, gmail, make_runner  # noqa: F401 - fixtures shared with tests/sync
