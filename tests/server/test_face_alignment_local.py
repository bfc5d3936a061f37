"""face-alignment is used only from weights already on disk: with files in a configured folder it loads them
(random weights written here in the official file names) and never tries the network."""

import pytest

fa = pytest.importorskip("face_alignment", reason="face-alignment is optional; install.py installs it")


def test_loads_local_weights_and_never_downloads(tmp_path, monkeypatch):
    import torch
    import torch.hub
    from face_alignment.detection.sfd.net_s3fd import s3fd
    from face_alignment.models import FAN

    from makeittalk_server import image
    from makeittalk_server.config import Settings
    from makeittalk_server.landmarks import detect, fa_detector
    from support.serverproc import EXAMPLES

    settings = Settings(face_alignment_dir=tmp_path)
    monkeypatch.setattr(fa_detector, "_model", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-torch-home"))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    assert not fa_detector.status(settings)["ready"]
    torch.manual_seed(0)
    torch.save(FAN(4).state_dict(), tmp_path / "2DFAN4-11f355bf06.pth.tar")
    det = s3fd()
    with torch.no_grad():  # random detector weights find faces everywhere; make it find none, quickly
        for name, mod in det.named_modules():
            if name.endswith("mbox_conf"):
                mod.weight.zero_()
                mod.bias.zero_()
                mod.bias[-1] = -50.0  # the face class is the last channel
    torch.save(det.state_dict(), tmp_path / "s3fd-619a316812.pth")
    assert fa_detector.status(settings) == {"name": "face_alignment", "ready": True, "reason": ""}

    def no_network(*a, **k):
        raise AssertionError("face-alignment tried to download")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    import face_alignment.utils as fa_utils

    monkeypatch.setattr(fa_utils, "download_url_to_file", no_network)
    img = image.decode(str(EXAMPLES / "monalisa.jpg"))
    from makeittalk_server.errors import BadInput

    try:
        with pytest.raises(BadInput) as e:  # a detector that sees no face: the clean 422 path
            detect(img, settings)
        assert e.value.code == "no_face"
        assert fa_detector._model is not None  # it was face-alignment, built from the local files
        assert isinstance(fa_detector._model.face_alignment_net, FAN)
    finally:
        monkeypatch.setattr(fa_detector, "_model", None)
