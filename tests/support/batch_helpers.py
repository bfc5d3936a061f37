"""Batch test helpers: a folder of real media (the example portrait, the default engine's speech fixtures, a
file that is not audio) and helpers to write manifests and run the real `makeittalk batch`."""

from __future__ import annotations
from support.paths import ROOT, DATA

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SPEECH = DATA


def make_media(tmp_path) -> Path:
    d = tmp_path / "media"
    d.mkdir()
    shutil.copy(ROOT / "examples" / "monalisa.jpg", d / "face.jpg")
    shutil.copy(SPEECH / "papa_mama_baba.wav", d / "papa.wav")
    shutil.copy(SPEECH / "sentence.wav", d / "sentence.wav")
    shutil.copy(SPEECH / "rest_68x2.json", d / "rest.json")
    (d / "noise.wav").write_bytes(b"RIFF0000WAVEthis is not audio at all")
    return d


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "server"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def batch_cmd(manifest: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "makeittalk_server.cli", "batch", str(manifest), "-o", str(out), *extra]


def run_cli(manifest: Path, out: Path, *extra: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(batch_cmd(manifest, out, *extra), capture_output=True, text=True, env=cli_env(),
                          timeout=timeout)


def load_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def by_id(report: dict) -> dict:
    return {e["id"]: e for e in report["lines"]}
