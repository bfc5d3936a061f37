"""The `default` engine: audio + rest landmarks -> landmark frames, with nothing downloaded."""

from __future__ import annotations

import os

import numpy as np

from makeittalk_blender.core.mesh_layout import landmark_depth

from ...track import head_pivot, n_frames_for
from ..base import EngineInput, EngineOutput
from . import acoustic, bilabial, blinks, coarticulation, emotion, head_motion, mixing, mouth, report, segments, text
from . import agreement as agreement_mod
from . import visemes, voice, voicing
from .phones import split_words
from .pool import DecoderPool

DEFAULT_AMP_LIP, DEFAULT_AMP_POS = 2.0, 0.5     # MakeItTalk's defaults = 1x natural motion here


class DefaultEngine:
    name = "default"

    def __init__(self, settings=None):
        self.settings = settings
        self.voice = voice.Voice()
        # "hybrid" (the default: word recognition and the phone loop, weighed per chunk), "words" or
        # "allphone" (one of them alone, for comparison)
        self.pool = DecoderPool(os.environ.get("MAKEITTALK_DEFAULT_PHONES", "hybrid"))

    def status(self) -> tuple[bool, str]:
        # Every library run() uses is looked up here, so a missing one is reported as such and not as a
        # failed job; looked up, not imported: importing them would cost a cold run ~1.5 s for nothing.
        import importlib.util

        for name in ("pocketsphinx", "pysptk", "soxr"):
            if importlib.util.find_spec(name) is None:
                return False, f"a library it needs is missing: {name} (reinstall the server)"
        from ..speaker_numpy import weights_path

        if weights_path() is None:     # the voice weights come in resemblyzer's wheel
            return False, "a library it needs is missing: resemblyzer (reinstall the server)"
        return True, "ready"

    def warm(self) -> None:
        rng = np.random.default_rng(0)
        x = (rng.standard_normal(segments.SR * 3) * 0.05).astype(np.float32)
        self.pool.warm()
        self.voice.load()      # numpy arithmetic: nothing to compile, so no trial embedding is needed
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
        tl = self._timeline(samples, db, mask, p.transcript, times, progress)
        clock.lap("phones")
        progress.stage("visemes", 0.55)

        feats = acoustic.features(samples, progress=progress, bands=True)
        ac100, shut100 = acoustic.curves_100hz(samples, mask, progress, feats)
        # the mouth follows the sound with its steady noise taken out; whether a gap is plainly speech
        # is judged on the plain sound (noise bursts in a pause read as vowels once the floor is gone)
        ac_clean = acoustic.at_times(acoustic.curves_100hz(samples, mask, progress, feats, above_floor=True)[0], times)
        shut = acoustic.at_times(shut100, times, hold=True)
        bil = acoustic.at_times(shut100 * bilabial.probability(feats["bands"], shut100), times, hold=True)
        del feats
        ac = acoustic.at_times(ac100, times)
        if not mask.any():      # nothing heard: the mouth rests
            for k in tl.weight:
                tl.weight[k][:] = 0.0
            tl.weight["acoustic"][:] = 1.0
        f0 = voice.pitch(samples) if mask.any() else None
        voiceless = voicing.voiceless_pauses(samples, db, mask) if mask.any() else []
        curves = mixing.mouth_curves(tl, times, p.fps, duration, ac_clean, shut, pauses + voiceless, progress, bil,
                                     heard_open=ac[:, 0])
        ph_entries, word_entries = report.entries(tl, duration, ac100[:, 0], db)
        lead = [(p_, a_, b_) for p_, a_, b_ in
                ((e["phone"], e["start"], e["end"]) for e in ph_entries) if p_ != visemes.SILENCE]
        agreement = _agreement(lead, ac100[:, 0])
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
        pros = head_motion.prosody_100hz(db, mask, f0)
        clock.lap("pitch")
        pose = head_motion.head_pose(times, pros, pauses, style, p.seed, p.amp_pos / DEFAULT_AMP_POS,
                                     mouth.eye_distance(rest))
        frames = head_motion.apply(expr, pose, head_pivot(rest), landmark_depth(rest), out=expr)
        clock.lap("head")
        progress.stage("frames", 1.0)
        info = report.summary(tl, ph_entries, bool(p.transcript and p.transcript.strip()))
        info.update({"words": " ".join(w["word"] for w in word_entries), "n_phones": len(lead),
                     "phone_acoustic_agreement": round(float(agreement), 3),
                     "style": {k: round(float(v), 3) for k, v in style.items()}, "seconds": clock.laps})
        return EngineOutput(frames=frames, head_pose=head_motion.as_dicts(pose), info=info,
                            phones=ph_entries, words=word_entries)

    def _timeline(self, samples, db, mask, transcript, times, progress) -> mixing.Timeline:
        """Candidate phone timelines for the whole clip, chunk by chunk (in parallel where cores allow)."""
        plan = segments.chunk_plan(db, mask)
        tw = text.words(transcript) if transcript and transcript.strip() else None
        shares = None
        if tw:
            voiced = [float(mask[a // segments.HOP: b // segments.HOP].sum()) for a, b in plan]
            shares = split_words(tw, voiced)
        jobs = [(samples[a:b], shares[i] if shares else None) for i, (a, b) in enumerate(plan)]
        return mixing.Timeline(self.pool.map(jobs, progress), plan, segments.SR, times)


def _agreement(phones, ac_open100: np.ndarray) -> float:
    return agreement_mod.agreement(phones, ac_open100)


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
