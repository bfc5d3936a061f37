"""The generated parts of bench/speech_sets/: noisy mixes of real clips, other languages, English synthetic.

Called by build_speech_sets.py (needs espeak-ng and festival; the bench and tests read the files only).
"""

from __future__ import annotations

import numpy as np

import espeak_timing
import festival_timing
import phone_classes

SR = 16000
LEAD, TAIL = 0.4, 0.5      # silence around synthetic sentences, as issue 3's bench had

# espeak-ng: (voice, rate, split, [sentences]); tuning and held-out languages differ
ESPEAK = [
    ("de", 160, "tune", ["Papa baut mit Mama ein kleines Boot am Bach.",
                         "Am Abend machen wir einen langen Spaziergang im Park."]),
    ("es", 170, "tune", ["Mi padre compró un barco blanco para la playa.",
                         "Bajamos a la plaza para comprar pan y manzanas."]),
    ("pt-br", 165, "tune", ["Meu pai comprou uma bola amarela para o bebê.",
                            "A mamãe abriu a janela da sala pela manhã."]),
    ("ru", 160, "tune", ["Мама мыла раму, а папа пил чай.", "Бабушка купила большой арбуз на базаре."]),
    ("hi", 150, "tune", ["मेरा भाई बाज़ार से आम लाया।", "पापा ने बच्चों को एक बड़ी किताब दी।"]),
    ("fr", 165, "heldout", ["Mon papa a acheté une belle pomme au marché.",
                               "Le bateau blanc passe par le pont de la ville."]),
    ("it", 170, "heldout", ["La mamma ha comprato una bella casa al mare.",
                            "Il bambino parla piano con il babbo."]),
    ("pl", 160, "heldout", ["Mama ma kota, a tata ma psa.", "Babcia piekła pyszne bułki w piekarni."]),
    # Mandarin through pinyin: this espeak-ng reads hanzi as English character names ("(en)" switch)
    ("cmn-latn-pinyin", 150, "heldout", ["ba4 ba5 ma1 ma5 zai4 bei3 jing1 mai3 le5 ba1 ge4 ping2 guo3.",
                                         "bai2 ma3 pao3 guo4 da4 men2, chi1 le5 bu4 shao3 cao3."]),
    ("ja", 150, "heldout", ["ははは まいばん パンを かって きます。", "わたしは バナナを はっぽん かいました。"]),
    ("tr", 165, "heldout", ["Babam bana büyük bir balık aldı.", "Annem pazardan elma ve muz aldı."]),
    ("sv", 160, "heldout", ["Mamma och pappa bor i ett stort hus vid havet.", "Barnen badar i sjön varje morgon."]),
    ("nl", 165, "heldout", ["Mijn moeder maakt pannenkoeken op maandag.", "De boot vaart langzaam naar de haven."]),
]
# festival: (voice, language, sex, split, [sentences])
FESTIVAL = [
    ("lp_diphone", "it", "F", "tune", ["Buon giorno, la mamma ha comprato una bella casa.",
                                      "Il babbo mangia una pera matura."]),
    ("czech_dita", "cs", "F", "tune", ["Maminka peče buchty a babička vaří oběd.", "Pavel má malého psa."]),
    ("suo_fi_lj_diphone", "fi", "F", "tune", ["Pappa ja mamma menivät kauppaan.", "Maija osti banaanin ja omenan."]),
    ("pc_diphone", "it", "M", "heldout", ["Abbiamo parlato a lungo del mare e della barca.",
                                         "Mia sorella porta il pane ogni mattina."]),
    ("czech_machac", "cs", "M", "heldout", ["Tatínek koupil nové auto v Praze.",
                                           "Po obědě jsme šli na procházku parkem."]),
    ("hy_fi_mv_diphone", "fi", "M", "heldout", ["Poika pelaa pallolla puistossa.", "Aamulla satoi paljon vettä."]),
    ("msu_ru_nsh_clunits", "ru", "M", "heldout", ["Мама мыла раму, а папа пил чай.",
                                                 "Большой белый пароход плывёт по морю."]),
    ("hindi_NSK_diphone", "hi", "M", "heldout", ["मेरा भाई बाज़ार से आम लाया।", "पापा ने बच्चों को एक बड़ी किताब दी।"]),
    ("upc_ca_ona_hts", "ca", "F", "heldout", ["La mare i el pare van comprar pa a la plaça.",
                                             "El bebè menja una poma vermella."]),
]
EN_TUNE_VOICES = [("en-us", 165), ("en-us+f4", 190)]
EN_TUNE = ["Hello father, the cat bought a cup of hot coffee. My house is round; I saw a boy.",
           "Peter Piper picked a peck of pickled peppers. Bob made a map of the big bay.",
           "Five very fine wives moved to the far valley. Why not stop now?",
           "My mother bought a lamp at the market. Papa paid, and we all went home happy."]
EN_HELD_VOICES = [("en", 150), ("en-us+f3", 175), ("en-gb-scotland", 140), ("en-029", 185),
                  ("en-us+m4", 200), ("en-gb-x-rp+f2", 160)]
EN_HELD = ["A big brown bear ambled past the pond. Maybe the poor mammal was hungry.",
           "Please bring my umbrella tomorrow morning. The April rain has been heavy all week.",
           "Bob and Pam came home by bus. Then they had a warm bowl of pumpkin soup.",
           "Our captain sailed across the harbour at dawn. By noon, the ship had passed the marble bridge.",
           "Maybe it is time to buy a bigger boat. I'd spend my summers on the ocean.",
           "The baby happily grabbed a plump apple. Mom laughed, and poured a mug of milk."]
