"""eval_lipsync.py with each clip's candidate timelines cached on disk, for experiments downstream of
recognition (mixing, acoustic curves, closures, rests): a full tune eval replays in ~30 s instead of
several minutes. The cache is keyed by the audio, transcript and frame count only, so it goes stale
when anything the decoders or `agreement.chunk_open` see changes: delete it then.

    PYTHONPATH=$PWD/server:$PWD .venv/bin/python bench/replay_lipsync.py --set all --split tune --no-write
(cache: $LIPSYNC_REPLAY_CACHE, default /tmp/lipsync_replay). Figures from a replay equal a plain run's
as long as the cache is fresh; report the plain run's.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from makeittalk_server.engines.default import engine as default_engine  # noqa: E402

CACHE = Path(os.environ.get("LIPSYNC_REPLAY_CACHE", "/tmp/lipsync_replay"))
_decode = default_engine.DefaultEngine._timeline


def _cached_timeline(self, samples, db, mask, transcript, times, progress):
    key = hashlib.sha1(samples.tobytes() + repr((transcript, len(times))).encode()).hexdigest()
    path = CACHE / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    tl = _decode(self, samples, db, mask, transcript, times, progress)
    path.write_bytes(pickle.dumps(tl))
    return tl


if __name__ == "__main__":
    CACHE.mkdir(parents=True, exist_ok=True)
    default_engine.DefaultEngine._timeline = _cached_timeline
    import eval_lipsync

    sys.exit(eval_lipsync.main(sys.argv[1:]))
