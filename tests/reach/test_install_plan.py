"""install.py picks what fits the Python it runs with, and says so; pyproject.toml agrees with it."""

from support.paths import ROOT
import importlib.util
import tomllib

spec = importlib.util.spec_from_file_location("install_script", ROOT / "install.py")
install = importlib.util.module_from_spec(spec)
spec.loader.exec_module(install)


def test_each_python_gets_what_exists_for_it():
    p311 = install.plan_for((3, 11), no_bpy=False, dev=True)
    assert p311["with_bpy"] and p311["bpy45"] and "bpy 5.0" in p311["say"]
    p312 = install.plan_for((3, 12), no_bpy=False, dev=True)
    assert not p312["with_bpy"] and not p312["bpy45"]
    assert "no Blender-as-a-module is built for Python 3.12" in p312["say"] and "skipped" in p312["say"]
    p313 = install.plan_for((3, 13), no_bpy=False, dev=False)
    assert p313["with_bpy"] and not p313["bpy45"] and "bpy 5.2" in p313["say"]
    assert not install.plan_for((3, 13), no_bpy=True, dev=False)["with_bpy"]


def test_pyproject_allows_the_same_pythons_and_bpys():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    extra = project["optional-dependencies"]["blender"]
    assert extra == ["bpy==5.0.*; python_version == '3.11'", "bpy==5.2.*; python_version == '3.13'"]
    assert {v: b.replace("bpy ", "bpy==") + ".*" for v, b in install.BPY_FOR.items()} == \
        {(3, 11): "bpy==5.0.*", (3, 13): "bpy==5.2.*"}
    assert install.TORCH in project["dependencies"]


def test_stub_versions_match_the_checker():
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import check_bpy_stubs

    assert install.STUB_VERSIONS == check_bpy_stubs.VERSIONS
    assert install.STUBS == check_bpy_stubs.STUBS
