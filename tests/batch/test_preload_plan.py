"""What the batch's fork server preloads (batch/preload_plan.py): torch only for lines that need it, dlib's
model only when a portrait is missing from the landmark cache; and a line's CPU seconds in the report."""

from support.batch_helpers import make_media

from makeittalk_server.batch.manifest import Line

BASE, TORCH, DLIB = ("makeittalk_server.batch.preload", "makeittalk_server.batch.preload_torch",
                     "makeittalk_server.batch.preload_dlib")
TRANSCRIPTS = "makeittalk_server.batch.preload_transcripts"


def _line(portrait, **params):
    return Line(row=1, id="a", portrait=str(portrait), audio="x.wav", params=params)


def test_preload_follows_the_lines(tmp_path, monkeypatch):
    from makeittalk_server import image
    from makeittalk_server.batch import preload_plan
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect

    monkeypatch.setenv("MAKEITTALK_CACHE_DIR", str(tmp_path / "cache"))
    media = make_media(tmp_path)
    face = media / "face.jpg"
    given = _line(face, rest_landmarks_file=str(media / "rest.json"))
    assert preload_plan.modules([given]) == [BASE]
    assert preload_plan.modules([_line(face)]) == [BASE, DLIB]            # not in the cache yet
    detect(image.decode(str(face)), Settings())
    assert preload_plan.modules([_line(face)]) == [BASE]                  # now it is
    assert preload_plan.modules([_line(face, engine="makeittalk")]) == [BASE, TORCH]
    assert preload_plan.modules([_line(tmp_path / "missing.png")]) == [BASE, DLIB]
    assert preload_plan.modules([given, _line(face, transcript="papa")]) == [BASE, TRANSCRIPTS]
    rendered = _line(face)
    rendered.render = "warp"
    assert TORCH in preload_plan.modules([given, rendered])


def test_report_has_each_lines_cpu_seconds(tmp_path):
    from makeittalk_server.batch.line import LineWorker

    media = make_media(tmp_path)
    line = Line(row=1, id="p", portrait=str(media / "face.jpg"), audio=str(media / "papa.wav"),
                params={"rest_landmarks_file": str(media / "rest.json")})
    res = LineWorker().run(line, str(tmp_path / "out"), "k")
    assert res["status"] == "done" and 0 < res["cpu_s"] < 60
