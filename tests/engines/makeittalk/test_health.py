"""The server's health report names the makeittalk engine's state and what to do about it."""

import pytest


def _health(settings):
    from fastapi.testclient import TestClient

    from makeittalk_server.app import create_app

    with TestClient(create_app(settings)) as client:
        r = client.get("/v1/health")
    assert r.status_code == 200
    return {e["name"]: e for e in r.json()["engines"]}


def test_health_reports_missing_checkpoints(tmp_path):
    pytest.importorskip("httpx")
    from makeittalk_server.config import Settings

    eng = _health(Settings(warm=False, checkpoints_dir=tmp_path))["makeittalk"]
    assert eng["ready"] is False
    assert "ckpt_autovc.pth" in eng["reason"] and str(tmp_path) in eng["reason"]
    assert "MakeItTalk" in eng["reason"]


def test_health_reports_ready_with_checkpoints(ckpt_dir):
    pytest.importorskip("httpx")
    from makeittalk_server.config import Settings

    eng = _health(Settings(warm=False, checkpoints_dir=ckpt_dir, device="cpu"))["makeittalk"]
    assert eng["ready"] is True, eng["reason"]
