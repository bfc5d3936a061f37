"""`makeittalk export TRACK -o OUT --format F`: a track to another pipeline's file (ARKit CSV/JSON,
Oculus visemes, Rhubarb cues, glTF, SRT). The work is the add-on's pure exports package.

TRACK may also be a Rhubarb cue file or a Live Link Face CSV: it is imported (drawn on the template
face) first, so `--format track` turns one into a MakeItTalk track and any format converts it."""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import BadInput

# the format an output's extension means when --format is not given (.json is ambiguous)
BY_SUFFIX = {".csv": "arkit-csv", ".tsv": "rhubarb-tsv", ".glb": "gltf", ".srt": "srt"}


def add_parser(sub) -> None:
    from makeittalk_blender.core.exports import FORMATS

    p = sub.add_parser("export", help="export a track as ARKit CSV/JSON, Oculus visemes, Rhubarb cues, glTF or SRT")
    p.add_argument("track", help="track file (.json or .npz) from `makeittalk track`, the server or the add-on")
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    p.add_argument("--format", "-f", default=None, metavar="F",
                   help=f"one of {', '.join(FORMATS)}, or track (default: from the output's extension)")
    p.add_argument("--fps", type=float, default=None, help="frame rate of a take imported from cues or a CSV")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from makeittalk_blender.core.exports import ExportError, export

    from .track import TrackError, dumps

    fmt = args.format or BY_SUFFIX.get(args.output.suffix.lower())
    if fmt is None:
        raise BadInput("bad_format", f"say which format to write with --format ({args.output.name} could be several)")
    if args.fps is not None and not 0 < args.fps <= 240:
        raise BadInput("bad_params", "--fps must be a number above 0 and at most 240")
    try:
        track = _read(Path(args.track), args.fps)
    except (TrackError, ExportError) as e:
        raise BadInput("bad_track", f"{Path(args.track).name}: {e}") from None
    try:
        data = dumps(track).encode() if fmt == "track" else export(track, fmt)
    except ExportError as e:
        raise BadInput("bad_format", str(e)) from None
    try:
        args.output.write_bytes(data)
    except OSError as e:
        raise BadInput("bad_output", f"cannot write {args.output}: {e.strerror or e}") from None
    if not args.quiet:
        print(f"wrote {args.output} ({fmt}, {track.n_frames} frames, {track.duration_s:.2f} s)", file=sys.stderr)
    return 0


def _read(path: Path, fps: float | None):
    """A track file, or a cue file / ARKit CSV imported as one."""
    from makeittalk_blender.core.exports import import_bytes, kind_of

    from .track import TrackError, from_npz, loads

    try:
        data = path.read_bytes()
    except OSError as e:
        raise TrackError(f"cannot read the file: {e.strerror or e}") from None
    if path.suffix.lower() == ".npz":
        return from_npz(data)
    head = data[:4000].decode("utf-8", errors="replace").lower()
    if '"makeittalk-track"' in head:
        return loads(data)
    try:
        kind = kind_of(path, data)
    except ValueError:
        return loads(data)            # says plainly what is wrong with it as a track
    return import_bytes(data, kind, fps=fps)
