"""Speech with known phone timing from espeak-ng (dev/bench only; not needed by the product).

Calls libespeak-ng through ctypes with phoneme events on, so every phoneme comes with the sample where
it starts. Returns 16 kHz float32 audio and [(espeak_phoneme, start_s, end_s)] with pauses as "_".
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

SYNCHRONOUS, PHONEME_EVENTS = 2, 0x0001
EV_END, EV_PHONEME, EV_LIST_END, EV_MSG_END = 5, 7, 0, 6
RATE, PITCH = 1, 3


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_lib, _sr = None, None


def available() -> bool:
    try:
        _load()
        return True
    except OSError:
        return False


def _load():
    global _lib, _sr
    if _lib is None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        lib = ctypes.CDLL(name)
        sr = lib.espeak_Initialize(SYNCHRONOUS, 0, None, PHONEME_EVENTS)
        if sr <= 0:
            raise OSError("espeak-ng failed to initialise")
        _lib, _sr = lib, sr
    return _lib


def synth(text: str, voice: str = "en-us", rate: int = 165, pitch: int = 50):
    """-> (samples float32 at 16 kHz, phones [(name, start_s, end_s)], duration_s)."""
    lib = _load()
    chunks, events = [], []

    def cb(wav, n, ev):
        if n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while ev[i].type != EV_LIST_END:
            e = ev[i]
            if e.type == EV_PHONEME:
                events.append((e.id.string.decode("ascii", "replace"), e.sample))
            i += 1
        return 0

    cbf = _CB(cb)
    lib.espeak_SetSynthCallback(cbf)
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ValueError(f"espeak-ng has no voice {voice!r}")
    lib.espeak_SetParameter(RATE, rate, 0)
    lib.espeak_SetParameter(PITCH, pitch, 0)
    data = text.encode("utf-8") + b"\0"
    lib.espeak_Synth(data, len(data), 0, 0, 0, 0, None, None)
    lib.espeak_Synchronize()
    x = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(1, np.float32)
    dur = len(x) / _sr
    phones = []
    for k, (name, s) in enumerate(events):
        end = events[k + 1][1] if k + 1 < len(events) else len(x)
        if end > s:
            phones.append((name.strip() or "_", s / _sr, end / _sr))
    import soxr

    y = soxr.resample(x, _sr, 16000).astype(np.float32)
    return y, phones, dur


if __name__ == "__main__":
    import sys

    y, ph, d = synth(" ".join(sys.argv[1:]) or "Hello father, the cat bought a cup of hot coffee.")
    print(d, [(p, round(s, 3), round(e - s, 3)) for p, s, e in ph])
