"""The lip-sync bench's own code (bench/) on the path; its data files; the default engine, warmed once."""

from support.paths import DATA
import json

import numpy as np
import pytest

@pytest.fixture(scope="session")
def rest():
    """The reference portrait's 68 points (examples/monalisa.jpg, detected once), so no detector runs."""
    return np.array(json.loads((DATA / "lipsync_bench_rest_68x2.json").read_text()), dtype=np.float64)


@pytest.fixture(scope="session")
def engine_gap(rest):
    """-> f(samples, fps, transcript) = (inner-lip gap per frame, info) from the real default engine."""
    from makeittalk_server import engines, pipeline
    from makeittalk_server.audio import SR, AudioClip
    from makeittalk_server.config import Settings
    from makeittalk_server.params import JobParams

    import lipsync_metrics

    settings = Settings()
    engines.get("default", settings).warm()

    def run(x, fps=30.0, transcript=None):
        clip = AudioClip(samples=x, raw=x[:, None], source_sr=SR)
        params = JobParams(fps=fps, rest_landmarks=rest.tolist(), transcript=transcript)
        track = pipeline.make_track(clip, None, params, settings, width=512, height=512)
        return lipsync_metrics.gap_curve(track.frames), track.params.get("info", {})

    return run
