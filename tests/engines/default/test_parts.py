"""Unit checks of the engine's parts: text normalising, visemes, coarticulation, mouth geometry."""

from support.paths import DATA
import numpy as np

from makeittalk_server.engines.default import coarticulation, mouth, segments, text, visemes


def test_transcript_words_spell_numbers_and_drop_punctuation():
    assert text.words("Hello, world! It's 42.") == ["hello", "world", "it's", "forty", "two"]
    assert text.number_words(1905) == ["one", "thousand", "nine", "hundred", "five"]


def test_unknown_words_get_a_pronunciation():
    p = text.guess_pronunciation("Zorblax").split()
    assert p[0] == "Z" and "B" in p and p[-2:] == ["K", "S"]
    assert text.guess_pronunciation("!!") == ""


def test_coarticulation_anticipates_and_carries_over():
    # AA then UW: spread starts moving towards rounding before UW begins, and openness lingers after AA
    phones = [("AA", 0.2, 0.4), ("UW", 0.4, 0.6)]
    t = np.arange(0, 0.8, 0.01)
    c = coarticulation.mouth_curves(phones, t, 100, 0.8)
    i_before = np.searchsorted(t, 0.37)
    assert c[i_before, 2] < -0.1                       # rounding anticipated 30 ms early
    assert 0.2 < c[np.searchsorted(t, 0.43), 0] < 0.9  # opening still partly there 30 ms after AA
    d = np.abs(np.diff(c[:, 0]))
    assert d.max() < 0.35                              # no step changes at 100 Hz


def test_bilabial_closes_even_between_open_vowels_at_low_fps():
    phones = [("AA", 0.0, 0.2), ("P", 0.2, 0.245), ("AA", 0.245, 0.45)]
    for fps in (24, 25, 30):
        t = np.arange(0, 0.45, 1 / fps)
        c = coarticulation.mouth_curves(phones, t, fps, 0.45)
        inside = (t >= 0.2) & (t <= 0.245)
        assert c[inside, 0].min() < 0.05 or c[np.abs(t - 0.2225) < 0.6 / fps, 0].min() < 0.05


def test_long_pause_rests_and_short_pause_does_not_freeze():
    phones = [("AA", 0.0, 0.3), ("AA", 0.9, 1.2), ("AA", 1.35, 1.6)]
    t = np.arange(0, 1.6, 0.01)
    c = coarticulation.mouth_curves(phones, t, 100, 1.6)
    assert np.abs(c[(t > 0.45) & (t < 0.75)]).max() < 1e-6      # 0.6 s pause: at rest
    assert c[(t > 1.2) & (t < 1.35), 0].min() > 0.05             # 0.15 s gap: keeps moving


def test_mouth_opens_in_proportion_to_face_size():
    rest = np.zeros((68, 3))
    rest[:, 0] = np.linspace(0, 100, 68)
    rest[36], rest[45] = [30, 50, 0], [70, 50, 0]
    rest[61:64, 1], rest[65:68, 1] = 80, 80
    curves = np.array([[1.0, 1.0, 0.0, 0.0]])
    g1 = mouth.inner_gap(rest + mouth.offsets(rest, curves))[0]
    big = rest * 2
    g2 = mouth.inner_gap(big + mouth.offsets(big, curves))[0]
    assert g1 > 0 and abs(g2 / g1 - 2) < 1e-6


def test_painted_open_mouth_still_closes():
    rest = np.zeros((68, 3))
    rest[:, 0] = np.linspace(0, 100, 68)
    rest[36], rest[45] = [30, 50, 0], [70, 50, 0]
    rest[61:64, 1], rest[65:68, 1] = 78, 86          # open at rest
    closed = rest + mouth.offsets(rest, np.zeros((1, 4)))[0]
    assert abs(mouth.inner_gap(closed)) < 0.5


def test_every_phone_has_a_viseme():
    for p in ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
              "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH",
              "UW", "V", "W", "Y", "Z", "ZH"]:
        assert visemes.base_phone(p + "1") == p
    assert visemes.base_phone("+NSN+") == visemes.SILENCE


def test_chunks_cut_long_audio_at_pauses():
    x = np.zeros(16000 * 50, np.float32)
    rng = np.random.default_rng(1)
    for s in range(0, 48, 3):                          # 2.5 s of "speech", 0.5 s pause, repeated
        x[s * 16000: s * 16000 + 40000] = 0.2 * rng.standard_normal(40000)
    db = segments.frame_db(x)
    plan = segments.chunk_plan(db, segments.speech_mask(db))
    assert plan[0][0] == 0 and plan[-1][1] == len(db) * 160
    for (a, b), (c, _) in zip(plan, plan[1:]):
        assert b == c and (b - a) / 16000 <= segments.CHUNK_MAX
        assert np.abs(x[b - 800: b + 800]).max() == 0     # cut inside silence


def test_phone_decoding_does_not_depend_on_what_was_decoded_before():
    import json

    import soundfile as sf

    from makeittalk_server.engines.default.phones import PhoneDecoder

    data = DATA
    a, _ = sf.read(data / "sentence.wav", dtype="float32")
    b, _ = sf.read(data / "papa_mama_baba.wav", dtype="float32")
    dec = PhoneDecoder("allphone")
    first = dec.chunk_phones(a)
    dec.chunk_phones(b)
    dec.chunk_phones(a[::-1].copy())
    assert dec.chunk_phones(a) == first
    words = json.loads((data / "sentence.json").read_text())["text"]
    aligned = dec.chunk_phones(a, words.lower().replace(",", "").replace(".", "").split())
    dec.chunk_phones(b)
    assert dec.chunk_phones(a, words.lower().replace(",", "").replace(".", "").split()) == aligned
    assert aligned[2] == "transcript" and len(aligned[0]) > 20


def test_words_without_phone_times_get_their_dictionary_phones_spread_over_them():
    from makeittalk_server.engines.default.phones import PhoneDecoder

    ph = PhoneDecoder("allphone").spread_in_words([("mama", 1.0, 1.4), ("zorblax", 2.0, 2.6)])
    assert [p for p, _, _ in ph[:4]] == ["M", "AA", "M", "AH"]
    assert ph[0][1] == 1.0 and abs(ph[3][2] - 1.4) < 1e-9 and ph[4][1] == 2.0
    durs = {p: e - s for p, s, e in ph[:4]}
    assert durs["AA"] > durs["M"]                      # vowels get more of the word's time
    assert all(s < e for _, s, e in ph)


def test_phone_pool_that_cannot_spawn_workers_decodes_in_process(monkeypatch):
    from makeittalk_server.engines.default import pool

    def no_spawn(*a, **k):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(pool.subprocess, "Popen", no_spawn)
    p = pool.DecoderPool("allphone", workers=2)
    assert p._workers().qsize() == 0
    x = (0.05 * np.random.default_rng(0).standard_normal(16000 * 4)).astype(np.float32)
    out = p.map([(x, None), (x, None)])                # 8 s: the parallel path
    assert len(out) == 2 and all([c["how"] for c in cands] == ["loop"] for cands in out)
