"""Issue 9, wave 3: the mouth rests in voiceless pauses (breath, room noise the recognisers took for
words), and the p/b/m classifier of heard dips (its weights ship in the package)."""

import json

import numpy as np
import soundfile as sf

from support.default_engine_helpers import clip_from, gap
from support.paths import DATA

FPS = 30.0


def _run(engine, rest, x):
    from makeittalk_server.engines.base import EngineInput
    from makeittalk_server.params import JobParams
    from makeittalk_server.progress import Progress

    p = JobParams(rest_landmarks=rest.tolist(), fps=FPS)
    r3 = np.c_[rest, np.zeros(len(rest))]
    return engine.run(EngineInput(audio=clip_from(x), rest=r3, width=256, height=256, params=p), Progress())


def _with_breath(x, s, e):
    """A breath-like noise (low-passed, 20 dB under the speech peak) across most of a pause."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(5)
    a, b = int((s + 0.05) * 16000), int((e - 0.05) * 16000)
    n = sosfilt(butter(4, 1500, fs=16000, output="sos"), rng.standard_normal(b - a))
    n *= 0.1 * np.abs(x).max() / np.abs(n).max() * np.hanning(b - a) ** 0.3
    y = x.copy()
    y[a:b] += n.astype(np.float32)
    return y


def test_a_breath_in_a_pause_still_rests_the_mouth(engine, rest):
    x, _ = sf.read(str(DATA / "real_cathy.flac"), dtype="float32")
    s, e = json.loads((DATA / "real_cathy.json").read_text())["pause"]
    from makeittalk_server.engines.default import segments, voicing

    y = _with_breath(x, s, e)
    db = segments.frame_db(y)
    assert segments.speech_mask(db)[int(s * 100) + 10: int(e * 100) - 10].mean() > 0.8   # loud: "speech" by level
    quiet = voicing.voiceless_pauses(y, db, segments.speech_mask(db))
    assert any(a <= s + 0.12 and b >= e - 0.12 for a, b in quiet), quiet
    g = gap(_run(engine, rest, y).frames)
    t = np.arange(len(g)) / FPS
    inside = (t > s + 0.1) & (t < e - 0.1)
    assert g[inside].max() < 0.25 * np.percentile(g, 95)


def test_voiced_speech_is_not_a_voiceless_pause():
    from makeittalk_server.engines.default import segments, voicing

    x, _ = sf.read(str(DATA / "real_cathy.flac"), dtype="float32")
    meta = json.loads((DATA / "real_cathy.json").read_text())
    db = segments.frame_db(x)
    quiet = voicing.voiceless_pauses(x, db, segments.speech_mask(db))
    vowels = [(s, e) for _, s, e, c in meta["phones"] if c in ("open", "mid", "close")]
    hit = [v for v in vowels if any(a < 0.5 * (v[0] + v[1]) < b for a, b in quiet)]
    assert len(hit) <= 1, hit


def test_bilabial_classifier_ranks_lip_closures_first():
    from makeittalk_server.engines.default import acoustic, bilabial, segments

    doc = json.loads(bilabial.WEIGHTS.read_text())
    assert doc["trained_by"] == "bench/train_bilabial.py" and len(doc["coef"]) == len(doc["mean"])
    x, _ = sf.read(str(DATA / "real_cathy.flac"), dtype="float32")
    meta = json.loads((DATA / "real_cathy.json").read_text())
    f = acoustic.features(x, bands=True)
    mask = segments.speech_mask(segments.frame_db(x))[: len(f["f1"])]
    shut = acoustic.closures_100hz(f, mask)
    p = bilabial.probability(f["bands"], shut)
    assert p.shape == shut.shape and 0.0 <= p.min() and p.max() <= 1.0
    assert np.all(p[shut <= 0] == 0)
    bil = np.zeros(len(p), bool)
    for _, s, e, c in meta["phones"]:
        if c == "bil":
            bil[int(s * 100): int(e * 100) + 1] = True
    dips = shut > 0.3
    assert p[dips & bil].mean() > p[dips & ~bil].mean() + 0.1
