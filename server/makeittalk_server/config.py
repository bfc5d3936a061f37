"""Server settings: command-line flags and MAKEITTALK_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInput


def _env(name: str, default):
    v = os.environ.get("MAKEITTALK_" + name)
    if v is None or default is None:
        return v if v is not None else default
    if isinstance(default, bool):
        return v.lower() in ("1", "true", "yes")
    return type(default)(v)


def _env_list(name: str) -> list[str]:
    return [x.strip() for x in (os.environ.get("MAKEITTALK_" + name) or "").split(",") if x.strip()]


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None                     # from MAKEITTALK_TOKEN (the add-on passes it so, never argv)
    max_audio_mb: float = 200.0
    max_image_mb: float = 50.0
    max_audio_minutes: float = 20.0              # longer clips are refused from the file header
    # Host names (besides loopback) requests may be addressed to; empty: loopback only. Requests from web
    # pages of any other origin are always refused (security.py).
    trusted_hosts: list[str] = field(default_factory=list)
    max_queue: int = 8                           # jobs queued or running; more answer 429
    max_queued_audio_minutes: float = 60.0       # decoded audio held by queued jobs, all together
    decode_slots: int = 2                        # uploads decoded at once; more wait, then 429
    max_uploads: int = 4                         # bodies over 1 MB received at once; more answer 429
    body_idle_s: float = 30.0                    # a request body silent this long is answered 408
    max_render_gigapixels: float = 40.0          # frames x width x height of one render job
    min_free_disk_mb: float = 512.0              # kept free on the job folder's disk
    max_engines: int = 3                         # engine objects kept loaded (least recently used go)
    # Folders whose files a request may name (e.g. `checkpoints`); nothing else is ever opened.
    allowed_dirs: list[Path] = field(default_factory=list)
    checkpoints_dir: Path | None = None          # official MakeItTalk checkpoint files
    face_alignment_dir: Path | None = None       # face-alignment weights (else torch hub cache)
    device: str = "auto"                         # auto | cpu | cuda
    job_ttl_s: float = 3600.0                    # finished jobs are kept this long
    max_jobs_kept: int = 64
    warm: bool = True
    work_dir: Path | None = None                 # where job folders go (frames); the temp dir when None

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls(
            host=_env("HOST", "127.0.0.1"), port=int(_env("PORT", 8765)), token=_env("TOKEN", None) or None,
            max_audio_mb=float(_env("MAX_AUDIO_MB", 200.0)), max_image_mb=float(_env("MAX_IMAGE_MB", 50.0)),
            max_audio_minutes=float(_env("MAX_AUDIO_MINUTES", 20.0)),
            trusted_hosts=_env_list("TRUSTED_HOSTS"),
            max_queue=int(_env("MAX_QUEUE", 8)), body_idle_s=float(_env("BODY_IDLE_S", 30.0)),
            max_render_gigapixels=float(_env("MAX_RENDER_GIGAPIXELS", 40.0)),
            checkpoints_dir=_path(_env("CHECKPOINTS", None)),
            face_alignment_dir=_path(_env("FACE_ALIGNMENT_DIR", None)),
            device=_env("DEVICE", "auto"), warm=_env("WARM", True), work_dir=_path(_env("WORK_DIR", None)),
        )
        for k, v in overrides.items():
            if v is not None:
                setattr(s, k, v)
        if s.checkpoints_dir:
            s.allowed_dirs = list(s.allowed_dirs) + [Path(s.checkpoints_dir)]
        return s

    def torch_device(self) -> str:
        if self.device != "auto":
            return self.device
        try:
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError:
            return "cpu"

    def resolve_allowed(self, path: str) -> Path:
        """A path from a request, only if it lies under an allowed folder (after resolving links)."""
        refused = BadInput("path_not_allowed", "the server may not open that folder: start it with "
                           "--allow-dir (or --checkpoints) naming a folder that contains it")
        try:
            p = Path(path).expanduser().resolve()
        except (ValueError, OSError, RuntimeError):   # NUL bytes, loops, odd names: never a 500
            raise refused from None
        for root in self.allowed_dirs:
            try:
                r = Path(root).expanduser().resolve()
            except (ValueError, OSError, RuntimeError):
                continue
            if p == r or r in p.parents:
                return p
        raise refused


def _path(v):
    return Path(v).expanduser() if v else None
