"""Server and internal messages in an artist's words: no API field names, no command-line options,
no exception class names."""

from __future__ import annotations

import re

_REPLACE = (
    (re.compile(r"\s*and send them as rest_landmarks"), ""),
    (re.compile(r"\(or give rest_landmarks\)"), "(or place the landmarks yourself: 'Template')"),
    (re.compile(r"\brest_landmarks\b"), "the corrected landmarks"),
    (re.compile(r"point --checkpoints \(or MAKEITTALK_CHECKPOINTS\) at it"),
     "choose that folder as 'MakeItTalk checkpoints' in the add-on's preferences"),
    (re.compile(r"--allow-dir \(or --checkpoints\)"), "the add-on's 'MakeItTalk checkpoints' preference"),
    (re.compile(r"--checkpoints\b"), "the 'MakeItTalk checkpoints' preference"),
    (re.compile(r"\bMAKEITTALK_[A-Z_]+\b"), "the server's settings"),
    (re.compile(r"<[^<>]* at 0x[0-9a-f]+>"), "an item"),
    (re.compile(r"\bbpy\.(data|types)\.[\w.\[\]'\"]+"), "an item"),
    (re.compile(r"\[Errno \d+\] "), ""),
)
_CLASS_PREFIX = re.compile(r"^(?:[A-Z][A-Za-z]*(?:Error|Exception)): ")


def plain(message: str) -> str:
    text = _CLASS_PREFIX.sub("", str(message or "").strip())
    for pattern, repl in _REPLACE:
        text = pattern.sub(repl, text)
    return text


INTERNAL = "something went wrong inside the add-on (the details are printed in Blender's system console)"
