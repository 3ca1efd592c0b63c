"""Every test in tests/validation/patterns carries the `patterns` marker: `pytest -m patterns` runs them alone,
`pytest -m "not patterns"` skips them."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/validation/patterns" in str(item.fspath):
            item.add_marker(pytest.mark.patterns)
