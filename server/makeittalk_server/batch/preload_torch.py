"""Fork-server preload for batches with makeittalk-engine or rendered lines: torch, librosa, resemblyzer."""

from makeittalk_server.batch.preload import load

load(("torch", "librosa", "librosa.feature", "resemblyzer", "scipy.signal"))
