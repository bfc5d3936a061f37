"""The `makeittalk` command. Sub-commands live in their own modules; each has add_parser(sub)."""

from __future__ import annotations

import argparse
import importlib
import sys

# module names under makeittalk_server, each with add_parser(subparsers) that sets func=run(args)->int
COMMANDS = ("cmd_serve", "cmd_landmarks", "cmd_track", "cmd_animate", "cmd_render", "cmd_export")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="makeittalk", description="MakeItTalk for Blender: talking heads "
                                     "from one portrait and a speech recording.")
    parser.add_argument("--version", action="version", version=f"makeittalk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"makeittalk_server.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"makeittalk_server.{name}":
                continue  # not part of this build yet
            raise
        mod.add_parser(sub)
    return parser


def main(argv=None) -> int:
    import warnings

    # webrtcvad and face_recognition_models import pkg_resources, which warns on every start.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    from .errors import UserError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        print(f"makeittalk: error: {e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("makeittalk: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
