"""Content branch `Audio2landmark_content` (spec 5.2): 18-frame mel windows + face -> lip/jaw motion."""

from __future__ import annotations

import torch
from torch import nn

from .checkpoints import load_checkpoint

WINDOW = 18


class ContentBranch(nn.Module):
    def __init__(self, in_size=80, hidden=256, lstm_size=161, layers=3, face=204):
        super().__init__()
        self.fc_prior = nn.Sequential(nn.Linear(in_size, 256), nn.BatchNorm1d(256), nn.LeakyReLU(0.2),
                                      nn.Linear(256, lstm_size))
        self.bilstm = nn.LSTM(lstm_size, hidden, layers, batch_first=True)   # unidirectional despite the name
        self.fc = nn.Sequential(nn.Linear(hidden + face, 512), nn.BatchNorm1d(512), nn.LeakyReLU(0.2),
                                nn.Linear(512, 256), nn.BatchNorm1d(256), nn.LeakyReLU(0.2), nn.Linear(256, face))

    def forward(self, windows: torch.Tensor, face_id: torch.Tensor) -> torch.Tensor:
        """windows (B, 18, 80), face_id (B, 204) -> displacement (B, 204)."""
        b, t, f = windows.shape
        h = self.fc_prior(windows.reshape(b * t, f)).reshape(b, t, -1)
        out, _ = self.bilstm(h)
        return self.fc(torch.cat([out[:, -1], face_id], dim=1))


def load(path, device="cpu") -> ContentBranch:
    with torch.device("meta"):
        m = ContentBranch()
    m = load_checkpoint(m, path, "content", device=device)
    m.bilstm.flatten_parameters()
    return m
