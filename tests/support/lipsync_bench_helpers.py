"""Test data shipped in tests/lipsync_bench/data/."""

from support.paths import DATA
import json



def load_test_clip(name):
    """(samples, meta) of a clip shipped in data/ (a copy of one in bench/speech_sets/)."""
    import soundfile as sf

    meta = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    x, sr = sf.read(str(DATA / meta["audio"]), dtype="float32")
    assert sr == 16000
    return x, meta
