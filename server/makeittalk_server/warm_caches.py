"""Fill the on-disk caches a first run would otherwise fill, once, right after install (install.py runs
`python -m makeittalk_server.warm_caches`): the package's bytecode, and numba's compiled functions of
librosa (imported by the makeittalk engine and resemblyzer; compiling them cost the first run after a
fresh install ~17-30 s). Each step may fail alone (it only means the first run pays for it)."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path


def _bytecode() -> None:
    import compileall

    pkg = Path(__file__).resolve().parent
    for d in (pkg, pkg.parent.parent / "makeittalk_blender"):
        if d.is_dir():
            compileall.compile_dir(str(d), quiet=1)


def _numba() -> None:
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import librosa
        import librosa.feature

        y = np.zeros(16000, np.float32)
        librosa.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=40)
        librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=90, fmax=7600)


def _voice() -> None:
    from .engines import speaker_numpy

    speaker_numpy.encoder().embed_utterance(_noise())


def _noise():
    import numpy as np

    return (np.random.default_rng(0).standard_normal(16000 * 2) * 0.05).astype(np.float32)


STEPS = (("bytecode", _bytecode), ("numba (librosa)", _numba), ("voice weights (read check)", _voice))


def main() -> int:
    for name, step in STEPS:
        t = time.monotonic()
        try:
            step()
            print(f"[warm] {name}: {time.monotonic() - t:.1f} s", flush=True)
        except Exception as e:       # never fails the install
            print(f"[warm] {name}: skipped ({type(e).__name__}: {str(e)[:120]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
