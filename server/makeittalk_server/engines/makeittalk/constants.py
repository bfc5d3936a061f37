"""The original's constant data files, read from the checkpoint folder when present there, else from
the copies shipped in data/ (unchanged copies of files of the MakeItTalk repository, see data/README)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")

MEAN_STD_FILE = "MEAN_STD_AUTOVC_RETRAIN_MEL_AU.txt"   # 80 mel means then 80 stds
OBAMA_EMB_FILE = "obama_emb.txt"                        # AutoVC target speaker (256)
STD_FACE_FILE = "STD_FACE_LANDMARKS.txt"                # 68x3 mean face, normalised space


def _path(name: str, folder: str | None) -> Path:
    if folder and (Path(folder) / name).is_file():
        return Path(folder) / name
    return DATA / name


@lru_cache(maxsize=8)
def _load(name: str, folder: str | None) -> np.ndarray:
    a = np.loadtxt(_path(name, folder), dtype=np.float64)
    return a


def mel_mean_std(folder: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    a = _load(MEAN_STD_FILE, folder).reshape(-1)
    if a.shape != (160,):
        raise ValueError(f"{MEAN_STD_FILE} must hold 160 numbers, has {a.shape}")
    return a[:80], a[80:]


def obama_emb(folder: str | None = None) -> np.ndarray:
    a = _load(OBAMA_EMB_FILE, folder).reshape(-1)
    if a.shape != (256,):
        raise ValueError(f"{OBAMA_EMB_FILE} must hold 256 numbers, has {a.shape}")
    return a.astype(np.float32)


def std_face(folder: str | None = None) -> np.ndarray:
    a = _load(STD_FACE_FILE, folder)
    if a.shape[1:] != (3,) or a.shape[0] < 68:
        raise ValueError(f"{STD_FACE_FILE} must hold 68 rows of x y z, has {a.shape}")
    return a[:68]
