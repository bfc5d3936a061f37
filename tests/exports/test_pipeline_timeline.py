"""The pipeline puts the engine's phone and word timeline into the track (v2), and exports use it."""

from __future__ import annotations

import json

import numpy as np

from support.export_helpers import phone_track


class TimelineEngine:
    """An engine that plays back a known track and its timeline (the contract of engines/base.py)."""

    name = "timeline"

    def __init__(self, track):
        self.track = track

    def run(self, inp, progress):
        from makeittalk_server.engines.base import EngineOutput

        return EngineOutput(frames=self.track.frames, head_pose=self.track.head_pose, info={"phones": "given"},
                            phones=[{k: p[k] for k in ("start", "end", "phone", "conf")} for p in self.track.phones],
                            words=[dict(w) for w in self.track.words])


def test_engine_timeline_reaches_the_track_and_the_exports():
    from makeittalk_server import pipeline
    from makeittalk_server.audio import SR, AudioClip
    from makeittalk_server.params import JobParams
    from makeittalk_server.prepare import PreparedJob

    known = phone_track()
    x = np.zeros(int(round(known.duration_s * SR)), np.float32)
    clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
    params = JobParams(fps=known.fps)
    prep = PreparedJob(params=params, engine=TimelineEngine(known), renderer=None, audio=clip, image=None,
                       width=known.width, height=known.height, rest=known.rest, rest_info={"detector": "given"})
    track = pipeline.run(prep)
    d = json.loads(track.to_json())
    assert d["version"] == 2 and [p["phone"] for p in d["phones"]] == [p["phone"] for p in known.phones]
    assert d["phones"][6]["viseme"] == "PP" and d["words"][0]["word"] == "hello"
    from makeittalk_blender.core import exports

    assert exports.export(track, "rhubarb-tsv") == exports.export(known, "rhubarb-tsv")
    assert "hello" in exports.export(track, "srt").decode()
