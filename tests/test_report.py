"""The HTML report of the tiny run holds every registered table's and figure's caption."""

import re

import pytest

from tests.conftest import REPO, run_snakemake

pytestmark = pytest.mark.slow


def _first_sentence(caption) -> str:
    """The caption's opening words, as plain text (rst markup removed)."""
    text = " ".join(caption.read_text().split()).replace("``", "")
    return re.split(r"[:,(]", text)[0]


def test_report_contains_every_caption(tiny_run, tmp_path):
    report = tmp_path / "report.html"
    run_snakemake(tiny_run, "--report", str(report))
    html = report.read_text()
    captions = sorted((REPO / "workflow/report").glob("*.rst"))
    assert len(captions) > 10
    for caption in captions:
        assert _first_sentence(caption) in html, caption.name
