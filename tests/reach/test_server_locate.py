"""An extension installed from its zip alone finds the server, or says exactly what to run."""

import os
import stat
import sys

from makeittalk_blender.core import server_locate as sl
from support.serverproc import server_python


def test_record_paths_per_platform():
    assert sl.record_path("linux", {}, "/home/u") == "/home/u/.config/makeittalk/server.json"
    assert sl.record_path("linux", {"XDG_CONFIG_HOME": "/x"}, "/home/u") == "/x/makeittalk/server.json"
    assert sl.record_path("darwin", {}, "/Users/u") == "/Users/u/Library/Application Support/makeittalk/server.json"
    assert sl.record_path("win32", {"APPDATA": "C:/A"}, "C:/U") == os.path.join("C:/A", "makeittalk", "server.json")


def test_finds_the_server_from_the_install_record(tmp_path):
    rec = sl.write_record(server_python(), "0.1.0", str(tmp_path / "server.json"))
    got = sl.locate("", env={"PATH": ""}, record=rec)
    assert got.python == os.path.abspath(server_python()) and got.source.startswith("install record")


def test_preference_first_then_a_makeittalk_command_on_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "makeittalk"
    script.write_text(f"#!{server_python()}\nprint('hi')\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": str(bin_dir)}
    none = str(tmp_path / "none.json")
    assert sl.locate("", env=env, record=none).source == "makeittalk on PATH"
    got = sl.locate(sys.executable, env=env, record=none, check=lambda p: True)
    assert (got.python, got.source) == (sys.executable, "preferences")


def test_says_what_to_run_when_nothing_fits(tmp_path):
    bogus = tmp_path / "python"
    bogus.write_text("")
    got = sl.locate(str(bogus), env={"PATH": ""}, record=str(tmp_path / "none.json"), blender="/opt/blender/blender")
    assert got.python is None
    assert 'python3 install.py --blender "/opt/blender/blender"' in got.advice
    assert f"preferences: {bogus}" in got.advice
    assert "py -3.11 install.py" in sl.advice(platform="win32")
