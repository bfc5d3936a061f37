"""Decompression bombs against a real server: refused from their headers in under 5 s each, with the
server's resident memory (peak, from /proc) growing by under 300 MB; and long multichannel audio that is
accepted is mixed down as it is read, never held decoded in full."""

import io
import json
import struct
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from support.httpclient import post_form
from support.media import encode_png
from support.serverproc import ServerProcess

MB = 1024 * 1024
pytestmark = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")


# ---- bombs, made in well under a second each ------------------------------------------------------------
def png_bomb(w: int = 20000, h: int = 20000) -> bytes:
    """A valid RGB PNG of w x h black pixels (1.2 GB decoded) in ~1 MB: after a full flush, deflate's output
    for the same input repeats, so one compressed unit is repeated and the Adler-32 is computed."""
    rows = 100
    block = b"\0" * ((1 + 3 * w) * rows)
    c = zlib.compressobj(9)
    head = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    unit = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)[:-4]
    adler = 1
    for _ in range(h // rows):
        adler = zlib.adler32(block, adler)
    idat = head + unit * (h // rows - 1) + tail + struct.pack(">I", adler)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _crc_table(poly: int, bits: int) -> list:
    top, mask, table = 1 << (bits - 1), (1 << bits) - 1, []
    for b in range(256):
        c = b << (bits - 8)
        for _ in range(8):
            c = ((c << 1) ^ poly) if c & top else (c << 1)
        table.append(c & mask)
    return table


_T8, _T16 = _crc_table(0x07, 8), _crc_table(0x8005, 16)


def _crc8(data: bytes) -> int:
    c = 0
    for b in data:
        c = _T8[c ^ b]
    return c


def _crc16(data: bytes) -> int:
    c = 0
    for b in data:
        c = ((c << 8) & 0xFFFF) ^ _T16[(c >> 8) ^ b]
    return c


def _frame_number(n: int) -> bytes:        # FLAC's UTF-8-like coding of the frame number
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])
    return bytes([0xE0 | n >> 12, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])


def silent_flac(minutes: float, sr: int, channels: int) -> bytes:
    """A real 16-bit FLAC of `minutes` of silence, frame by frame (CONSTANT subframes of 4096 samples):
    libsndfile decodes all of it, yet it is made in a fraction of a second."""
    rate_code = {8000: 4, 16000: 5, 44100: 9, 48000: 10}[sr]
    n_frames = -(-int(minutes * 60 * sr) // 4096)
    info = struct.pack(">HH", 4096, 4096) + b"\0" * 6
    info += ((sr << 44) | ((channels - 1) << 41) | (15 << 36) | n_frames * 4096).to_bytes(8, "big") + b"\0" * 16
    out = [b"fLaC", b"\x80" + len(info).to_bytes(3, "big") + info]
    sub = b"\0\0\0" * channels
    for i in range(n_frames):
        head = bytes([0xFF, 0xF8, 0xC0 | rate_code, ((channels - 1) << 4) | 0x08]) + _frame_number(i)
        frame = head + bytes([_crc8(head)]) + sub
        out.append(frame + _crc16(frame).to_bytes(2, "big"))
    return b"".join(out)


def test_the_bombs_are_real():
    """The files are what they claim: a decoder sees the full size (checked cheaply, without decoding)."""
    from PIL import Image

    png = png_bomb()
    assert 0.5 * MB < len(png) < 4 * MB
    Image.MAX_IMAGE_PIXELS = None
    assert Image.open(io.BytesIO(png)).size == (20000, 20000)
    d = zlib.decompressobj()
    start = 8 + 25 + 8
    n = len(d.decompress(png[start: start + struct.unpack(">I", png[33:37])[0]])) + len(d.flush())
    assert n == 20000 * (1 + 3 * 20000) and d.eof           # all 1.2 GB of scanlines are in there
    flac = silent_flac(78, 44100, 1)
    f = sf.SoundFile(io.BytesIO(flac))
    assert abs(f.frames / f.samplerate / 60 - 78) < 0.01
    f.seek(f.frames - 1000)
    assert len(f.read(5000)) == 1000                        # the last frames decode too


# ---- against the server -------------------------------------------------------------------------------
def _status(pid: int) -> dict:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}


def _small_png() -> bytes:
    yy, xx = np.mgrid[0:96, 0:96]
    return encode_png(np.stack([xx * 2, yy * 2, np.full_like(xx, 99)], -1).astype(np.uint8))


