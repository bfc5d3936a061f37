"""`makeittalk serve`: the local inference server."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="run the local inference server (default 127.0.0.1:8765)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; others need --token)")
    p.add_argument("--port", type=int, default=None, help="port (default 8765)")
    p.add_argument("--token", default=None, help="require 'Authorization: Bearer TOKEN'; prefer the environment "
                   "variable MAKEITTALK_TOKEN, which other users cannot see in the process list")
    p.add_argument("--trusted-host", action="append", default=[], metavar="NAME",
                   help="a host name besides 127.0.0.1/localhost that requests may be addressed to (repeatable)")
    p.add_argument("--max-queue", type=int, default=None, help="jobs waiting or running at most (default 8)")
    p.add_argument("--max-audio-minutes", type=float, default=None, help="longest audio accepted (default 20)")
    p.add_argument("--checkpoints", type=Path, default=None, help="folder of the official MakeItTalk checkpoints")
    p.add_argument("--face-alignment-dir", type=Path, default=None, help="folder of face-alignment weights")
    p.add_argument("--allow-dir", type=Path, action="append", default=[],
                   help="a folder whose files requests may name (repeatable)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
    p.add_argument("--max-audio-mb", type=float, default=None)
    p.add_argument("--max-image-mb", type=float, default=None)
    p.add_argument("--job-ttl", type=float, default=None, help="seconds finished jobs are kept (default 3600)")
    p.add_argument("--no-warm", action="store_true", help="skip loading models at start")
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    from .security import is_loopback_name

    return is_loopback_name(host)


def run(args) -> int:
    import uvicorn

    from .app import create_app
    from .config import Settings

    settings = Settings.from_env(
        host=args.host, port=args.port, token=args.token, checkpoints_dir=args.checkpoints,
        face_alignment_dir=args.face_alignment_dir, device=args.device, max_audio_mb=args.max_audio_mb,
        max_image_mb=args.max_image_mb, job_ttl_s=args.job_ttl, warm=False if args.no_warm else None,
        max_queue=args.max_queue, max_audio_minutes=args.max_audio_minutes)
    settings.allowed_dirs = list(settings.allowed_dirs) + list(args.allow_dir)
    settings.trusted_hosts = list(settings.trusted_hosts) + list(args.trusted_host)
    if not is_loopback(settings.host) and not settings.token:
        print(f"makeittalk serve: refusing to listen on {settings.host} without a token: anyone on the "
              "network could use this server. Pass --token (or set MAKEITTALK_TOKEN).", file=sys.stderr)
        return 2
    if settings.checkpoints_dir and not Path(settings.checkpoints_dir).is_dir():
        print(f"makeittalk serve: warning: checkpoint folder {settings.checkpoints_dir} does not exist",
              file=sys.stderr)
    app = create_app(settings)
    print(f"makeittalk serve: listening on http://{settings.host}:{settings.port} "
          f"(device {settings.torch_device()})", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
    return 0
