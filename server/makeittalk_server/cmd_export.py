"""`makeittalk export TRACK -o OUT --format F`: a track to another pipeline's file (ARKit CSV/JSON,
Oculus visemes, Rhubarb cues, glTF, SRT). The work is the add-on's pure exports package."""

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
                   help=f"one of {', '.join(FORMATS)} (default: from the output's extension)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from makeittalk_blender.core.exports import ExportError, export

    from .track import TrackError, load

    fmt = args.format or BY_SUFFIX.get(args.output.suffix.lower())
    if fmt is None:
        raise BadInput("bad_format", f"say which format to write with --format ({args.output.name} could be several)")
    try:
        track = load(args.track)
    except TrackError as e:
        raise BadInput("bad_track", f"{Path(args.track).name}: {e}") from None
    try:
        data = export(track, fmt)
    except ExportError as e:
        raise BadInput("bad_format", str(e)) from None
    try:
        args.output.write_bytes(data)
    except OSError as e:
        raise BadInput("bad_output", f"cannot write {args.output}: {e.strerror or e}") from None
    if not args.quiet:
        print(f"wrote {args.output} ({fmt}, {track.n_frames} frames, {track.duration_s:.2f} s)", file=sys.stderr)
    return 0
