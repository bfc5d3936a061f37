"""Load the official MakeItTalk checkpoint files into our modules, strictly.

The released files are `torch.save` dicts holding one state dict under a known key (spec section 12,
14): 'model' (AutoVC), 'model_g_face_id' (content branch), 'G' (speaker branch, image generator).
We accept what the official files may carry (CUDA-saved tensors, a `module.` prefix from DataParallel,
extra top-level keys such as 'epoch' or 'opt') and refuse anything that would leave a module with
weights we did not read: every parameter and buffer we use must come from the file with its shape.
Modules are built on the meta device, so a weight that is not in the file cannot silently stay random.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import torch

# file name, top-level key, what it is: the four files of the official release
FILES = {
    "autovc": ("ckpt_autovc.pth", "model", "AutoVC content converter"),
    "content": ("ckpt_content_branch.pth", "model_g_face_id", "content branch (audio to lip motion)"),
    "speaker": ("ckpt_speaker_branch.pth", "G", "speaker-aware branch (head motion)"),
    "i2i": ("ckpt_116_i2i_comb.pth", "G", "image-to-image generator"),
}

WHERE_TO_GET = ("download the pre-trained models of the official MakeItTalk release "
                "(github.com/adobe-research/MakeItTalk, README 'Pre-trained Models': ckpt_autovc.pth, "
                "ckpt_content_branch.pth, ckpt_speaker_branch.pth, ckpt_116_i2i_comb.pth) into one folder "
                "and point --checkpoints (or MAKEITTALK_CHECKPOINTS) at it")

TRUST_ENV = "MAKEITTALK_TRUST_CHECKPOINTS"


class CheckpointError(Exception):
    """A checkpoint file is missing, unreadable or does not fit the network; message says which."""


def missing_files(folder: str | os.PathLike | None, which=("autovc", "content", "speaker")) -> list[str]:
    if not folder:
        return [FILES[w][0] for w in which]
    return [FILES[w][0] for w in which if not (Path(folder) / FILES[w][0]).is_file()]


def read_file(path: str | os.PathLike) -> dict:
    """torch.load on CPU with a clear error for anything that is not a torch checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint file {path} does not exist")
    if path.stat().st_size < 64:
        raise CheckpointError(f"{path.name} is empty or truncated ({path.stat().st_size} bytes)")
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # A file pickling Python objects (an optimizer, say) is refused in weights-only mode.
        if os.environ.get(TRUST_ENV, "").lower() in ("1", "true", "yes"):
            try:
                obj = torch.load(str(path), map_location="cpu", weights_only=False)
            except Exception as e2:
                raise CheckpointError(f"{path.name} could not be read: {e2}") from None
        else:
            raise CheckpointError(
                f"{path.name} contains Python objects besides tensors, which are not loaded for safety "
                f"({str(e).splitlines()[0][:200]}); if the file comes from the official release, set "
                f"{TRUST_ENV}=1 to allow it") from None
    except Exception as e:  # torch raises many kinds (RuntimeError, EOFError, IndexError, ...) on bad bytes
        raise CheckpointError(f"{path.name} is not a readable PyTorch checkpoint (corrupt or "
                              f"incomplete download?): {str(e).splitlines()[0][:200]}") from None
    return obj


def extract_state_dict(obj, top_key: str, name: str) -> dict[str, torch.Tensor]:
    """The state dict inside a loaded file: under top_key, or the object itself if it is one."""
    if isinstance(obj, dict) and top_key in obj and isinstance(obj[top_key], dict):
        sd = obj[top_key]
    elif isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        sd = obj
    else:
        keys = list(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(f"{name}: no '{top_key}' entry holding the network weights (found {keys}); "
                              "is this the right file?")
    out = {}
    for k, v in sd.items():
        if not isinstance(v, torch.Tensor):
            raise CheckpointError(f"{name}: entry '{k}' is not a tensor")
        k = k[len("module."):] if k.startswith("module.") else k
        out[k] = v
    return out


def load_into(module: torch.nn.Module, sd: dict[str, torch.Tensor], name: str,
              ignore_prefixes: tuple[str, ...] = (), optional: dict[str, torch.Tensor] | None = None,
              device: str | torch.device = "cpu") -> torch.nn.Module:
    """Fill every parameter and buffer of `module` (built on the meta device) from sd.

    ignore_prefixes: keys in the file we deliberately do not use (e.g. the speaker branch's unused
    decoder). optional: constants used when the file lacks them (computed buffers such as the
    positional table). Missing, misshaped or unknown keys raise CheckpointError.
    """
    optional = optional or {}
    own = module.state_dict(keep_vars=True)
    sd = {k: v for k, v in sd.items() if not any(k.startswith(p) for p in ignore_prefixes)}
    missing = [k for k in own if k not in sd and k not in optional]
    unknown = [k for k in sd if k not in own]
    if missing:
        raise CheckpointError(f"{name}: {len(missing)} weights are missing from the file "
                              f"(e.g. {', '.join(missing[:4])}); is this the right file?")
    if unknown:
        raise CheckpointError(f"{name}: the file has {len(unknown)} entries this network does not have "
                              f"(e.g. {', '.join(unknown[:4])}); is this the right file?")
    full = {}
    for k, ref in own.items():
        v = sd.get(k, optional.get(k))
        if tuple(v.shape) != tuple(ref.shape):
            raise CheckpointError(f"{name}: '{k}' has shape {tuple(v.shape)}, expected {tuple(ref.shape)}")
        if v.is_floating_point():
            if not torch.isfinite(v).all():
                raise CheckpointError(f"{name}: '{k}' contains NaN or infinite values (corrupt file?)")
            v = v.to(torch.float32)
        full[k] = v.to(device)
    module.load_state_dict(full, strict=True, assign=True)
    return module.eval()


def load_checkpoint(module: torch.nn.Module, path, which: str, device="cpu", **kw) -> torch.nn.Module:
    fname, top_key, desc = FILES[which]
    sd = extract_state_dict(read_file(path), top_key, f"{Path(path).name} ({desc})")
    return load_into(module, sd, f"{Path(path).name} ({desc})", device=device, **kw)
