"""The batch's fork server starts right after the manifest is read (its warm-up overlaps the planning),
but only when at least two lines will surely run; its decoders leave out the transcript aligner unless
a line has a transcript, and the tracks do not change for it."""

from __future__ import annotations

import numpy as np
import pytest

from makeittalk_server.batch import local
from makeittalk_server.batch.manifest import Line


@pytest.fixture
def started(monkeypatch):
    from multiprocessing import forkserver

    from makeittalk_server.batch import preload_plan

    calls = []
    monkeypatch.setattr(local, "_started", [])
    monkeypatch.setattr(forkserver, "ensure_running", lambda: calls.append("started"))
    monkeypatch.setattr(preload_plan, "modules", lambda lines: ["makeittalk_server.batch.preload"])
    return calls


def _lines(n):
    return [Line(row=i, id=f"l{i}", portrait="face.jpg", audio=f"{i}.wav") for i in range(n)]


def _done(out, line):
    (out / line.id).mkdir(parents=True)
    (out / line.id / "line.json").write_text("{}")


def test_fork_server_starts_early_only_for_two_sure_lines(tmp_path, started):
    lines = _lines(3)
    local.start_early(lines, tmp_path, workers=1, redo=False)          # one worker: runs in-process
    assert started == []
    for ln in lines[:2]:
        _done(tmp_path, ln)
    local.start_early(lines, tmp_path, workers=None, redo=False)       # one line left (or none)
    assert started == []
    local.start_early(lines, tmp_path, workers=None, redo=True)        # redo: all three run
    assert started == ["started"] and local._context([(lines[0], "k")]) is local._started[0]
    local.start_early(lines, tmp_path, workers=None, redo=True)        # once
    assert started == ["started"]


def test_fresh_batch_starts_it(tmp_path, started):
    bad = Line(row=9, id="bad", error="no portrait given")
    local.start_early(_lines(2) + [bad], tmp_path, workers=2, redo=False)
    assert started == ["started"]


def test_decoders_without_the_transcript_aligner_give_the_same_phones():
    from makeittalk_server.engines.default.phones import PhoneDecoder
    from support.default_engine_helpers import load_clip

    x = np.asarray(load_clip("papa_mama_baba")[0].samples, dtype=np.float32)
    lazy, full = PhoneDecoder("hybrid"), PhoneDecoder("hybrid")
    lazy.load(transcripts=False)
    full.load()
    assert lazy._ali is None and full._ali is not None
    assert lazy.candidates(x) == full.candidates(x)
    words = [("papa", 0.1, 0.5), ("zzyzxq", 0.5, 0.9)]           # a word missing from the dictionary
    assert lazy.spread_in_words(words) == full.spread_in_words(words)
    assert lazy._ali is None                                      # lookups did not load it
