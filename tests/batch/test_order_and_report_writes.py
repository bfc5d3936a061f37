"""The local batch runs its longest lines first (so it does not end on one long line with the other cores
idle), keeps the report in the manifest's order, and rewrites report.json at most every 0.5 s (at once for a
failed line) instead of after every line, and completely at the end. The lines themselves are stood in for
(the real runs are in test_run.py): this is about the runner's bookkeeping."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from support.batch_helpers import load_report, write_csv


def test_longest_first_manifest_order_kept_and_few_report_writes(tmp_path, monkeypatch):
    from makeittalk_server.batch import local, report, runner

    lengths = [1.0, 3.0, 0.5, 2.0] + [0.2] * 30
    rows = []
    for i, s in enumerate(lengths):
        sf.write(tmp_path / f"a{i}.wav", np.zeros(int(16000 * s), np.float32), 16000)
        rows.append(f"l{i:02d},face.jpg,a{i}.wav,{i}")
    (tmp_path / "face.jpg").write_bytes(b"not read by the stand-in")
    m = write_csv(tmp_path / "m.csv", "id,portrait,audio,seed", rows)
    order, writes = [], []

    def stand_in(todo, out_dir, on_result, workers=1, checkpoints=None):
        for line, key in todo:
            order.append(line.id)
            failed = line.id == "l03"
            on_result({"id": line.id, "row": line.row, "key": key, "status": "failed" if failed else "done",
                       "reason": "a reason" if failed else "", "outputs": {}, "audio_s": 0.1, "seconds": 0.0})

    real_write = report.write
    monkeypatch.setattr(local, "run", stand_in)
    monkeypatch.setattr(report, "write", lambda out, rep: (writes.append(rep["counts"]["pending"]),
                                                           real_write(out, rep)))
    rep = runner.run_batch(m, tmp_path / "out", runner.Options(quiet=True))
    assert order[:4] == ["l01", "l03", "l00", "l02"]           # 3 s, 2 s, 1 s, 0.5 s, then the short ones
    assert sorted(order) == [f"l{i:02d}" for i in range(len(lengths))]
    assert [e["id"] for e in rep["lines"]] == [f"l{i:02d}" for i in range(len(lengths))]
    # the first write (all pending), the failed line's write (its second line run), the last one
    assert writes[0] == len(lengths) and writes[-1] == 0
    assert len(lengths) - 2 in writes
    assert len(writes) < len(lengths) // 2
    final = load_report(tmp_path / "out")
    assert final["finished"] is True and final["counts"]["done"] == len(lengths) - 1
    assert final["counts"]["failed"] == 1
