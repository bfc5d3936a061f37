"""Bounded fuzzing of a real server: a seeded multipart fuzzer (broken framing, lying file headers, hostile
params) and schemathesis over the OpenAPI schema. Every answer is a 2xx or a 4xx in the error shape, with
a message that names no internals; never a 5xx, never a hang. Fixed seeds, fixed counts, seconds each."""

import http.client
import json
import random
import re
import struct
import time
import zlib

import numpy as np
from support.media import encode_audio, encode_png

SEED = 20261201
N_MULTIPART = 400
TIME_BUDGET_S = 90          # a guard against a slow machine; the counts are the contract
INTERNALS = re.compile(r"Traceback|Error\b|Exception|object at 0x|/tmp/|/work/|/home/|site-packages|\.py\b")
COUNTS: dict = {}


# ---- material -----------------------------------------------------------------------------------------
def _wav(rng: random.Random) -> bytes:
    sr = rng.choice([8000, 16000, 44100])
    t = np.arange(int(sr * rng.choice([0.3, 0.8, 1.2]))) / sr
    return encode_audio((0.3 * np.sin(2 * np.pi * 200 * t))[:, None].astype(np.float32), sr, "WAV")


def _png() -> bytes:
    yy, xx = np.mgrid[0:64, 0:64]
    return encode_png(np.stack([xx * 3, yy * 3, np.full_like(xx, 50)], -1).astype(np.uint8))


def _lying_png(rng) -> bytes:
    w, h = rng.choice([(100000, 100000), (0, 0), (1, 2**31 - 1), (9000, 9000), (2**32 - 1, 1)])
    ihdr = struct.pack(">IIBBBBB", w, h, 8, rng.choice([0, 2, 6, 3, 7]), 0, 0, 0)
    body = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + body + struct.pack(">I", zlib.crc32(body))
            + rng.randbytes(rng.randint(0, 200)))


def _lying_wav(rng) -> bytes:
    ch, sr = rng.choice([(1, 16000), (8, 48000), (65535, 1), (2, 0), (0, 8000), (1, 4294967295)])
    fmt = struct.pack("<HHIIHH", rng.choice([1, 3, 0xFFFE, 7]), ch, sr, sr * 2 * max(ch, 1) & 0xFFFFFFFF,
                      2 * ch & 0xFFFF, 16)
    data = rng.randbytes(rng.randint(0, 400))
    size = rng.choice([len(data), 2**32 - 1, 0])
    return b"RIFF" + struct.pack("<I", 2**32 - 1) + b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + \
        struct.pack("<I", size) + data


def _lying_flac(rng) -> bytes:
    total = rng.choice([2**36 - 1, 0, 10**11])
    info = struct.pack(">HH", 4096, 4096) + b"\0" * 6
    info += ((44100 << 44) | (rng.randint(0, 7) << 41) | (15 << 36) | total).to_bytes(8, "big") + b"\0" * 16
    return b"fLaC\x80" + len(info).to_bytes(3, "big") + info + rng.randbytes(rng.randint(0, 300))


