"""AutoVC generator (dim_neck 16, dim_emb 256, dim_pre 512, freq 16) as MakeItTalk uses it (spec 4).

The converted mel (decoder + post-net, 80-d, towards the fixed target speaker) is the input of both
landmark branches. Module and parameter names follow the checkpoint's keys.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .checkpoints import load_checkpoint

DIM_NECK, DIM_EMB, DIM_PRE, FREQ = 16, 256, 512, 16
DIM_MEL, DIM_F0 = 80, 257
CHUNK = 4096            # frames per independent chunk (no state carried across)
PAD_TO = 32


class ConvNorm(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, 5, 1, 2)


def _conv_block(cin, cout, groups):
    return nn.Sequential(ConvNorm(cin, cout), nn.GroupNorm(groups, cout))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.convolutions = nn.ModuleList(
            [_conv_block(DIM_MEL + DIM_EMB, 512, 32), _conv_block(512, 512, 32), _conv_block(512, 512, 32)])
        self.lstm = nn.LSTM(512, DIM_NECK, 2, batch_first=True, bidirectional=True)

    def forward(self, x, c_org):
        # x: (B, T, 80); c_org: (B, 256) broadcast over time, channels first for the convolutions
        h = torch.cat([x.transpose(1, 2), c_org[:, :, None].expand(-1, -1, x.shape[1])], dim=1)
        for block in self.convolutions:
            h = torch.relu(block[1](block[0].conv(h)))
        out, _ = self.lstm(h.transpose(1, 2))
        fwd, bwd = out[:, :, :DIM_NECK], out[:, :, DIM_NECK:]
        # one code per block of FREQ frames: forward state at its end, backward state at its start
        codes = torch.cat([fwd[:, FREQ - 1::FREQ], bwd[:, ::FREQ]], dim=-1)
        return codes


class LinearNorm(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear_layer = nn.Linear(cin, cout)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(DIM_NECK * 2 + DIM_EMB + DIM_F0, 512, 3, batch_first=True)
        self.linear_projection = LinearNorm(512, DIM_MEL)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.linear_projection.linear_layer(out)


class Postnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.convolutions = nn.ModuleList(
            [_conv_block(DIM_MEL, 512, 32)] + [_conv_block(512, 512, 32) for _ in range(3)]
            + [_conv_block(512, DIM_MEL, 5)])

    def forward(self, x):
        for i, block in enumerate(self.convolutions):
            x = block[1](block[0].conv(x))
            if i < len(self.convolutions) - 1:
                x = torch.tanh(x)
        return x


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()
        self.postnet = Postnet()

    def forward(self, x, c_org, f0, c_trg, return_parts=False):
        """x (B,T,80), c_org (B,256), f0 (B,T,257), c_trg (B,256); T a multiple of 16.
        Returns the post-net output (B,T,80) (and the codes and pre-post-net mel if asked)."""
        codes = self.encoder(x, c_org)
        up = codes.repeat_interleave(FREQ, dim=1)
        dec_in = torch.cat([up, c_trg[:, None, :].expand(-1, x.shape[1], -1), f0], dim=-1)
        mel = self.decoder(dec_in)
        out = mel + self.postnet(mel.transpose(1, 2)).transpose(1, 2)
        return (out, codes, mel) if return_parts else out


def load(path, device="cpu") -> Generator:
    with torch.device("meta"):
        g = Generator()
    g = load_checkpoint(g, path, "autovc", device=device)
    for m in g.modules():
        if isinstance(m, nn.LSTM):
            m.flatten_parameters()
    return g


@torch.inference_mode()
def convert(gen: Generator, mel: np.ndarray, f0_onehot: np.ndarray, c_org: np.ndarray,
            c_trg: np.ndarray, device=None) -> np.ndarray:
    """The converter: chunks of 4096 frames, each zero-padded at the end to a multiple of 32; T x 80."""
    device = device or next(gen.parameters()).device
    T = mel.shape[0]
    c_org_t = torch.from_numpy(np.asarray(c_org, np.float32))[None].to(device)
    c_trg_t = torch.from_numpy(np.asarray(c_trg, np.float32))[None].to(device)
    outs = []
    for s in range(0, T, CHUNK):
        x = np.asarray(mel[s:s + CHUNK], dtype=np.float32)
        f = np.asarray(f0_onehot[s:s + CHUNK], dtype=np.float32)
        n = x.shape[0]
        pad = (-n) % PAD_TO
        x = np.pad(x, ((0, pad), (0, 0)))
        f = np.pad(f, ((0, pad), (0, 0)))         # padding rows are all zero (not unvoiced column 0)
        y = gen(torch.from_numpy(x)[None].to(device), c_org_t, torch.from_numpy(f)[None].to(device), c_trg_t)
        outs.append(y[0, :n].float().cpu().numpy())
    return np.concatenate(outs, axis=0)
