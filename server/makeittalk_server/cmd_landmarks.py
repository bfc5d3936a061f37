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
    from . import prepare
    from .config import Settings

    out = prepare.portrait_landmarks(args.portrait, Settings.from_env(), name=args.portrait, prefer=args.detector)
    text = json.dumps(out, indent=1)
    if args.output == "-":
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    for note in out["notes"]:
        print(f"makeittalk: note: {note}", file=sys.stderr)
    return 0
