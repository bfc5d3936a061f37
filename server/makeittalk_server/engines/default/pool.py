"""Runs pocketsphinx over chunks. pocketsphinx holds the GIL, so parallelism needs processes."""

from __future__ import annotations

import threading

from .phones import PhoneDecoder


class DecoderPool:
    def __init__(self, method: str = "words"):
        self._local = PhoneDecoder(method)
        self._lock = threading.Lock()

    def warm(self) -> None:
        self._local.load()

    def map(self, jobs, progress=None):
        """[(samples, transcript_words | None)] -> [(phones, words, how)] in order."""
        out = []
        with self._lock:
            for i, (x, tw) in enumerate(jobs):
                if progress is not None:
                    progress.stage("phones", 0.5 * i / max(1, len(jobs)))
                out.append(self._local.chunk_phones(x, tw))
        return out
