"""The docstring examples of the numbers modules run as tests (so they never rot)."""
from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["extractor.numerals", "extractor.api", "extractor.facts",
                                  "extractor.facts.explain"])
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
