"""The development sets in bench/speech_sets/: manifests load, audio matches, reference timings are sane."""


import numpy as np
import pytest

import phone_classes
import speech_data

SETS = speech_data.SETS


def test_every_set_is_there_and_small():
    assert speech_data.available() == list(SETS)
    size = sum(f.stat().st_size for f in speech_data.ROOT.rglob("*") if f.is_file())
    assert size < 25 * 2**20
    assert (speech_data.ROOT / "SOURCES.md").read_text().count("licence") >= 1


@pytest.mark.parametrize("name", SETS)
def test_manifest_and_timings(name):
    clips = speech_data.clips(name)
    assert len(clips) >= 10
    assert {c.split for c in clips} == {"tune", "heldout"}
    ids = [c.id for c in clips]
    assert len(set(ids)) == len(ids)
    for c in clips:
        assert c.path.exists() and c.transcript and c.meta["source"]
        assert c.phones, c.id
        prev_end = 0.0
        for label, s, e, cls in c.phones:
            assert cls in phone_classes.CLASSES, (c.id, label, cls)
            assert 0.0 <= s < e <= c.duration_s + 0.02, (c.id, label, s, e)
            assert s >= prev_end - 0.011, (c.id, label, s, prev_end)   # in order, no overlap (10 ms frames)
            prev_end = e
        kinds = {p[3] for p in c.phones}
        assert kinds & {"open", "schwa", "mid", "close"} and "cons" in kinds, c.id
    n_bil = sum(p[3] == "bil" for c in clips for p in c.phones)
    n_open = sum(p[3] == "open" for c in clips for p in c.phones)
    assert n_bil >= 20 and n_open >= 40


@pytest.mark.parametrize("name", SETS)
def test_audio_matches_manifest(name):
    for c in speech_data.clips(name):
        x = c.samples()
        assert x.ndim == 1 and len(x) / 16000 == pytest.approx(c.duration_s, abs=0.002)
        assert 0.05 < float(np.abs(x).max()) <= 1.0, c.id


def test_splits_keep_speakers_apart():
    for name in ("real_read", "other_langs", "en_synth"):
        clips = speech_data.clips(name)
        tune = {c.speaker for c in clips if c.split == "tune"}
        held = {c.speaker for c in clips if c.split == "heldout"}
        assert tune and held and not tune & held, name
    spont = speech_data.clips("real_spont")        # one speaker: different takes in each split
    assert not {c.id for c in spont if c.split == "tune"} & {c.id for c in spont if c.split == "heldout"}


def test_real_voices_cover_both_sexes_and_several_speakers():
    clips = speech_data.clips("real_read")
    assert len({c.speaker for c in clips}) >= 5
    for split in ("tune", "heldout"):
        assert {c.meta["sex"] for c in clips if c.split == split} == {"F", "M"}


def test_other_languages_are_several():
    langs = {c.lang for c in speech_data.clips("other_langs")}
    assert len(langs) >= 8 and "en" not in langs


def test_real_reference_pauses_are_quiet():
    """The forced alignment's pauses sit on the quiet parts of the recording, its vowels on loud ones."""
    for c in speech_data.clips("real_read", "heldout"):
        x = c.samples()
        db = 20 * np.log10(np.array([np.sqrt(np.mean(x[i:i + 160] ** 2)) + 1e-9
                                     for i in range(0, len(x) - 160, 160)]))
        def med(classes):
            fr = [k for _, s, e, cl in c.phones if cl in classes for k in range(int(s * 100), min(int(e * 100), len(db)))]
            return float(np.median(db[fr])) if fr else None
        sil, vow = med({"sil"}), med({"open", "mid", "close"})
        if sil is not None:
            assert vow - sil > 15, (c.id, sil, vow)


def test_noisy_set_is_noisy():
    for c in speech_data.clips("real_noisy"):
        assert c.meta["snr_db"] in (5.0, 10.0) and c.meta["noise"] in ("dishes", "bike")


def test_rhubarb_cues_cached_for_every_clip():
    """The bench compares with Rhubarb without node or npm: its cues for every clip are in the cache."""
    import lipsync_peers

    for name in SETS:
        clips = speech_data.clips(name)
        cues = lipsync_peers.rhubarb_cues([c.samples() for c in clips], compute=False)
        missing = [c.id for c, q in zip(clips, cues) if not q]
        assert not missing, (name, missing)
        assert all(set(q["value"] for q in cue) <= set(lipsync_peers.SHAPE_OPENING) for cue in cues)
