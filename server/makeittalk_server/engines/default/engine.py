"""The `default` engine: audio + rest landmarks -> landmark frames, with nothing downloaded."""

from __future__ import annotations

import os

import numpy as np
from scipy.ndimage import gaussian_filter1d

from ...track import head_pivot, n_frames_for
from ..base import EngineInput, EngineOutput
from . import acoustic, blinks, coarticulation, emotion, head_motion, mouth, segments, text, voice, visemes
from .phones import split_words
from .pool import DecoderPool

DEFAULT_AMP_LIP, DEFAULT_AMP_POS = 2.0, 0.5     # MakeItTalk's defaults = 1x natural motion here
ACOUSTIC_MIX = {"recognised": 0.6, "transcript": 0.25}   # share of acoustic opening mixed in
SHUT_TRUST = {"recognised": 1.0, "transcript": 0.0}   # how far heard closures override the phones
# s; forced-alignment boundaries come out a little early; phone-loop ones are in phase with the
# acoustic curves they are mixed with
PHONE_DELAY = {"recognised": 0.0, "transcript": 0.02}
MIN_AGREEMENT = 0.3    # below this, phones and acoustics disagree: the recogniser is lost


class DefaultEngine:
    name = "default"

    def __init__(self, settings=None):
        self.settings = settings
        self.voice = voice.Voice()
        # "allphone" (phone loop, the default: it scored best) or "words" (n-gram words + alignment)
        self.pool = DecoderPool(os.environ.get("MAKEITTALK_DEFAULT_PHONES", "allphone"))

    def status(self) -> tuple[bool, str]:
        try:   # every library run() imports, so a missing one is reported here, not as a failed job
            import pocketsphinx  # noqa: F401
            import pysptk  # noqa: F401
            import resemblyzer  # noqa: F401
            import soxr  # noqa: F401
        except ImportError as e:
            return False, f"a library it needs is missing: {e.name} (reinstall the server)"
        return True, "ready"

    def warm(self) -> None:
        rng = np.random.default_rng(0)
        x = (rng.standard_normal(segments.SR * 3) * 0.05).astype(np.float32)
        self.pool.warm()
        self.voice.load()
        self.voice.embedding(x, np.ones(300, bool))
        voice.pitch(x[: segments.SR])

    # ---- the job ----------------------------------------------------------------------------------
    def run(self, inp: EngineInput, progress) -> EngineOutput:
        p = inp.params
        samples = np.asarray(inp.audio.samples, dtype=np.float32)
        duration = inp.audio.duration_s
        n = n_frames_for(duration, p.fps)
        times = np.arange(n) / p.fps
        rest = np.asarray(inp.rest, dtype=np.float64)

        clock = _Clock()
        progress.stage("phones", 0.0)
        db = segments.frame_db(samples)
        mask = segments.speech_mask(db)
        pauses = segments.pauses(mask, coarticulation.REST_PAUSE)
        phones, words, how = self._phones(samples, db, mask, p.transcript, progress)
        clock.lap("phones")
        progress.stage("visemes", 0.55)

        ac100, shut100 = acoustic.curves_100hz(samples, mask, progress)
        agreement = _agreement(phones, ac100)
        shut = acoustic.at_times(shut100, times, hold=True)
        if how == "recognised" and (not phones or agreement < MIN_AGREEMENT) and mask.any():
            curves = _acoustic_curves(ac100, times, len(mask) / 100.0, pauses)
            how = "acoustic-fallback"
            curves[:, 0] *= 1 - shut
        else:
            weight = ACOUSTIC_MIX.get(how, 0.0)
            ac = acoustic.at_times(ac100, times) if weight else None
            curves = coarticulation.mouth_curves(phones, times, p.fps, duration, progress, ac, weight, pauses,
                                                 SHUT_TRUST.get(how, 0.0) * shut)
        clock.lap("visemes")
        progress.stage("mouth", 0.65)

        amp_x, amp_y = p.amp_lip_x / DEFAULT_AMP_LIP, p.amp_lip_y / DEFAULT_AMP_LIP
        expr = mouth.offsets(rest, curves, amp_x, amp_y)     # n x 68 x 3; updated in place below so
        expr += rest[None]                                    # long clips hold few frame-sized arrays
        if p.emotion.name != "neutral" and p.emotion.intensity > 0:
            expr += emotion.offsets(rest, p.emotion.name, p.emotion.intensity)[None]
        if p.blink:
            closure = blinks.blink_curve(times, duration, np.random.default_rng([p.seed, 17]), pauses)
            blinks.add_offsets(expr, rest, closure)
        clock.lap("mouth")
        progress.stage("head", 0.75)

        emb = self.voice.embedding(samples, mask)
        style = head_motion.style_from_embedding(emb)
        clock.lap("voice")
        pros = head_motion.prosody_100hz(db, mask, voice.pitch(samples) if mask.any() else None)
        clock.lap("pitch")
        pose = head_motion.head_pose(times, pros, pauses, style, p.seed, p.amp_pos / DEFAULT_AMP_POS,
                                     mouth.eye_distance(rest))
        frames = head_motion.apply(expr, pose, head_pivot(rest), out=expr)
        clock.lap("head")
        progress.stage("frames", 1.0)
        info = {"phones": how, "words": " ".join(words), "n_phones": len(phones),
                "phone_acoustic_agreement": round(float(agreement), 3),
                "style": {k: round(float(v), 3) for k, v in style.items()}, "seconds": clock.laps}
        return EngineOutput(frames=frames, head_pose=head_motion.as_dicts(pose), info=info)

    def _phones(self, samples, db, mask, transcript, progress):
        """Timed phones for the whole clip, chunk by chunk (in parallel where cores allow)."""
        plan = segments.chunk_plan(db, mask)
        tw = text.words(transcript) if transcript and transcript.strip() else None
        shares = None
        if tw:
            voiced = [float(mask[a // segments.HOP: b // segments.HOP].sum()) for a, b in plan]
            shares = split_words(tw, voiced)
        jobs = [(samples[a:b], shares[i] if shares else None) for i, (a, b) in enumerate(plan)]
        phones, words, hows = [], [], set()
        for i, (ph, w, how) in enumerate(self.pool.map(jobs, progress)):
            off = plan[i][0] / segments.SR + PHONE_DELAY.get(how, 0.0)
            phones += [(x, s + off, e + off) for x, s, e in ph]
            words += w
            hows.add(how)
        how = "transcript" if hows == {"transcript"} else "recognised"
        return phones, words, how


def _agreement(phones, ac100: np.ndarray) -> float:
    """Correlation of the phones' openness with the acoustic openness (both at 100 Hz)."""
    if not phones:
        return 0.0
    t = np.arange(len(ac100)) * 0.01 + 0.005
    ph_open = coarticulation.blend(visemes.expand(sorted(phones, key=lambda x: x[1])), t)[:, 0]
    # compared at syllable scale (~40 ms smoothing): this asks "are the phones in the right places",
    # not "are their edges exact"
    ph_open, a = gaussian_filter1d(ph_open, 4.0), gaussian_filter1d(ac100[:, 0], 4.0)
    if ph_open.std() < 1e-6 or a.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(ph_open, a)[0, 1])


def _acoustic_curves(ac100, times, total, pauses):
    """Mouth curves from acoustics alone; `pauses` are the heard ones of at least REST_PAUSE."""
    curves = acoustic.at_times(ac100, times)
    # rest in long pauses exactly as the phone path does
    fake = [("AH", s, e) for s, e in _speech_runs(pauses, total)]
    rest = coarticulation.rest_mask(fake, times, total)
    return curves * (1 - rest)[:, None]


def _speech_runs(pauses, total):
    runs, t = [], 0.0
    for s, e in pauses:
        if s > t:
            runs.append((t, s))
        t = e
    if total > t:
        runs.append((t, total))
    return runs


class _Clock:
    """Seconds spent per stage, reported in info for the benchmark."""

    def __init__(self):
        import time

        self._now = time.perf_counter
        self._t = self._now()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        t = self._now()
        self.laps[name] = round(t - self._t, 4)
        self._t = t
