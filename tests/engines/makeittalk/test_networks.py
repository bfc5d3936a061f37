"""The networks from each stage's own fixture inputs (spec 4, 5.2, 5.3, 8)."""

import numpy as np
import torch

from makeittalk_server.engines.makeittalk import autovc, constants, i2i
from makeittalk_server.engines.makeittalk.audio2landmark import windows_of


def test_autovc_matches_original(models, ref):
    for clip in ("clipA", "clipB"):
        out = autovc.convert(models.autovc, ref(f"{clip}/mel"), ref(f"{clip}/f0_onehot"), ref(f"{clip}/c_org"),
                             constants.obama_emb())
        assert out.shape == ref(f"{clip}/autovc_out").shape
        assert np.abs(out - ref(f"{clip}/autovc_out")).max() < 1e-4


def test_autovc_internals(models, ref):
    mel = np.pad(ref("clipA/mel").astype(np.float32), ((0, 15), (0, 0)))      # padded to 320
    f0 = np.pad(ref("clipA/f0_onehot"), ((0, 15), (0, 0)))
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]
    with torch.inference_mode():
        _, codes, pre = models.autovc(t(mel), t(ref("clipA/c_org")), t(f0), t(constants.obama_emb()),
                                      return_parts=True)
    assert np.abs(codes[0].numpy() - ref("clipA/autovc_codes")).max() < 1e-5
    assert np.abs(pre[0].numpy() - ref("clipA/autovc_mel_out_prepostnet")).max() < 1e-5


def _branches(models, mel_norm, face_id, au_emb):
    win = windows_of(torch.from_numpy(mel_norm))
    n = win.shape[0]
    with torch.inference_mode():
        con = models.content(win.contiguous(), torch.from_numpy(face_id).expand(n, -1))
        emb = torch.from_numpy(au_emb)[None].expand(n, -1) * 3.0
        spk, h, s = models.speaker.head(models.speaker.encode_windows(win.contiguous()), emb, return_parts=True)
    return con.numpy(), spk.numpy(), h.numpy(), s.numpy()


def test_branches_match_original(models, ref):
    con, spk, h, s = _branches(models, ref("clipA/a2l_mel_norm"), ref("clipA/a2l_face_id"), ref("clipA/au_emb"))
    assert con.shape == (287, 204)
    assert np.abs(con - ref("clipA/content_raw")).max() < 1e-5
    assert np.abs(spk - ref("clipA/speaker_raw")).max() < 1e-5
    assert np.abs(h - ref("clipA/speaker_transformer_out")).max() < 1e-5
    assert np.abs(s - ref("clipA/speaker_spk_encode")).max() < 1e-5


def test_branches_on_source_mel_match_original(models, ref):
    # unsaturated inputs (the source mel), so the LSTMs are tested away from their limits
    con, spk, _, _ = _branches(models, ref("clipA/srcmel_mel_norm"), ref("clipA/a2l_face_id"), ref("clipA/au_emb"))
    assert np.abs(con - ref("clipA/srcmel_content_raw")).max() < 1e-5
    assert np.abs(spk - ref("clipA/srcmel_speaker_raw")).max() < 1e-5


def test_positional_table_matches_file(models):
    from makeittalk_server.engines.makeittalk.speaker_branch import positional_table

    pe = positional_table()
    assert torch.equal(pe, models.speaker.encoder.pe.pe)
    np.testing.assert_allclose(pe[0, 1, :4].numpy(), [0.8415, 0.7318, 0.5332, 0.9124], atol=1e-4)


# ---- image-to-image generator -------------------------------------------------------------------
def test_i2i_sketch_generator_and_frames(ckpt_dir, ref):
    import cv2

    gen = i2i.load_generator(ckpt_dir / "ckpt_116_i2i_comb.pth", "cpu")
    frames = ref.json("clipA/i2i_frames")["frame_indices"]
    inp = ref("clipA/i2i_input_u8")
    track = ref("clipA/track_final_px")
    photo = cv2.imread(str(ref.path("inputs/portrait_obama.jpg")))
    for k, f in enumerate(frames):           # sketches drawn exactly as the original
        np.testing.assert_array_equal(i2i.draw_sketch(track[f, :, :2]).transpose(2, 0, 1), inp[k, :3])
    np.testing.assert_array_equal(i2i.make_input(inp[:, :3].transpose(0, 2, 3, 1), photo), inp)
    raw = i2i.run_raw(gen, inp)
    assert np.abs(raw.numpy() - ref("clipA/i2i_out_raw")).max() < 1e-4
    img = i2i.to_image(raw)
    assert np.abs(img.numpy() - ref("clipA/i2i_out")).max() < 1e-4
    u8 = i2i.to_uint8(img)
    for k, f in enumerate(frames):
        panel = cv2.imread(str(ref.path(f"clipA/i2i_frame_{f:03d}.png")))
        mine = i2i.compose_panel(photo, u8[k], inp[k, :3].transpose(1, 2, 0))
        diff = np.abs(panel.astype(int) - mine)
        assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
    # the batched API gives the same frames (2 per batch: exercises a partial last batch)
    out = list(i2i.generate_frames(gen, track[frames], photo, batch=2))
    assert len(out) == 3 and all(o.shape == (256, 256, 3) and o.dtype == np.uint8 for o in out)
    assert max(np.abs(a.astype(int) - b).max() for a, b in zip(out, u8)) <= 1
