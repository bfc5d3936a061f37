"""Write frames (+ the speech) as an H.264/AAC mp4 with PyAV, or as a folder of numbered PNGs.

No system ffmpeg: PyAV's wheels carry their own libraries. Any positive fps works, including
non-integer ones such as 62.5 or 29.97 (a Fraction time base).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import BadInput

FRAME_NAME = "frame_{:06d}.png"


def fps_fraction(fps: float) -> Fraction:
    """62.5 -> 125/2, 29.97 -> 2997/100; a limited denominator keeps the time base small."""
    if not (fps > 0 and np.isfinite(fps)):
        raise BadInput("bad_fps", f"fps must be a positive number, got {fps!r}")
    return Fraction(fps).limit_denominator(1001)


def write_pngs(frames: Iterable[np.ndarray], out_dir, progress=None) -> int:
    """frames (RGB uint8) -> out_dir/frame_000001.png ...; returns the count."""
    import cv2

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for n, frame in enumerate(frames, start=1):
        if progress is not None:
            progress.check()
        path = out_dir / FRAME_NAME.format(n)
        if not cv2.imwrite(str(path), np.ascontiguousarray(frame[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            raise OSError(f"could not write {path}")
    return n


def write_mp4(frames: Iterable[np.ndarray], path, fps: float, audio=None, crf: int = 18, progress=None) -> int:
    """frames (RGB uint8, all the same size) -> H.264 yuv420p mp4 at fps, with `audio` muxed as AAC.

    audio: None, or (samples frames x channels float32 in [-1, 1], sample_rate). Returns the frame count.
    """
    import av

    rate = fps_fraction(fps)
    path = str(path)
    n = 0
    with av.open(path, mode="w", format="mp4") as container:
        vstream = None
        astream = None
        if audio is not None:
            samples, sr = audio
            samples = np.asarray(samples, dtype=np.float32)
            if samples.ndim == 1:
                samples = samples[:, None]
            layout = "mono" if samples.shape[1] == 1 else "stereo"
            samples = samples[:, :2]
            astream = container.add_stream("aac", rate=int(sr), layout=layout)
        for frame in frames:
            if progress is not None:
                progress.check()
            frame = np.ascontiguousarray(frame)
            if vstream is None:
                h, w = frame.shape[:2]
                vstream = container.add_stream("libx264", rate=rate)
                # yuv420p needs even sizes: pad by one repeated edge pixel when odd.
                vstream.width, vstream.height = w + (w % 2), h + (h % 2)
                vstream.pix_fmt = "yuv420p"
                vstream.codec_context.time_base = 1 / rate
                vstream.options = {"crf": str(crf), "preset": "veryfast"}
                size = (h, w)
            if frame.shape[:2] != size:
                raise BadInput("bad_frames", f"frame {n + 1} is {frame.shape[1]}x{frame.shape[0]}, "
                               f"the first was {size[1]}x{size[0]}")
            if w % 2 or h % 2:
                frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            vf.pts = n
            vf.time_base = 1 / rate
            for packet in vstream.encode(vf):
                container.mux(packet)
            n += 1
        if vstream is None:
            raise BadInput("no_frames", "there are no frames to write")
        for packet in vstream.encode():
            container.mux(packet)
        if astream is not None:
            _encode_audio(container, astream, samples, int(sr))
    return n


def _encode_audio(container, stream, samples: np.ndarray, sr: int) -> None:
    import av

    planar = np.ascontiguousarray(samples.T)                 # channels x frames, fltp
    chunk = 1024 * 16
    layout = "mono" if planar.shape[0] == 1 else "stereo"
    for start in range(0, planar.shape[1], chunk):
        part = np.ascontiguousarray(planar[:, start:start + chunk])
        af = av.AudioFrame.from_ndarray(part, format="fltp", layout=layout)
        af.sample_rate = sr
        af.pts = start
        af.time_base = Fraction(1, sr)
        for packet in stream.encode(af):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
