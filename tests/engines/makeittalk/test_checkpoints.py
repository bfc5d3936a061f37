"""Checkpoint loading: the official files' variants are accepted, anything else refused clearly."""

import pickle

import numpy as np
import pytest
import torch
from torch import serialization

from makeittalk_server.engines.makeittalk import autovc, content_branch, speaker_branch
from makeittalk_server.engines.makeittalk.checkpoints import CheckpointError


def _content_out(m, ref):
    from makeittalk_server.engines.makeittalk.audio2landmark import windows_of

    win = windows_of(torch.from_numpy(ref("clipA/srcmel_mel_norm")))[:40].contiguous()
    with torch.inference_mode():
        return m(win, torch.from_numpy(ref("clipA/a2l_face_id")).expand(40, -1)).numpy()


def _save_as_cuda(obj, path):
    """torch.save with every storage tagged 'cuda:0', as a file saved from a GPU run is."""
    saved = list(serialization._package_registry)
    serialization.register_package(-1000, lambda o: "cuda:0", lambda o, loc: None)
    try:
        torch.save(obj, path)
    finally:
        serialization._package_registry[:] = saved


def test_cuda_saved_prefixed_with_extra_keys_is_accepted(ckpt_dir, ref, tmp_path):
    sd = torch.load(ckpt_dir / "ckpt_content_branch.pth", weights_only=True)["model_g_face_id"]
    variant = {"model_g_face_id": {"module." + k: v for k, v in sd.items()}, "epoch": 116,
               "opt": {"state": {}, "param_groups": [{"lr": 1e-3}]}}
    path = tmp_path / "ckpt_content_branch.pth"
    _save_as_cuda(variant, path)
    with pytest.raises(RuntimeError):          # really a CUDA file: plain loading needs a GPU
        if not torch.cuda.is_available():
            torch.load(path, weights_only=True)
        else:
            raise RuntimeError("cuda present")
    ref_out = _content_out(content_branch.load(ckpt_dir / "ckpt_content_branch.pth"), ref)
    np.testing.assert_array_equal(_content_out(content_branch.load(path), ref), ref_out)


def test_speaker_branch_ignores_comb_mlp_and_needs_everything_else(ckpt_dir, tmp_path):
    obj = torch.load(ckpt_dir / "ckpt_speaker_branch.pth", weights_only=True)
    obj["G"]["comb_mlp.0.weight"] = torch.zeros(3, 3)
    torch.save(obj, tmp_path / "spk.pth")
    speaker_branch.load(tmp_path / "spk.pth")
    del obj["G"]["out.4.bias"]
    torch.save(obj, tmp_path / "spk_missing.pth")
    with pytest.raises(CheckpointError, match="missing.*out.4.bias"):
        speaker_branch.load(tmp_path / "spk_missing.pth")


def test_missing_key_is_refused(ckpt_dir, tmp_path):
    obj = torch.load(ckpt_dir / "ckpt_autovc.pth", weights_only=True)
    del obj["model"]["postnet.convolutions.4.1.weight"]
    torch.save(obj, tmp_path / "a.pth")
    with pytest.raises(CheckpointError, match="1 weights are missing.*postnet.convolutions.4.1.weight"):
        autovc.load(tmp_path / "a.pth")


def test_wrong_file_is_refused(ckpt_dir):
    with pytest.raises(CheckpointError, match="no 'model' entry|right file"):
        autovc.load(ckpt_dir / "ckpt_content_branch.pth")
    with pytest.raises(CheckpointError, match="right file"):
        content_branch.load(ckpt_dir / "ckpt_speaker_branch.pth")


def test_wrong_shape_is_refused(ckpt_dir, tmp_path):
    obj = torch.load(ckpt_dir / "ckpt_content_branch.pth", weights_only=True)
    obj["model_g_face_id"]["fc.6.bias"] = torch.zeros(10)
    torch.save(obj, tmp_path / "c.pth")
    with pytest.raises(CheckpointError, match="shape"):
        content_branch.load(tmp_path / "c.pth")


def test_corrupt_and_empty_files_are_refused(ckpt_dir, tmp_path):
    data = (ckpt_dir / "ckpt_content_branch.pth").read_bytes()
    (tmp_path / "trunc.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        content_branch.load(tmp_path / "trunc.pth")
    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        content_branch.load(tmp_path / "empty.pth")
    (tmp_path / "text.pth").write_text("this is not a checkpoint at all, just some text " * 4)
    with pytest.raises(CheckpointError):
        content_branch.load(tmp_path / "text.pth")


class Opaque:
    pass


def test_pickled_objects_are_refused_unless_trusted(ckpt_dir, tmp_path, monkeypatch):
    obj = torch.load(ckpt_dir / "ckpt_content_branch.pth", weights_only=True)
    obj["opt"] = Opaque()
    torch.save(obj, tmp_path / "c.pth", pickle_module=pickle)
    with pytest.raises(CheckpointError, match="MAKEITTALK_TRUST_CHECKPOINTS"):
        content_branch.load(tmp_path / "c.pth")
    monkeypatch.setenv("MAKEITTALK_TRUST_CHECKPOINTS", "1")
    content_branch.load(tmp_path / "c.pth")


def test_nan_weights_are_refused(ckpt_dir, tmp_path):
    obj = torch.load(ckpt_dir / "ckpt_content_branch.pth", weights_only=True)
    obj["model_g_face_id"]["fc.6.bias"][3] = float("nan")
    torch.save(obj, tmp_path / "c.pth")
    with pytest.raises(CheckpointError, match="NaN"):
        content_branch.load(tmp_path / "c.pth")


def test_engine_status_without_checkpoints(tmp_path):
    from makeittalk_server.config import Settings
    from makeittalk_server.engines.makeittalk import create
    from makeittalk_server.errors import EngineNotReady

    ready, reason = create(Settings(), checkpoints=None).status()
    assert not ready and "MakeItTalk" in reason and "ckpt_autovc.pth" in reason
    eng = create(Settings(), checkpoints=str(tmp_path))
    ready, reason = eng.status()
    assert not ready and str(tmp_path) in reason
    for name in ("ckpt_autovc.pth", "ckpt_content_branch.pth", "ckpt_speaker_branch.pth"):
        assert name in reason
    assert "github.com/adobe-research/MakeItTalk" in reason
    with pytest.raises(EngineNotReady):
        eng.warm()


def test_engine_reports_a_bad_file(ckpt_dir, tmp_path):
    from makeittalk_server.config import Settings
    from makeittalk_server.engines.makeittalk import create
    from makeittalk_server.errors import EngineNotReady

    for name in ("ckpt_autovc.pth", "ckpt_content_branch.pth"):
        (tmp_path / name).symlink_to(ckpt_dir / name)
    (tmp_path / "ckpt_speaker_branch.pth").symlink_to(ckpt_dir / "ckpt_content_branch.pth")
    eng = create(Settings(device="cpu"), checkpoints=str(tmp_path))
    assert eng.status()[0]
    with pytest.raises(EngineNotReady, match="ckpt_speaker_branch.pth"):
        eng.warm()
    ready, reason = eng.status()
    assert not ready and "ckpt_speaker_branch.pth" in reason
    # replacing the bad file makes the engine try again
    (tmp_path / "ckpt_speaker_branch.pth").unlink()
    (tmp_path / "ckpt_speaker_branch.pth").symlink_to(ckpt_dir / "ckpt_speaker_branch.pth")
    assert eng.status()[0]
    eng._load()
