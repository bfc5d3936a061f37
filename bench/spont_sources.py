"""Spontaneous speech of other speakers for real_spont: AMI meeting excerpts kept in public repositories.

    python bench/build_speech_sets.py --only ami      # appends these clips to real_spont's manifest

AMI Meeting Corpus (CC BY 4.0): close-talk headset channels, manual verbatim transcripts (fillers,
backchannels, cut-off words). Two excerpts were found with both audio and words:
* pyannote-audio's tutorial assets (MIT; removed from the tree later, so read at the commit that added
  them): one minute of an ES2004 meeting, one headset channel per speaker, each speaker's AMI words;
* lhotse's test fixture (Apache-2.0): 6 s of ES2011a headset 0, its words in the fixture's supervisions.
Clips are cut in pauses of the speaker's own channel (the other voices leak in, 20-40 dB down) and
aligned with the careful reference aligner; a clip whose pauses are not clearly quieter than its
vowels is left out. Sources, licences and checks: bench/speech_sets/SOURCES.md.
"""

from __future__ import annotations

import json

import numpy as np

import align_ref
import phone_classes

PYANNOTE = "pyannote+pyannote-audio"
PYANNOTE_REV = "84d5e40461cf95ddc14ac1753859d7bb65a3e9a6"
SERIOUSLY = "tutorials/assets/seriously/sources/source{}.wav"
LHOTSE = "lhotse-speech+lhotse"
LHOTSE_REV = "a79cc864e4275f6342bb94261313526a14d385fb"
ES2011A = "test/fixtures/ami/ES2011a.Headset-0-40s-46s.wav"
# AMI marks cut-off words by their spoken part ("b buttons", "may h maybe"): align them as the sounds
# said, not as letter names. The manifest keeps AMI's words; only the aligner sees these tokens.
CUT_OFF = {"bcutoff": "B", "hcutoff": "HH", "dicutoff": "D IH"}
SR = 16000
ACCENT = "AMI meeting, Edinburgh (accent not given)"

# (id, source, channel, start_s, end_s, speaker, sex, split, AMI words, words as aligned (None: same))
# Channels of the ES2004 excerpt, from their energy against the excerpt's RTTM: 0 MEO015, 1 FEE013,
# 3 FEE016 (2 is MEE014: backchannels only). Words: mixture.{A,B,D}.words_joined.txt at PYANNOTE_REV,
# lower case; each clip holds the words of one stretch of a turn (its cut points are pauses).
CLIPS = [
    ("ami_fee041_intro", "lhotse", None, 0.0, 6.0, "FEE041", "F", "tune",
     "i'm abigail claflin you can call me abbie", None),
    ("ami_fee013_a", "es2004", 1, 7.0, 19.75, "FEE013", "F", "heldout",
     "when they're when you've got the main things on the front of it and a section opens up or something "
     "to the other functions where you can do sound or options kind of", None),
    ("ami_fee013_b", "es2004", 1, 19.75, 29.9, "FEE013", "F", "heldout",
     "recording things like that inside it 'cause it doesn't make when you pick it up it doesn't make it "
     "really complicated to look at it's obvious what you're doing um", None),
    ("ami_fee016_0", "es2004", 3, 0.0, 5.6, "FEE016", "F", "heldout",     # FEE013's words leak in, 14 dB down
     "and symbols that you don't necessarily understand symbols you're meant to understand that you don't", None),
    ("ami_fee016_a", "es2004", 3, 29.4, 34.98, "FEE016", "F", "heldout",
     "actually that just raises a point i wonder what our design people think but you know on a mobile "
     "phone", None),
    ("ami_fee016_b", "es2004", 3, 34.98, 44.5, "FEE016", "F", "heldout",
     "you can press a key and it gives you a menu it's got a menu display i wonder if incorporating that "
     "into the design of a remote control might be useful so you've got a little l c d display", None),
    ("ami_meo015_a", "es2004", 0, 44.2, 50.3, "MEO015", "M", "heldout",
     "right i was thinking on the same lines you instead of having too many b buttons and make it "
     "complicated for the user",
     "right i was thinking on the same lines you instead of having too many bcutoff buttons and make it "
     "complicated for the user"),
    ("ami_meo015_b", "es2004", 0, 50.3, 55.8, "MEO015", "M", "heldout",
     "may h maybe have an l c d di display or something like that like a mobile yeah and with menus",
     "may hcutoff maybe have an l c d dicutoff display or something like that like a mobile yeah and with "
     "menus"),
]


def pause_margin_db(x: np.ndarray, phones) -> float | None:
    """Median level of the vowels minus that of the pauses (10 ms frames); None without pauses."""
    db = 20 * np.log10(np.array([np.sqrt(np.mean(x[i:i + 160] ** 2)) + 1e-9
                                 for i in range(0, len(x) - 160, 160)]))

    def med(classes):
        fr = [k for _, s, e, cl in phones if cl in classes for k in range(int(s * 100), min(int(e * 100), len(db)))]
        return float(np.median(db[fr])) if fr else None

    sil, vow = med({"sil"}), med({"open", "mid", "close"})
    return None if sil is None or vow is None else vow - sil


def _channels(git_bytes, load_audio) -> dict:
    out = {("es2004", k): load_audio(git_bytes(PYANNOTE, SERIOUSLY.format(k), PYANNOTE_REV)) for k in (0, 1, 3)}
    out[("lhotse", None)] = load_audio(git_bytes(LHOTSE, ES2011A, LHOTSE_REV))
    return out


def ami_clips(git_bytes, load_audio, write) -> list:
    """Cut, align and write the AMI clips; -> their manifest entries (clips that fail are left out)."""
    align_ref.EXTRA.update(CUT_OFF)
    chans = _channels(git_bytes, load_audio)
    new = []
    for cid, src, ch, a, b, spk, sex, split, words, said in CLIPS:
        x = chans[(src, ch)][int(round(a * SR)):int(round(b * SR))]
        try:
            phones, _ = align_ref.align(x, said or words)
        except (RuntimeError, ValueError) as e:
            print(f"{cid}: left out, no alignment ({e})")
            continue
        ph = [[p, s, e, phone_classes.arpabet(p)] for p, s, e in phones]
        margin = pause_margin_db(x, ph)
        if margin is not None and margin < 15:
            print(f"{cid}: left out, pauses only {margin:.0f} dB below the vowels")
            continue
        meta = {"speaker": spk, "sex": sex, "accent": ACCENT, "lang": "en", "split": split, "source": "ami",
                "transcript": words, "phone_set": "arpabet",
                "reference": "pocketsphinx forced alignment, wide beams", "phones": ph}
        new.append(write("real_spont", cid, x, meta))
        print("real_spont", cid, spk, f"{len(x) / SR:.1f}s", len(ph), "phones, pauses",
              "n/a" if margin is None else f"{margin:.0f} dB", "below vowels", flush=True)
    return new


def ami_spont(out_dir, git_bytes, load_audio, write, base: list | None = None) -> list:
    """real_spont's clips: `base` (or the manifest's non-AMI clips, untouched) + the AMI clips."""
    if base is None:
        doc = json.loads((out_dir / "real_spont" / "manifest.json").read_text())
        base = [c for c in doc["clips"] if c["source"] != "ami"]
    return base + ami_clips(git_bytes, load_audio, write)