@pytest.fixture(scope="module")
def bomb_server():
    srv = ServerProcess("--no-warm", "--max-audio-mb", "50", "--max-image-mb", "20")
    bombs = {"png": png_bomb(), "flac78": silent_flac(78, 44100, 1), "flac25x8": silent_flac(25, 48000, 8)}
    try:
        srv.wait_ready(warm=False)
        yield srv, bombs
    finally:
        srv.stop()


def _measured(srv, send):
    """Runs send() and returns (its result, seconds, peak RSS growth in bytes) of the server process."""
    pid = srv.proc.pid
    open(f"/proc/{pid}/clear_refs", "w").write("5")        # resets the peak (VmHWM) to the current RSS
    base = _status(pid)["VmRSS"]
    t = time.time()
    out = send()
    return out, time.time() - t, _status(pid)["VmHWM"] - base


RESULTS = {}


@pytest.mark.parametrize("kind,field,path,code", [
    ("png", "image", "/v1/landmarks", "image_too_large"),
    ("png", "image", "/v1/jobs", "image_too_large"),
    ("flac78", "audio", "/v1/jobs", "audio_too_long"),
    ("flac25x8", "audio", "/v1/jobs", "audio_too_long"),
])
def test_bombs_are_refused_fast_and_small(bomb_server, kind, field, path, code):
    srv, bombs = bomb_server
    fields = {"image": _small_png(), "audio": bombs["flac78"][:2000], "params": "{}"} if path == "/v1/jobs" else {}
    fields[field] = bombs[kind]
    r, secs, grew = _measured(srv, lambda: post_form(srv.url + path, fields))
    RESULTS[f"{kind} {path}"] = (round(secs, 2), round(grew / MB, 1))
    assert r.status == 422 and r.json()["error"]["code"] == code, r.body[:300]
    assert "minutes" in r.json()["error"]["message"] or "8192x8192" in r.json()["error"]["message"]
    assert secs < 5.0, secs
    assert grew < 300 * MB, f"{grew / MB:.0f} MB"


def test_four_bombs_at_once_stay_small(bomb_server):
    srv, bombs = bomb_server
    out = []

    def four():
        ts = [threading.Thread(target=lambda: out.append(post_form(srv.url + "/v1/landmarks", {"image": bombs["png"]})))
              for _ in range(4)]
        [t.start() for t in ts]
        [t.join(60) for t in ts]
    _, secs, grew = _measured(srv, four)
    RESULTS["4 x png at once"] = (round(secs, 2), round(grew / MB, 1))
    print("bombs (seconds, MB peak growth):", json.dumps(RESULTS))
    assert [r.status for r in out] == [422] * 4 and secs < 10 and grew < 300 * MB, (secs, grew / MB)


# ---- in process: streaming downmix ----------------------------------------------------------------------
def test_long_multichannel_audio_is_mixed_down_as_it_is_read():
    """3 minutes of 8-channel 48 kHz (265 MB as float32) decodes with a peak of well under that."""
    from makeittalk_server import audio

    sr, ch, secs = 48000, 8, 180
    buf = io.BytesIO()
    with sf.SoundFile(buf, "w", sr, ch, format="FLAC", subtype="PCM_16") as f:
        block = np.zeros((sr * 10, ch), np.int16)
        t = np.arange(sr * 10) / sr
        block[:, 0] = (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)
        for _ in range(secs // 10):
            f.write(block)
    data = buf.getvalue()
    tracemalloc.start()
    try:
        clip = audio.decode(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert clip.channels == 8 and abs(clip.duration_s - secs) < 0.01
    assert clip.raw.shape[1] == 1 and clip.source_sr == audio.SR     # long: only the mono signal is kept
    expected = np.sin(2 * np.pi * 200 * np.arange(audio.SR) / audio.SR) * 8000 / 32768 / 8
    seg = clip.samples[audio.SR * 60: audio.SR * 61]
    assert abs(np.abs(seg).max() - np.abs(expected).max()) < 0.003  # the mix is the mean of the channels
    print(f"8-channel 48 kHz, 3 min: decode peak {peak / MB:.0f} MB (float32 in full: {secs * sr * ch * 4 / MB:.0f} MB)")
    assert peak < 140 * MB, f"{peak / MB:.0f} MB"
