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


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    max_audio_mb: float = 200.0
    max_image_mb: float = 50.0
    # Folders whose files a request may name (e.g. `checkpoints`); nothing else is ever opened.
    allowed_dirs: list[Path] = field(default_factory=list)
    checkpoints_dir: Path | None = None          # official MakeItTalk checkpoint files
    face_alignment_dir: Path | None = None       # face-alignment weights (else torch hub cache)
    device: str = "auto"                         # auto | cpu | cuda
    job_ttl_s: float = 3600.0                    # finished jobs are kept this long
    max_jobs_kept: int = 64
    warm: bool = True
    work_dir: Path | None = None                 # job scratch (frames); a temp dir when None

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls(
            host=_env("HOST", "127.0.0.1"), port=int(_env("PORT", 8765)), token=_env("TOKEN", None),
            max_audio_mb=float(_env("MAX_AUDIO_MB", 200.0)), max_image_mb=float(_env("MAX_IMAGE_MB", 50.0)),
            checkpoints_dir=_path(_env("CHECKPOINTS", None)),
            face_alignment_dir=_path(_env("FACE_ALIGNMENT_DIR", None)),
            device=_env("DEVICE", "auto"), warm=_env("WARM", True),
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
        p = Path(path).expanduser().resolve()
        for root in self.allowed_dirs:
            r = Path(root).expanduser().resolve()
            if p == r or r in p.parents:
                return p
        raise BadInput("path_not_allowed", f"the server may not open '{path}': start it with "
                       "--allow-dir (or --checkpoints) naming a folder that contains it")


def _path(v):
    return Path(v).expanduser() if v else None
