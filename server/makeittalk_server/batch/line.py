"""One batch line, start to end, in a worker that keeps its engine warm between lines.

The same LineWorker runs in the local worker processes and in the Ray actors. It writes the line's
outputs into OUT/<id>/ (each file written under a temporary name, then renamed) and returns a result
record; line.json (plan.write_state) is written by the caller's side of the same process, last.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import traceback
from collections import OrderedDict
from pathlib import Path

from .. import blas
from ..errors import Cancelled, UserError
from .manifest import Line

log = logging.getLogger("makeittalk.batch")
TRACK = "track.json"
IMAGE_CACHE = 8          # portraits kept decoded (with their detected landmarks) per worker


class LineWorker:
    def __init__(self, checkpoints: str | None = None, side_by_side: bool = False):
        """side_by_side: other workers run lines on the other cores at the same time, so an engine must
        not spread one line over helper processes of its own (they would only compete for those cores)."""
        from ..config import Settings

        self.settings = Settings.from_env(checkpoints_dir=Path(checkpoints) if checkpoints else None)
        pre = getattr(sys.modules.get("makeittalk_server.batch.preload"), "SETTINGS", None)
        if pre is not None and pre == self.settings:
            self.settings = pre        # the fork server's warm engine is cached under these (preload.py)
        self._images: OrderedDict = OrderedDict()
        self.side_by_side = side_by_side

    def run(self, line: Line | dict, out_dir: str, key: str) -> dict:
        """The result record of this line: status done or failed, with the reason in plain words."""
        from .plan import write_state

        line = Line.from_dict(line) if isinstance(line, dict) else line
        t0, c0 = time.monotonic(), time.process_time()
        res = {"id": line.id, "row": line.row, "key": key, "status": "failed", "reason": "", "outputs": {},
               "audio_s": 0.0, "seconds": 0.0}
        try:
            with blas.one_thread():     # the same track from a local worker and a Ray actor (blas.py)
                res.update(self._run(line, Path(out_dir)))
            res["status"] = "done"
        except UserError as e:
            res["reason"], res["code"] = e.message, e.code
        except Cancelled:
            res["reason"] = "cancelled"
        except Exception:   # one bad line never stops the batch; the details go to the log, not the report
            res["reason"] = "an unexpected error stopped this line (details in batch.log)"
            _log_trace(Path(out_dir), line.id)
        res["seconds"] = round(time.monotonic() - t0, 3)
        res["cpu_s"] = round(time.process_time() - c0, 3)      # this process's threads (not helper processes)
        if res["status"] == "done":
            write_state(Path(out_dir), res)
        return res

    def _run(self, line: Line, out: Path) -> dict:
        from .. import audio, pipeline
        from ..params import parse_params

        d = out / line.id
        d.mkdir(parents=True, exist_ok=True)
        params = dict(line.params)
        rest_file = params.pop("rest_landmarks_file", None)
        if rest_file:
            from ..cmd_track import read_landmarks_file

            params["rest_landmarks"] = read_landmarks_file(Path(rest_file))
        if params.get("checkpoints"):      # a local batch is its user's own: any folder it names is allowed
            self.settings.allowed_dirs.append(Path(params["checkpoints"]).expanduser())
        img, rest, det_info = self._portrait(line.portrait, params)
        if rest is not None:
            params["rest_landmarks"] = rest
        jp = parse_params(params)
        if self.side_by_side:
            _one_process_engine(jp.engine, self.settings)
        clip = audio.decode(line.audio, name=os.path.basename(line.audio))
        track = pipeline.make_track(clip, img, jp, self.settings, rest_info=det_info)
        outputs = {"track": _atomic(d / TRACK, lambda p: track.save(str(p)), out)}
        if line.exports:
            from . import exports

            (d / "exports").mkdir(exist_ok=True)
            outputs["exports"] = [str(exports.write(f, track, d / "exports", line.id).relative_to(out))
                                  for f in line.exports]
        if jp.render is not None:
            outputs["mp4"] = _atomic(d / f"{line.id}.mp4", lambda p: self._mp4(track, img, jp, clip, p), out)
        if line.blend:
            outputs["blend"] = _atomic(d / f"{line.id}.blend",
                                       lambda p: _blend(d / TRACK, line.portrait, line.audio, p), out)
        return {"outputs": outputs, "audio_s": round(clip.duration_s, 3), "engine": track.engine,
                "n_frames": track.n_frames, "fps": track.fps}

    def _portrait(self, path: str, params: dict):
        """(image, rest landmarks or None, how they were found); detection runs once per portrait."""
        from .. import image, prepare
        from ..params import parse_params

        st = os.stat(path)
        k = (path, st.st_size, st.st_mtime_ns, params.get("rest_landmarks") is None)
        if k not in self._images:
            img = image.decode(path, name=os.path.basename(path))
            rest = info = None
            if params.get("rest_landmarks") is None:
                try:
                    h, w = img.shape[:2]
                    pts, info = prepare.rest_landmarks(parse_params({}), self.settings, img, w, h)
                    rest = pts.tolist()
                except UserError as e:
                    rest = e           # no face: every line with this portrait fails the same way
            self._images[k] = (img, rest, info)
            while len(self._images) > IMAGE_CACHE:
                self._images.popitem(last=False)
        self._images.move_to_end(k)
        img, rest, info = self._images[k]
        if isinstance(rest, UserError):
            raise rest
        return img, rest, info

    def _mp4(self, track, img, jp, clip, path: Path) -> None:
        from .. import renderers, video
        from ..progress import Progress

        renderer = renderers.get(jp.render.renderer, self.settings)
        frames = renderer.render(track, img, jp.render, Progress())
        video.write_mp4(frames, path, track.fps, audio=(clip.raw, clip.source_sr))


def _one_process_engine(name: str, settings) -> None:
    """The default engine decodes clips over 6 s in phone-decoder processes of its own (one per core);
    with a line on every core already, those only add start-up (~1 s each) and contention."""
    from .. import engines

    pool = getattr(engines.get(name, settings), "pool", None)
    if hasattr(pool, "in_process"):
        pool.in_process()


def _atomic(path: Path, write, out: Path) -> str:
    """Write through path + '.part' and rename; returns the path relative to the batch folder."""
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    write(tmp)
    tmp.replace(path)
    return str(path.relative_to(out))


def _blend(track: Path, portrait: str, audio: str, path: Path) -> None:
    """The .blend through Blender as a module, in its own process (bpy is one scene per process)."""
    cmd = [sys.executable, "-m", "makeittalk_blender.blend_job", str(track), portrait, audio, str(path)]
    env = dict(os.environ)
    pkg_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["Blender failed"])[-1]
        raise UserError("blend_failed", f"the .blend could not be made: {last[:200]}")


def _log_trace(out: Path, line_id: str) -> None:
    try:
        with open(out / "batch.log", "a", encoding="utf-8") as f:
            f.write(f"--- line {line_id} ({time.strftime('%Y-%m-%d %H:%M:%S')})\n{traceback.format_exc()}\n")
    except OSError:
        log.exception("line %s failed", line_id)
