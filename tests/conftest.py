"""Fixtures shared by the tests; the helpers themselves live in helpers.py."""

import pytest

from helpers import small_model, write_sweep


@pytest.fixture
def model():
    return small_model()


@pytest.fixture
def sweep_file(tmp_path):
    return write_sweep(tmp_path)