def _json_text(rng) -> str:
    kind = rng.randrange(14)
    if kind == 0:
        d = rng.choice([20, 200, 5000, 60000])
        return rng.choice(["[", '{"a":']) * d + "1" + rng.choice(["]", "}"]) * d
    if kind == 1:
        return '{"%s": %s}' % (rng.choice(["seed", "fps", "amp_pos", "x"]), "9" * rng.choice([4000, 4301, 9000]))
    if kind == 2:
        return '{"%s": %s}' % (rng.choice(["fps", "amp_lip_x", "seed"]), rng.choice(["NaN", "Infinity", "-Infinity",
                                                                                    "1e308", "1e999", "-0.0", "1e-320"]))
    if kind == 3:
        return json.dumps({"checkpoints": rng.choice(["/tmp/\u0000x", "\u0000", "../../etc", "a" * 5000, "/proc/self"])})
    if kind == 4:
        return json.dumps({"transcript": rng.choice(["\u2460\u2461", "\ud800", "\u202e\u0000", "x" * 30000, "\U0001F600"])})
    if kind == 5:
        pts = [[rng.uniform(-1e6, 1e6), rng.uniform(0, 64), rng.choice([0, 1e308, -1e308, 1.0])] for _ in range(68)]
        return json.dumps({"rest_landmarks": pts[: rng.choice([68, 67, 0])]})
    if kind == 6:
        return json.dumps({"render": {"renderer": rng.choice(["warp", "neural", "x"]), "width": rng.choice([4096, 16, 2**40]),
                                      "height": rng.choice([4096, -1, None])}, "fps": rng.choice([240, 1, 0])})
    if kind == 7:
        return '{"engine": "default", "engine": "makeittalk", "seed": 1, "seed": "x"}'
    if kind == 8:
        return rng.choice(["", "null", "[]", "1", '"x"', "{", "{}" * 1000, "\ufeff{}", "{\"a\":1}\x00"])
    if kind == 9:
        return json.dumps({"emotion": rng.choice([{"name": "happy", "intensity": 1e400 if False else 2},
                                                   "happy", {"name": "\u0000"}, [1, 2]])})
    if kind == 10:
        return json.dumps({rng.choice(["engine", "blink", "seed", "fps"]): rng.choice([[], {}, True, None, "1", 1.5])})
    if kind == 11:
        return "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(1, 80)))
    if kind == 12:
        return json.dumps({"engine": "default", "fps": 25, "rest_landmarks": [[32 + 10 * np.cos(a), 32 + 10 * np.sin(a)]
                                                                             for a in np.linspace(0, 6, 68)]})
    return json.dumps({"x" * rng.randint(1, 50): "y" * rng.randint(0, 100000)})


def _valid_params() -> str:
    return json.dumps({"engine": "default", "fps": 25, "rest_landmarks": [[32 + 10 * np.cos(a), 32 + 10 * np.sin(a)]
                                                                         for a in np.linspace(0, 6, 68)]})


def _file(rng, field: str, good_odds: float) -> bytes:
    good = {"audio": _wav(rng), "image": _png()}.get(field, b"?")
    if rng.random() < good_odds:
        return good
    kind = rng.randrange(1, 8)
    if kind == 0:
        return good
    if kind == 1:
        return good[: rng.randint(0, len(good))]
    if kind == 2:
        b = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if kind == 3:
        return rng.choice([_lying_png, _lying_wav, _lying_flac])(rng)
    if kind == 4:
        return rng.randbytes(rng.randint(0, 5000))
    if kind == 5:
        return b""
    if kind == 6:
        return good + rng.randbytes(rng.randint(1, 3000))
    return rng.choice([_png(), _wav(rng)])   # the wrong kind of file


# ---- framing ------------------------------------------------------------------------------------------
def _body(rng) -> tuple[bytes, str]:
    """Half the bodies are well framed with all three fields (their contents fuzzed), half are broken."""
    framed = rng.random() < 0.5
    boundary = "----" + "%032x" % rng.getrandbits(128) if framed else \
        rng.choice(["b", "x" * 70, "----" + "%032x" % rng.getrandbits(128), "a b", "\u00e9", "=?x?="])
    nl = b"\r\n" if framed or rng.random() > 0.1 else b"\n"
    fields = ["params", "audio", "image"] if framed else \
        rng.sample(["audio", "image", "params", "extra", "audio", "params"], rng.randint(0, 6))
    if not framed and rng.random() < 0.05:
        fields = ["params"] * rng.randint(9, 60)
    parts = []
    for name in fields:
        disp_name = name if framed else rng.choice([name] * 8 + [name + '"; x="', name + "\u0000", "\u2460", ""])
        if name == "params" and rng.random() < 0.8:
            head = f'Content-Disposition: form-data; name="{disp_name}"'
            data = (_valid_params() if framed and rng.random() < 0.4 else _json_text(rng)).encode("utf-8", "surrogatepass")
        else:
            fname = rng.choice(["a.wav", "b.png", "../../etc/passwd", "x" * 300, "\u0000.png", ""])
            head = f'Content-Disposition: form-data; name="{disp_name}"; filename="{fname}"'
            head += "\r\nContent-Type: " + rng.choice(["application/octet-stream", "audio/wav", "image/png", "x/y; a=b",
                                                       "text/plain; charset=utf-16"])
            data = _file(rng, name, good_odds=0.55 if framed else 0.12)
        if not framed and rng.random() < 0.05:
            head += "\r\nX-Long: " + "h" * rng.choice([1000, 20000, 200000])
        if not framed and rng.random() < 0.05:
            head = rng.choice(["", "Content-Disposition: attachment", "Content-Disposition: form-data"])
        parts.append(b"--" + boundary.encode("utf-8") + nl + head.encode("utf-8", "surrogatepass").replace(b"\r\n", nl)
                     + nl + nl + data + nl)
    body = b"".join(parts) + (b"--" + boundary.encode("utf-8") + b"--" + nl if framed or rng.random() > 0.1 else b"")
    if framed:
        return body, f"multipart/form-data; boundary={boundary}"
    if rng.random() < 0.1:
        body = body[: rng.randint(0, len(body))]
    ctype = rng.choice([f"multipart/form-data; boundary={boundary}"] * 8 + [
        "multipart/form-data", "multipart/form-data; boundary=", "text/plain", "application/json",
        f"multipart/mixed; boundary={boundary}", f'multipart/form-data; boundary="{boundary}"; charset=latin-1',
        "multipart/form-data; boundary=" + "z" * 5000])
    return body, ctype