EN_FESTIVAL = [("kal_diphone", "M"), ("cmu_us_slt_arctic_hts", "F")]


def _pad(x, phones):
    x = np.r_[np.zeros(int(LEAD * SR), np.float32), x, np.zeros(int(TAIL * SR), np.float32)]
    return x, [[p, round(s + LEAD, 4), round(e + LEAD, 4), c] for p, s, e, c in phones]


def _espeak_clip(voice, rate, text, english):
    x, ph, _ = espeak_timing.synth(text, voice, rate)
    return _pad(x, [(p, s, e, phone_classes.espeak(p, english)) for p, s, e in ph])


FESTIVAL_ENCODING = {"czech_dita": "iso-8859-2", "czech_machac": "iso-8859-2"}


def _festival_clip(voice, text):
    x, segs = festival_timing.synth(text, voice, FESTIVAL_ENCODING.get(voice, "utf-8"))
    return _pad(x, [(p, s, e, phone_classes.festival(p, *f)) for p, s, e, f in segs])


def other_langs(write_clip):
    clips = []
    for voice, rate, split, sents in ESPEAK:
        for k, text in enumerate(sents):
            x, ph = _espeak_clip(voice, rate, text, english=False)
            clips.append(write_clip("other_langs", f"espeak_{voice}_{k}", x, dict(
                speaker=f"espeak-{voice}", sex="M", lang=voice.split("-")[0], split=split, source="espeak-ng",
                transcript=text, phone_set="espeak", reference="espeak-ng phoneme events (exact)", phones=ph)))
    for voice, lang, sex, split, sents in FESTIVAL:
        for k, text in enumerate(sents):
            try:
                x, ph = _festival_clip(voice, text)
            except (RuntimeError, OSError) as e:      # a voice that cannot say it: leave it out, say so
                print(f"festival {voice}: skipped ({e})")
                continue
            clips.append(write_clip("other_langs", f"festival_{voice}_{k}", x, dict(
                speaker=f"festival-{voice}", sex=sex, lang=lang, split=split, source="festival",
                transcript=text, phone_set="festival", reference="festival utterance segments (exact)", phones=ph)))
    return clips


def en_synth(write_clip):
    clips = []
    for voices, sents, split in ((EN_TUNE_VOICES, EN_TUNE, "tune"), (EN_HELD_VOICES, EN_HELD, "heldout")):
        for voice, rate in voices:
            for k, text in enumerate(sents):
                x, ph = _espeak_clip(voice, rate, text, english=True)
                clips.append(write_clip("en_synth", f"espeak_{voice}_{rate}_s{k}", x, dict(
                    speaker=f"espeak-{voice}", sex="F" if "+f" in voice else "M", lang="en", split=split,
                    source="espeak-ng", transcript=text, phone_set="espeak",
                    reference="espeak-ng phoneme events (exact)", phones=ph)))
    for voice, sex in EN_FESTIVAL:
        for k, text in enumerate(EN_HELD[:3]):
            x, ph = _festival_clip(voice, text)
            clips.append(write_clip("en_synth", f"festival_{voice}_s{k}", x, dict(
                speaker=f"festival-{voice}", sex=sex, lang="en", split="heldout", source="festival",
                transcript=text, phone_set="festival", reference="festival utterance segments (exact)", phones=ph)))
    return clips


NOISY_TUNE = ["cathy_a0011", "cathy_a0014", "aew_a0002", "mfa_acoustic_corpus"]
NOISY_HELD = ["axb_a0004", "axb_a0006", "librivox_0870", "librivox_0920", "libri_61-70968-0000",
              "arctic_pra_a0010", "mfa_cold_corpus"]


def _mix(x, phones, noise, snr_db, rng):
    """Noise scaled so speech (non-pause reference frames) / noise power = snr_db."""
    speech = np.zeros(len(x), bool)
    for p, s, e, c in phones:
        if c != "sil":
            speech[int(s * SR):int(e * SR)] = True
    start = int(rng.integers(0, max(1, len(noise) - len(x))))
    n = np.resize(noise[start:], len(x)).astype(np.float32)
    ps, pn = float(np.mean(x[speech] ** 2)), float(np.mean(n ** 2)) + 1e-12
    return (x + n * np.sqrt(ps / pn / 10 ** (snr_db / 10))).astype(np.float32)


def noisy(clean, write_clip, dishes_bytes, bike_bytes, load_audio):
    noises = {"dishes": load_audio(dishes_bytes), "bike": load_audio(bike_bytes)}
    rng, clips = np.random.default_rng(9), []
    for names, split in ((NOISY_TUNE, "tune"), (NOISY_HELD, "heldout")):
        for k, cid in enumerate([n for n in names if n in clean]):
            x, meta = clean[cid]
            kind, snr = (("dishes", 10.0), ("bike", 5.0), ("dishes", 5.0), ("bike", 10.0))[k % 4]
            y = _mix(x, meta["phones"], noises[kind], snr, rng)
            m = dict(meta, split=split, noise=kind, snr_db=snr, clean_id=cid)
            clips.append(write_clip("real_noisy", f"{cid}_{kind}{int(snr)}", y, m))
    return clips
