"""Fixtures for the report tests."""
from __future__ import annotations

import pytest
from report_samples import hostile_item

from extractor.report import ReportItem


@pytest.fixture
def hostile() -> ReportItem:
    return hostile_item()
