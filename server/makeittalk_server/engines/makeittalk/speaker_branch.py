"""Speaker-aware branch `Audio2landmark_pos` (spec 5.3): windows + speaker embedding -> head motion.

The transformer runs across the windows of one segment (sequence length <= 512), without a mask.
The original module also holds a transformer decoder that inference never calls; its weights are in
the file and deliberately not loaded here (nothing else is skipped: every weight used must be present).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .checkpoints import load_checkpoint

D_MODEL, HEADS, FF, LAYERS, MAX_LEN = 64, 2, 2048, 2, 512
Z_SIZE = 128
EMB_COEF = 3.0


def positional_table(max_len: int = MAX_LEN, d: int = D_MODEL) -> torch.Tensor:
    """The original's table: exponent 2c/d for every column c (sin on even, cos on odd)."""
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    c = np.arange(d, dtype=np.float64)[None, :]
    ang = pos / (10000 ** (2 * c / d))
    pe = np.where(np.arange(d)[None, :] % 2 == 0, np.sin(ang), np.cos(ang))
    return torch.from_numpy(pe.astype(np.float32))[None]


class Norm(nn.Module):
    """alpha * (x - mean) / (unbiased std + eps) + bias."""

    def __init__(self, d=D_MODEL, eps=1e-6):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))
        self.eps = eps

    def forward(self, x):
        return self.alpha * (x - x.mean(dim=-1, keepdim=True)) / (x.std(dim=-1, keepdim=True) + self.eps) + self.bias


class Attention(nn.Module):
    def __init__(self, d=D_MODEL, heads=HEADS):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.q_linear, self.v_linear, self.k_linear = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        bs, n, d = x.shape
        q = self.q_linear(x).view(bs, n, self.h, self.dk).transpose(1, 2)
        k = self.k_linear(x).view(bs, n, self.h, self.dk).transpose(1, 2)
        v = self.v_linear(x).view(bs, n, self.h, self.dk).transpose(1, 2)
        scores = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.dk), dim=-1)
        y = torch.matmul(scores, v).transpose(1, 2).contiguous().view(bs, n, d)
        return self.out(y)


class FeedForward(nn.Module):
    def __init__(self, d=D_MODEL, ff=FF):
        super().__init__()
        self.linear_1, self.linear_2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        return self.linear_2(torch.relu(self.linear_1(x)))


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm_1, self.norm_2 = Norm(), Norm()
        self.attn, self.ff = Attention(), FeedForward()

    def forward(self, x):
        x = x + self.attn(self.norm_1(x))
        return x + self.ff(self.norm_2(x))


class Embedder(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.embed = nn.Linear(cin, D_MODEL)


class PositionalEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("pe", positional_table())


class TransformerEncoder(nn.Module):
    def __init__(self, cin=512):
        super().__init__()
        self.embed = Embedder(cin)
        self.pe = PositionalEncoder()
        self.layers = nn.ModuleList([EncoderLayer() for _ in range(LAYERS)])
        self.norm = Norm()

    def forward(self, x):
        n = x.shape[1]
        x = self.embed.embed(x) * math.sqrt(D_MODEL) + self.pe.pe[:, :n]
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


class SpeakerBranch(nn.Module):
    def __init__(self, hidden=256, spk=128):
        super().__init__()
        self.audio_content_encoder = nn.LSTM(80, hidden, 3, batch_first=True)
        self.spk_emb_encoder = nn.Sequential(nn.Linear(256, 256), nn.LeakyReLU(0.02), nn.Linear(256, spk),
                                             nn.LeakyReLU(0.02), nn.Linear(spk, spk))
        self.encoder = TransformerEncoder(hidden + spk + Z_SIZE)
        self.out = nn.Sequential(nn.Linear(D_MODEL + Z_SIZE, 512), nn.LeakyReLU(0.02), nn.Linear(512, 256),
                                 nn.LeakyReLU(0.02), nn.Linear(256, 204))

    def encode_windows(self, windows: torch.Tensor) -> torch.Tensor:
        """Per-window audio code (B, 256): independent of the segment, so all windows run in one batch."""
        out, _ = self.audio_content_encoder(windows)
        return out[:, -1]

    def head(self, audio_code: torch.Tensor, emb: torch.Tensor, return_parts=False):
        """One segment: audio_code (B, 256), emb (B, 256) already x3 -> (B, 204).
        The B windows form one sequence for the transformer."""
        z = torch.zeros(audio_code.shape[0], Z_SIZE, dtype=audio_code.dtype, device=audio_code.device)
        s = self.spk_emb_encoder(emb)
        h = self.encoder(torch.cat([audio_code, s, z], dim=1)[None])[0]
        y = self.out(torch.cat([h, z], dim=1))
        return (y, h, s) if return_parts else y

    def forward(self, windows, emb):
        return self.head(self.encode_windows(windows), emb)


def load(path, device="cpu") -> SpeakerBranch:
    with torch.device("meta"):
        m = SpeakerBranch()
    # comb_mlp.* (the original drops it) and the never-called decoder.* are not used
    m = load_checkpoint(m, path, "speaker", device=device, ignore_prefixes=("comb_mlp.", "decoder."),
                        optional={"encoder.pe.pe": positional_table()})
    m.audio_content_encoder.flatten_parameters()
    return m
