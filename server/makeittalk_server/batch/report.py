"""report.json (every line's status, reason and outputs; the counts) and report.txt (the same, for people).

Statuses: done (made in this run), skipped (done in an earlier run, unchanged), failed (ran and failed),
invalid (the manifest row could not be run: missing file, bad params ...). Written after every line, so a
killed batch still leaves an up-to-date report.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .manifest import Line

REPORT_JSON, REPORT_TXT = "report.json", "report.txt"


def build(lines: list[Line], results: dict[str, dict], earlier: dict[str, dict], manifest: str,
          wall_s: float, runner: str, finished: bool) -> dict:
    entries = []
    for line in lines:
        if line.error:
            entries.append(_entry(line, "invalid", reason=line.error))
        elif line.id in results:
            r = results[line.id]
            entries.append(_entry(line, r["status"], reason=r.get("reason", ""), outputs=r.get("outputs", {}),
                                  audio_s=r.get("audio_s", 0.0), seconds=r.get("seconds", 0.0),
                                  cpu_s=r.get("cpu_s", 0.0)))
        elif line.id in earlier:
            r = earlier[line.id]
            entries.append(_entry(line, "skipped", outputs=r.get("outputs", {}), audio_s=r.get("audio_s", 0.0)))
        else:
            entries.append(_entry(line, "pending"))
    counts = {s: sum(e["status"] == s for e in entries)
              for s in ("done", "skipped", "failed", "invalid", "pending")}
    counts["total"] = len(entries)
    counts["ok"] = counts["done"] + counts["skipped"]
    audio_run = sum(e["audio_s"] for e in entries if e["status"] == "done")
    return {"format": "makeittalk-batch-report", "version": 1, "manifest": manifest, "runner": runner,
            "finished": finished, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "counts": counts,
            "audio_s_this_run": round(audio_run, 3), "wall_s": round(wall_s, 3),
            "realtime_x": round(audio_run / wall_s, 2) if wall_s > 0 and audio_run else None,
            "lines": entries}


def _entry(line: Line, status: str, reason: str = "", outputs=None, audio_s=0.0, seconds=0.0,
           cpu_s=0.0) -> dict:
    return {"id": line.id, "row": line.row, "status": status, "reason": reason, "portrait": line.portrait,
            "audio": line.audio, "outputs": outputs or {}, "audio_s": float(audio_s or 0.0),
            "seconds": float(seconds or 0.0), "cpu_s": float(cpu_s or 0.0)}


def summary(report: dict) -> str:
    c = report["counts"]
    head = (f"{c['total']} lines: {c['ok']} ok ({c['done']} made now, {c['skipped']} already done), "
            f"{c['failed']} failed, {c['invalid']} invalid" + (f", {c['pending']} not run" if c["pending"] else ""))
    out = [head]
    if report.get("realtime_x"):
        out.append(f"{report['audio_s_this_run']:.1f} s of audio in {report['wall_s']:.1f} s "
                   f"({report['realtime_x']:.1f}x real time, {report['runner']})")
    bad = [e for e in report["lines"] if e["status"] in ("failed", "invalid")]
    if bad:
        out.append("")
        out.append("Lines that need attention (manifest row, id, reason):")
        out += [f"  row {e['row']:>4}  {e['id']:<20} {e['status']}: {e['reason']}" for e in bad]
    return "\n".join(out) + "\n"


def write(out_dir: Path, report: dict) -> None:
    out_dir = Path(out_dir)
    for name, text in ((REPORT_JSON, json.dumps(report, indent=1)), (REPORT_TXT, summary(report))):
        tmp = out_dir / (name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out_dir / name)
