"""`makeittalk landmarks`: detect the 68 rest landmarks of a portrait, without a server."""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("landmarks", help="detect the 68 landmarks of a portrait and write them as JSON")
    p.add_argument("portrait")
    p.add_argument("-o", "--output", default="-", help="JSON file (default: standard output)")
    p.add_argument("--detector", choices=("dlib", "face_alignment"), default=None)
    p.set_defaults(func=run)


def run(args) -> int:
    from . import image, landmarks
    from .config import Settings

    img = image.decode(args.portrait, name=args.portrait)
    res = landmarks.detect(img, Settings.from_env(), prefer=args.detector)
    out = {"width": int(img.shape[1]), "height": int(img.shape[0]), **res.info(),
           "landmarks": [[round(float(v), 3) for v in p] for p in res.landmarks]}
    text = json.dumps(out, indent=1)
    if args.output == "-":
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    for note in res.notes:
        print(f"makeittalk: note: {note}", file=sys.stderr)
    return 0
