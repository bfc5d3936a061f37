"""`makeittalk render`: a track + the portrait -> an mp4 (with the speech) or a folder of PNG frames,
without Blender and without a server."""

from __future__ import annotations

import sys
from pathlib import Path

from makeittalk_blender.core import constants as C

from .errors import BadInput


def add_parser(sub) -> None:
    p = sub.add_parser("render", help="render a track to an mp4 (H.264 + AAC) or to numbered PNG frames")
    p.add_argument("track", help="track file (.json or .npz) from `makeittalk track` or the server")
    p.add_argument("portrait", help="the portrait image the track was made for")
    p.add_argument("--audio", default=None, help="speech to mux into the mp4 (mp4 output only)")
    p.add_argument("--renderer", default=C.DEFAULT_RENDERER, choices=C.RENDERERS)
    p.add_argument("--width", type=int, default=None, help="frame width (default: the portrait's)")
    p.add_argument("--height", type=int, default=None, help="frame height (default: the portrait's)")
    p.add_argument("--no-teeth", action="store_true", help="warp: a plain dark mouth cavity")
    p.add_argument("--mouth", default="auto", choices=("auto", "interior", "portrait"),
                   help="warp: a mouth made from the portrait's colours (interior), the picture's own open "
                        "mouth (portrait), or the latter only when the portrait's mouth is open (auto)")
    p.add_argument("--no-paste-back", action="store_true", help="neural: output the 256 px face crop only")
    p.add_argument("--checkpoints", type=Path, default=None, help="folder with ckpt_116_i2i_comb.pth (neural)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("-o", "--output", type=Path, help="mp4 file to write")
    out.add_argument("--frames-dir", type=Path, help="folder to write frame_000001.png ... into")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from . import audio, image, renderers, video
    from .config import Settings
    from .params import RenderRequest
    from .progress import Progress
    from .track import TrackError, load

    try:
        req = RenderRequest(renderer=args.renderer, width=args.width, height=args.height,
                            teeth=not args.no_teeth, paste_back=not args.no_paste_back, mouth=args.mouth)
    except ValueError as e:
        raise BadInput("bad_params", f"invalid render options: {e}") from None
    if args.output is not None and args.output.suffix.lower() != ".mp4":
        raise BadInput("bad_output", f"{args.output}: only .mp4 output is written (or use --frames-dir)")
    if args.audio and args.frames_dir is not None:
        raise BadInput("bad_output", "--audio goes with -o out.mp4; a frames folder has no sound")
    try:
        track = load(args.track)
    except OSError as e:
        raise BadInput("unreadable_track", f"could not open {args.track}: {e.strerror}") from None
    except TrackError as e:
        raise BadInput("bad_track", f"{args.track}: {e}") from None
    img = image.decode(args.portrait, name=args.portrait)
    clip = audio.decode(args.audio, name=args.audio) if args.audio else None

    settings = Settings.from_env(checkpoints_dir=args.checkpoints)
    renderer = renderers.get(req.renderer, settings)
    progress = Progress()
    frames = _report(renderer.render(track, img, req, progress), track.n_frames, args.quiet)
    where = args.frames_dir if args.frames_dir is not None else args.output
    try:
        if args.frames_dir is not None:
            n = video.write_pngs(frames, args.frames_dir, progress)
        else:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            sound = (clip.raw, clip.source_sr) if clip is not None else None
            n = video.write_mp4(frames, args.output, track.fps, audio=sound, progress=progress)
    except OSError as e:
        raise BadInput("unwritable_output", f"could not write {e.filename or where}: {e.strerror}" if e.strerror
                       else str(e)) from None
    if not args.quiet:
        print(f"\nmakeittalk: wrote {where}: {n} frames at {track.fps:g} fps ({req.renderer})", file=sys.stderr)
    return 0


def _report(frames, total: int, quiet: bool):
    for k, frame in enumerate(frames, start=1):
        if not quiet and (k % 10 == 0 or k == total):
            print(f"\rrendering frame {k}/{total}", end="", file=sys.stderr, flush=True)
        yield frame
