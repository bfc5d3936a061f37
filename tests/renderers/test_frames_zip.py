"""makeittalk_blender.core.frames: unpacking the server's frames zip, and every way it can be broken."""

from __future__ import annotations

import io
import zipfile

import cv2
import numpy as np
import pytest

from makeittalk_blender.core import frames


def png(w=8, h=6, value=0) -> bytes:
    ok, buf = cv2.imencode(".png", np.full((h, w, 3), value, np.uint8))
    assert ok
    return buf.tobytes()


def make_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def good_entries(n=5):
    return {f"frame_{k:06d}.png": png(value=k) for k in range(1, n + 1)}


def test_unpack_writes_the_frames_in_order(tmp_path):
    paths = frames.unpack_zip(make_zip(good_entries(5)), tmp_path / "f")
    assert [p.split("/")[-1] for p in paths] == [f"frame_{k:06d}.png" for k in range(1, 6)]
    for k, p in enumerate(paths, start=1):
        assert cv2.imread(p)[0, 0, 0] == k
    assert frames.scan_folder(tmp_path / "f") == paths


def test_unpack_from_a_file_path_and_replaces_old_frames(tmp_path):
    dest = tmp_path / "f"
    frames.unpack_zip(make_zip(good_entries(7)), dest)
    z = tmp_path / "frames.zip"
    z.write_bytes(make_zip(good_entries(3)))
    paths = frames.unpack_zip(str(z), dest)
    assert len(paths) == 3
    assert sorted(p.name for p in dest.iterdir()) == [f"frame_{k:06d}.png" for k in range(1, 4)]


def test_missing_frame_is_named(tmp_path):
    e = good_entries(6)
    del e["frame_000004.png"]
    with pytest.raises(frames.FramesError, match="missing frame.*4"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")
    assert not (tmp_path / "f").exists()          # nothing half-written


def test_truncated_png_is_reported(tmp_path):
    e = good_entries(3)
    e["frame_000002.png"] = e["frame_000002.png"][:-20]
    with pytest.raises(frames.FramesError, match="frame_000002.png is (truncated|damaged)"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")


def test_bit_flip_in_png_is_reported(tmp_path):
    e = good_entries(3)
    data = bytearray(e["frame_000003.png"])
    data[40] ^= 0x55
    e["frame_000003.png"] = bytes(data)
    with pytest.raises(frames.FramesError, match="frame_000003.png is damaged"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")


def test_not_a_png(tmp_path):
    e = good_entries(2)
    e["frame_000002.png"] = b"hello, not an image"
    with pytest.raises(frames.FramesError, match="not a PNG"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")


def test_not_a_zip_and_missing_archive(tmp_path):
    with pytest.raises(frames.FramesError, match="not a valid zip"):
        frames.unpack_zip(b"PK\x03\x04 broken", tmp_path / "f")
    with pytest.raises(frames.FramesError, match="does not exist"):
        frames.unpack_zip(str(tmp_path / "nothing.zip"), tmp_path / "f")


def test_empty_archive_and_foreign_files(tmp_path):
    with pytest.raises(frames.FramesError, match="no numbered PNG"):
        frames.unpack_zip(make_zip({}), tmp_path / "f")
    e = good_entries(2)
    e["notes.txt"] = b"x"
    with pytest.raises(frames.FramesError, match="notes.txt"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")


def test_unsafe_path_is_refused(tmp_path):
    e = good_entries(1)
    e["../frame_000002.png"] = png()
    with pytest.raises(frames.FramesError, match="unsafe path"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")


def test_frames_of_different_sizes(tmp_path):
    e = good_entries(3)
    e["frame_000003.png"] = png(w=9)
    with pytest.raises(frames.FramesError, match="differ in size"):
        frames.unpack_zip(make_zip(e), tmp_path / "f")


def test_corrupted_zip_member(tmp_path):
    raw = bytearray(make_zip(good_entries(2)))
    # flip a byte inside the first member's compressed data (after its 30-byte header and name)
    raw[30 + len("frame_000001.png") + 5] ^= 0xFF
    with pytest.raises(frames.FramesError):
        frames.unpack_zip(bytes(raw), tmp_path / "f")


def test_scan_folder_errors(tmp_path):
    with pytest.raises(frames.FramesError, match="does not exist"):
        frames.scan_folder(tmp_path / "nope")
    d = tmp_path / "d"
    d.mkdir()
    for k in (1, 2, 4):
        (d / f"frame_{k:06d}.png").write_bytes(png())
    with pytest.raises(frames.FramesError, match="missing frame.*3"):
        frames.scan_folder(d)
