"""A phone-decoding worker process: `python -m makeittalk_server.engines.default.worker`.

Reads length-prefixed pickled jobs on stdin and writes results on stdout; started and fed only by
pool.py (its parent), so nothing else ever talks to it. A plain child process instead of
multiprocessing: it works whatever the parent's __main__ is (server, tests, notebooks, stdin).
"""

from __future__ import annotations

import pickle
import struct
import sys

HEADER = struct.Struct("<Q")


def read_msg(stream):
    hdr = stream.read(HEADER.size)
    if len(hdr) < HEADER.size:
        return None
    (n,) = HEADER.unpack(hdr)
    data = stream.read(n)
    if len(data) < n:
        return None
    return pickle.loads(data)


def write_msg(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def main() -> int:
    from .phones import PhoneDecoder

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr          # stray prints must not corrupt the reply stream
    decoders: dict[str, PhoneDecoder] = {}
    while True:
        msg = read_msg(inp)
        if msg is None:
            return 0
        method = msg["method"]
        if method not in decoders:
            decoders[method] = PhoneDecoder(method)
            decoders[method].load()
        if msg.get("samples") is None:      # warm-up ping
            write_msg(out, ("ok", None))
            continue
        try:
            write_msg(out, ("ok", decoders[method].candidates(msg["samples"], msg["words"])))
        except Exception as e:  # reported to the parent, which decodes the chunk itself
            write_msg(out, ("error", repr(e)))


if __name__ == "__main__":
    sys.exit(main())
