"""The `makeittalk` command. Sub-commands live in their own modules; each has add_parser(sub).

Only the module of the sub-command being run is imported (the others are imported for --help), and
each module imports its heavy libraries inside run(): a cold start pays only for what the job uses.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command -> module under makeittalk_server with add_parser(subparsers) that sets func=run(args)->int.
# One line per command; a module absent from this build is left out.
COMMANDS = {
    "serve": "cmd_serve",
    "landmarks": "cmd_landmarks",
    "track": "cmd_track",
    "animate": "cmd_animate",
    "render": "cmd_render",
    "export": "cmd_export",
    "batch": "cmd_batch",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that sub-command's module is imported."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="makeittalk", description="MakeItTalk for Blender: talking heads "
                                     "from one portrait and a speech recording.")
    parser.add_argument("--version", action="version", version=f"makeittalk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            mod = importlib.import_module(f"makeittalk_server.{module}")
        except ModuleNotFoundError as e:
            if e.name == f"makeittalk_server.{module}":
                continue  # not part of this build yet
            raise
        mod.add_parser(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv=None) -> int:
    import warnings

    # webrtcvad and face_recognition_models import pkg_resources, which warns on every start.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    from .errors import UserError

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(argv))
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