def _send(port, path, body, ctype, chunked):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.putrequest("POST", path)
        c.putheader("Content-Type", ctype.encode("utf-8").decode("latin-1"))
        if chunked:
            c.putheader("Transfer-Encoding", "chunked")
            c.endheaders()
            for i in range(0, len(body), 4096):
                piece = body[i:i + 4096]
                c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            c.send(b"0\r\n\r\n")
        else:
            c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def _check(status: int, data: bytes, what):
    assert status < 500, (status, data[:300], what)
    if status >= 400:
        err = json.loads(data)["error"]
        assert isinstance(err["code"], str) and err["message"], what
        assert not INTERNALS.search(err["message"]), (err, what)
        return err["code"]
    return "ok"


def test_multipart_fuzz_never_500(server):
    rng = random.Random(SEED)
    statuses: dict = {}
    codes: dict = {}
    t0, n = time.time(), 0
    for i in range(N_MULTIPART):
        if time.time() - t0 > TIME_BUDGET_S:
            break
        body, ctype = _body(rng)
        path = rng.choice(["/v1/jobs"] * 3 + ["/v1/landmarks"])
        status, data = _send(server.port, path, body, ctype, chunked=rng.random() < 0.2)
        code = _check(status, data, (i, path, ctype[:80]))
        statuses[status] = statuses.get(status, 0) + 1
        codes[code] = codes.get(code, 0) + 1
        n += 1
        if status == 202:       # a valid job: do not leave work behind
            http_delete(server.port, json.loads(data)["job_id"])
    COUNTS["multipart"] = {"requests": n, "seconds": round(time.time() - t0, 1), "statuses": statuses,
                           "codes": codes}
    print("multipart fuzz:", json.dumps(COUNTS["multipart"], sort_keys=True))
    assert n == N_MULTIPART, f"only {n} requests in {TIME_BUDGET_S} s"
    assert statuses.get(202) and len(codes) >= 6     # it reached valid jobs and many kinds of refusal
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("GET", "/v1/health")
    assert c.getresponse().status == 200


def http_delete(port: int, job_id: str) -> None:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("DELETE", f"/v1/jobs/{job_id}")
    c.getresponse().read()
    c.close()


def test_schemathesis_never_500(server):
    """Every operation of the OpenAPI schema, a fixed number of generated cases each, derandomized."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    ops = [r.ok() for r in schema.get_all_operations()]
    statuses: dict = {}
    t0, n = time.time(), [0]
    for op in ops:
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            r = case.call(base_url=server.url, timeout=60)
            _check(r.status_code, r.content, (op.method, op.path))
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            n[0] += 1
            if r.status_code == 202:
                http_delete(server.port, r.json()["job_id"])
        run()
    COUNTS["schemathesis"] = {"operations": len(ops), "requests": n[0], "seconds": round(time.time() - t0, 1),
                              "statuses": statuses}
    print("schemathesis:", json.dumps(COUNTS["schemathesis"], sort_keys=True))
    assert len(ops) >= 7 and n[0] >= len(ops)
