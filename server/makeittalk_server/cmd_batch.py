"""`makeittalk batch MANIFEST -o DIR [--ray [ADDRESS]]`: many lines, one warm engine per worker, resumable."""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="animate every line of a CSV/JSONL manifest (resumable; --ray for a cluster)",
                       description="Each manifest line names a portrait and an audio file (paths relative to "
                       "the manifest) and optional params: id, transcript, emotion, intensity, seed, fps, engine, "
                       "amp_lip_x, amp_lip_y, amp_pos, blink, precision, rest_landmarks, render (warp|neural: "
                       "an mp4), blend (true: a .blend), exports (formats), params (JSON). Outputs go to "
                       "DIR/<id>/; DIR/report.json and DIR/report.txt say what happened to every line. "
                       "Running it again skips the lines already done and redoes the changed ones.")
    p.add_argument("manifest", help="a .csv (header row) or .jsonl file")
    p.add_argument("-o", "--output", required=True, help="folder for the outputs and the report")
    p.add_argument("--workers", type=int, default=None,
                   help="lines processed at once (default: one per core); with --ray, the number of actors")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on a Ray cluster (ADDRESS, or RAY_ADDRESS, or a local Ray instance when omitted); "
                        "the files must be on paths every node can read and write")
    p.add_argument("--ray-gpus", type=float, default=None,
                   help="GPUs per Ray actor (default: 1 when the cluster has GPUs, else 0)")
    p.add_argument("--checkpoints", default=None, help="folder of the official MakeItTalk files")
    p.add_argument("--redo", action="store_true", help="run every line again, even those already done")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from .errors import BadInput
    from .batch import report
    from .batch.runner import Options, run_batch

    if args.workers is not None and args.workers < 1:
        raise BadInput("bad_workers", "--workers must be at least 1")
    opts = Options(workers=args.workers, ray=args.ray, ray_gpus=args.ray_gpus, checkpoints=args.checkpoints,
                   redo=args.redo, quiet=args.quiet)
    rep = run_batch(args.manifest, args.output, opts)
    if not args.quiet:
        print(report.summary(rep), end="", file=sys.stderr)
        print(f"makeittalk: report in {args.output}/report.json", file=sys.stderr)
    c = rep["counts"]
    return 1 if (c["failed"] or c["invalid"] or c["pending"]) else 0
