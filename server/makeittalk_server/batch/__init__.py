"""`makeittalk batch`: many lines (portrait + audio + params each) with one warm engine per worker.

manifest (CSV/JSONL -> lines) · plan (what is done already: resume) · line (one line, start to end) ·
local (worker processes on this machine) · ray_runner (the same lines on a Ray cluster) ·
report (report.json + report.txt) · progress (the terminal bar) · exports (pluggable export formats).
"""
