"""`makeittalk track`: portrait + audio -> track file, without a server (same code as a server job)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from makeittalk_blender.core import constants as C

from .errors import BadInput


def add_parser(sub) -> None:
    p = sub.add_parser("track", help="make a landmark track (.json or .npz) from a portrait and speech")
    p.add_argument("portrait")
    p.add_argument("audio")
    p.add_argument("-o", "--output", required=True, help="track file to write (.json or .npz)")
    p.add_argument("--engine", default=C.DEFAULT_ENGINE, choices=C.ENGINES)
    p.add_argument("--checkpoints", type=Path, default=None, help="folder of the official MakeItTalk files")
    p.add_argument("--fps", type=float, default=C.DEFAULT_FPS, help=f"frames per second (default {C.DEFAULT_FPS:g})")
    p.add_argument("--transcript", default=None, help="text of what is said (improves lip sync)")
    p.add_argument("--rest-landmarks", type=Path, default=None,
                   help=".npy or .json with 68x2 or 68x3 pixel landmarks (skips detection)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--emotion", default=C.DEFAULT_EMOTION, choices=C.EMOTIONS)
    p.add_argument("--intensity", type=float, default=C.DEFAULT_INTENSITY)
    p.add_argument("--amp-lip-x", type=float, default=2.0)
    p.add_argument("--amp-lip-y", type=float, default=2.0)
    p.add_argument("--amp-pos", type=float, default=0.5)
    p.add_argument("--no-blink", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def read_landmarks_file(path: Path) -> list:
    """68x2 / 68x3 from .npy, or .json (a bare list, or an object with a 'landmarks' list)."""
    try:
        if path.suffix.lower() == ".npy":
            arr = np.load(path, allow_pickle=False)
        else:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            arr = np.asarray(data["landmarks"] if isinstance(data, dict) else data, dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BadInput("bad_landmarks", f"could not read landmarks from {path}: {e}") from None
    if arr.ndim != 2 or arr.shape[0] != 68 or arr.shape[1] not in (2, 3):
        raise BadInput("bad_landmarks", f"{path} holds shape {arr.shape}; 68x2 or 68x3 expected")
    return arr.astype(np.float64).tolist()


def _load_decoders(engine, transcript: bool) -> None:
    """The default engine's phone decoders (~0.85 s to load) load now, while the helper child may still
    be detecting a new portrait (prefetch.py), instead of after it; the job loads them anyway. Without
    a transcript the transcript aligner (~0.2 s) is left out: this one job cannot need it."""
    from . import prefetch

    pool = getattr(engine, "pool", None)
    if prefetch.active() and hasattr(pool, "load_local"):
        pool.transcripts_expected = transcript
        pool.load_local()


def run(args) -> int:
    from . import pipeline, prepare
    from .config import Settings
    from .params import parse_params
    from .progress import Progress

    settings = Settings.from_env(checkpoints_dir=args.checkpoints)
    if args.checkpoints:
        settings.allowed_dirs.append(args.checkpoints)
    if args.engine == "default" or not args.rest_landmarks:
        from . import prefetch

        # landmarks (dlib's models), voice embedding and pitch worked out by a child on the other core
        # while this process loads the engine and decodes the phones
        prefetch.start(None if args.rest_landmarks else args.portrait,
                       args.audio if args.engine == "default" else None, settings)
    p = {"engine": args.engine, "fps": args.fps, "seed": args.seed, "blink": not args.no_blink,
         "amp_lip_x": args.amp_lip_x, "amp_lip_y": args.amp_lip_y, "amp_pos": args.amp_pos,
         "emotion": {"name": args.emotion, "intensity": args.intensity}}
    if args.transcript:
        p["transcript"] = args.transcript
    if args.rest_landmarks:
        p["rest_landmarks"] = read_landmarks_file(args.rest_landmarks)
    params = parse_params(p)
    # The same preparation as a server job: engine ready, inputs decoded, landmarks detected or checked.
    prep = prepare.prepare(params, args.audio, args.portrait, settings, audio_name=args.audio,
                           image_name=args.portrait,
                           before_landmarks=lambda e: _load_decoders(e, bool(args.transcript)))

    def show(stage, frac):
        if not args.quiet:
            print(f"\r[{'#' * int(frac * 30):<30}] {frac * 100:5.1f}% {stage:<24}", end="", file=sys.stderr,
                  flush=True)

    track = pipeline.run(prep, Progress(show))
    track.save(args.output)
    if not args.quiet:
        print(f"\nmakeittalk: wrote {args.output}: {track.n_frames} frames at {track.fps:g} fps "
              f"({track.duration_s:.2f} s, engine {track.engine})", file=sys.stderr)
    return 0
