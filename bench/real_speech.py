"""Real recordings with reference phone timing (kept for older callers; the sets live in bench/speech_sets/).

clips() yields (name, samples, phones) for the real read-speech set; aligned() makes a careful forced
alignment of any recording with known words (bench/align_ref.py), as the sets' references were made.
"""

from __future__ import annotations

import speech_data


def clips(split: str | None = None, name: str = "real_read"):
    for c in speech_data.clips(name, split):
        yield c.id, c.samples(), c.phones


def aligned(samples, text: str):
    """(samples, [(ARPAbet, start_s, end_s)]) from align_ref's wide-beam forced alignment."""
    import align_ref

    phones, _ = align_ref.align(samples, text)
    return samples, phones
