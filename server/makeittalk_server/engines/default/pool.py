"""Runs pocketsphinx over chunks. pocketsphinx holds the GIL, so parallelism needs processes: one
worker process per core (worker.py), started by warm() and kept. Short clips are decoded in this
process, where handing work elsewhere would cost more than it saves. If a worker fails, its chunk is
decoded here, so a job never fails for the pool's sake."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from . import segments
from .phones import PhoneDecoder
from .worker import read_msg, write_msg

MAX_WORKERS = 4
LOCAL_BELOW_S = 6.0          # total audio shorter than this is decoded here


class _Worker:
    def __init__(self, method: str):
        self.method = method
        env = dict(os.environ)
        pkg_root = str(Path(__file__).resolve().parents[3])   # the folder holding makeittalk_server
        env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen([sys.executable, "-m", "makeittalk_server.engines.default.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env)

    def call(self, samples, words):
        write_msg(self.proc.stdin, {"method": self.method, "samples": samples, "words": words})
        reply = read_msg(self.proc.stdout)
        if reply is None:
            raise RuntimeError("phone worker exited")
        status, value = reply
        if status != "ok":
            raise RuntimeError(value)
        return value

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except Exception:
            self.proc.kill()


class DecoderPool:
    def __init__(self, method: str = "hybrid", workers: int | None = None):
        self.method = method
        self.n_workers = workers if workers is not None else min(MAX_WORKERS, os.cpu_count() or 1)
        self._local = PhoneDecoder(method)
        self._local_lock = threading.Lock()
        self._idle: queue.Queue | None = None
        self._start_lock = threading.Lock()
        # False: warm() leaves the transcript aligner to its first use (a batch without transcripts)
        self.transcripts_expected = True

    def warm(self) -> None:
        self.load_local()
        if self.n_workers > 1:
            self._workers()

    def load_local(self) -> None:
        """Load this process's own decoders now (~0.85 s), without starting worker processes: for a
        caller with time to spare before its first job (`makeittalk track` while its helper child works)."""
        with self._local_lock:
            self._local.load(transcripts=self.transcripts_expected)

    def in_process(self) -> None:
        """Decode every chunk in this process from now on: for an engine that runs side by side with
        others on every core (a batch's workers), where helper processes would only compete for them."""
        self.n_workers = 1          # map() then decodes here; workers started before stay idle until close()

    def _workers(self) -> queue.Queue:
        with self._start_lock:
            if self._idle is None:
                q: queue.Queue = queue.Queue()
                for _ in range(self.n_workers):
                    try:
                        w = _Worker(self.method)
                    except OSError:                # cannot spawn: fewer workers, the rest is done here
                        break
                    try:
                        w.call(None, None)         # wait until its models are loaded
                        q.put(w)
                    except Exception:
                        w.close()
                self._idle = q
            return self._idle

    def _decode_here(self, samples, words):
        with self._local_lock:
            return self._local.candidates(samples, words)

    def _decode_anywhere(self, job):
        samples, words = job
        idle = self._workers()
        try:
            w = idle.get(timeout=0.05)
        except queue.Empty:                         # no worker free (or none started): do it here
            return self._decode_here(samples, words)
        try:
            out = w.call(samples, words)
            idle.put(w)
            return out
        except Exception:
            if w.alive():
                idle.put(w)
            else:               # replace it, so one crash does not shrink the pool for good
                w.close()
                try:
                    idle.put(_Worker(self.method))
                except OSError:
                    pass
            return self._decode_here(samples, words)

    def map(self, jobs, progress=None):
        """[(samples, transcript_words | None)] -> [candidates (phones.PhoneDecoder.candidates)] in order."""
        total_s = sum(len(x) for x, _ in jobs) / segments.SR
        if self.n_workers <= 1 or len(jobs) <= 1 or total_s < LOCAL_BELOW_S:
            out = []
            for i, job in enumerate(jobs):
                if progress is not None:
                    progress.stage("phones", 0.5 * i / max(1, len(jobs)))
                out.append(self._decode_here(*job))
            return out
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        ex = ThreadPoolExecutor(self.n_workers)
        futs = [ex.submit(self._decode_anywhere, job) for job in jobs]
        try:
            pending = set(futs)
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                if progress is not None:
                    progress.stage("phones", 0.5 * (len(futs) - len(pending)) / len(futs))
            return [f.result() for f in futs]
        finally:
            # on cancel, chunks already being decoded finish in the background (their workers then
            # go back to the pool); the job does not wait for them
            ex.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._idle is not None:
            while not self._idle.empty():
                self._idle.get().close()
