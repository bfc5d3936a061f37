"""Shared fixtures: a real `makeittalk serve` process on 127.0.0.1 and the example media."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serverproc import EXAMPLES, ServerProcess  # noqa: E402


@pytest.fixture(scope="session")
def server():
    srv = ServerProcess()
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def monalisa_bytes() -> bytes:
    return (EXAMPLES / "monalisa.jpg").read_bytes()


@pytest.fixture(scope="session")
def speech_bytes() -> bytes:
    return (EXAMPLES / "speech.wav").read_bytes()

