"""The README's console transcripts are real: each documented command is run again here
and its output compared with the README's text (docs/readme_transcripts.py writes them)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "readme_transcripts", ROOT / "docs" / "readme_transcripts.py"
)
transcripts = importlib.util.module_from_spec(_spec)
sys.modules["readme_transcripts"] = transcripts
_spec.loader.exec_module(transcripts)

BLOCKS = transcripts.blocks(transcripts.README.read_text())


def test_readme_has_transcripts():
    assert len(BLOCKS) >= 2
    assert all(steps for _, steps in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_transcript_matches_a_real_run(index):
    _, steps = BLOCKS[index]
    problems = transcripts.differences(steps, transcripts.run(steps))
    assert not problems, "\n\n".join(problems)


def test_check_detects_a_changed_line():
    steps = transcripts.parse("$ echo one\none\n")
    assert not transcripts.differences(steps, transcripts.run(steps))
    wrong = transcripts.parse("$ echo one\ntwo\n")
    assert transcripts.differences(wrong, transcripts.run(wrong))
