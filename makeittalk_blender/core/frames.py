"""Rendered frames from the server (a zip of numbered PNGs): check them and unpack them into a folder.

Pure Python (no bpy), so plain pytest covers it. Every problem raises FramesError with a message an
artist can act on: not a zip, a damaged entry, a frame that is not a valid PNG, a gap in the
numbering, frames of different sizes, a name that would escape the folder.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FRAME_RE = re.compile(r"^(?P<stem>[A-Za-z_\-]*?)(?P<num>\d+)\.png$", re.IGNORECASE)
MAX_TOTAL_BYTES = 32 * 1024 ** 3          # refuse archives that would unpack to more than this


class FramesError(ValueError):
    pass


def png_size(data: bytes, name: str = "frame") -> tuple[int, int]:
    """(width, height) of a complete, undamaged PNG; FramesError otherwise. Walks every chunk and checks
    its CRC, so a truncated or bit-flipped file is caught without decoding the pixels."""
    if len(data) < 8 or data[:8] != PNG_SIGNATURE:
        raise FramesError(f"{name} is not a PNG image")
    pos, size, seen_end, first = 8, None, False, True
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if pos + 12 + length > len(data):
            break
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise FramesError(f"{name} is damaged (bad checksum in its {kind.decode('latin-1')} chunk)")
        if first:
            if kind != b"IHDR" or length != 13:
                raise FramesError(f"{name} is not a valid PNG (no header chunk)")
            size = struct.unpack(">II", body[:8])
            first = False
        pos += 12 + length
        if kind == b"IEND":
            seen_end = True
            break
    if size is None or not seen_end:
        raise FramesError(f"{name} is truncated (the PNG ends before its last chunk)")
    if size[0] == 0 or size[1] == 0:
        raise FramesError(f"{name} has no pixels")
    return size


def frame_number(name: str) -> int | None:
    m = FRAME_RE.match(os.path.basename(name))
    return int(m.group("num")) if m else None


def _check_sequence(numbered: list[tuple[int, str]], where: str) -> list[tuple[int, str]]:
    if not numbered:
        raise FramesError(f"{where} holds no numbered PNG frames (frame_000001.png ...)")
    numbered = sorted(numbered, key=lambda item: item[0])
    nums = [n for n, _ in numbered]
    if len(set(nums)) != len(nums):
        dup = sorted({n for n in nums if nums.count(n) > 1})[:5]
        raise FramesError(f"{where} has more than one frame numbered {', '.join(map(str, dup))}")
    expected = range(nums[0], nums[0] + len(nums))
    if nums != list(expected):
        missing = sorted(set(range(nums[0], nums[-1] + 1)) - set(nums))
        shown = ", ".join(str(n) for n in missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise FramesError(f"{where} is missing frame(s) {shown} (frames {nums[0]}..{nums[-1]} expected "
                          "without gaps)")
    return numbered


def _check_sizes(sizes: dict[str, tuple[int, int]], where: str) -> None:
    distinct = set(sizes.values())
    if len(distinct) > 1:
        first = next(iter(sizes.items()))
        odd = next(n for n, s in sizes.items() if s != first[1])
        raise FramesError(f"{where}: frames differ in size ({first[0]} is {first[1][0]}x{first[1][1]}, "
                          f"{odd} is {sizes[odd][0]}x{sizes[odd][1]})")


def unpack_zip(zip_path_or_bytes, dest_dir) -> list[str]:
    """Check a frames zip and write its PNGs into dest_dir (created; older numbered PNGs there are
    removed first). Returns the frame paths in order. Raises FramesError for anything wrong; on error
    nothing is left half-written in dest_dir."""
    src = io.BytesIO(zip_path_or_bytes) if isinstance(zip_path_or_bytes, (bytes, bytearray)) else zip_path_or_bytes
    where = "the frames archive"
    try:
        zf = zipfile.ZipFile(src)
    except FileNotFoundError:
        raise FramesError(f"the frames archive '{zip_path_or_bytes}' does not exist") from None
    except (zipfile.BadZipFile, OSError) as e:
        raise FramesError(f"{where} is not a valid zip file ({e})") from None
    with zf:
        entries = [i for i in zf.infolist() if not i.is_dir()]
        numbered = []
        for info in entries:
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
                raise FramesError(f"{where} holds an unsafe path '{name}'")
            n = frame_number(name)
            if n is None:
                raise FramesError(f"{where} holds '{name}', which is not a numbered PNG frame")
            numbered.append((n, info))
        numbered = _check_sequence(numbered, where)
        if sum(i.file_size for _, i in numbered) > MAX_TOTAL_BYTES:
            raise FramesError(f"{where} would unpack to more than {MAX_TOTAL_BYTES // 1024 ** 3} GiB")
        blobs, sizes = [], {}
        for n, info in numbered:
            base = os.path.basename(info.filename)
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError) as e:
                raise FramesError(f"{where}: {base} is damaged ({e})") from None
            sizes[base] = png_size(data, base)
            blobs.append((n, data))
    _check_sizes(sizes, where)
    os.makedirs(dest_dir, exist_ok=True)
    _remove_old_frames(dest_dir)
    digits = max(6, len(str(blobs[-1][0])))
    paths = []
    for n, data in blobs:
        path = os.path.join(dest_dir, f"frame_{n:0{digits}d}.png")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    return paths


def scan_folder(frames_dir) -> list[str]:
    """The numbered PNGs of a folder in order, after the same checks as unpack_zip."""
    where = f"the folder '{frames_dir}'"
    if not os.path.isdir(frames_dir):
        raise FramesError(f"{where} does not exist")
    numbered = [(frame_number(n), n) for n in os.listdir(frames_dir)]
    numbered = _check_sequence([(k, n) for k, n in numbered if k is not None], where)
    sizes = {}
    for _, name in numbered:
        with open(os.path.join(frames_dir, name), "rb") as f:
            sizes[name] = png_size(f.read(), name)
    _check_sizes(sizes, where)
    return [os.path.join(frames_dir, n) for _, n in numbered]


def _remove_old_frames(dest_dir) -> None:
    for name in os.listdir(dest_dir):
        if frame_number(name) is not None and os.path.isfile(os.path.join(dest_dir, name)):
            os.remove(os.path.join(dest_dir, name))
