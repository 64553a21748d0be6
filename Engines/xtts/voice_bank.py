"""The spool's saved voices (SPOOL.md, "Voices"), as the XTTS engine sees
them: `<voice_bank>/<name>/reference.wav`, and the conditioning latents it
computes from it, kept beside it as `latents-<reference sha256>-<model>.pt`
so that no engine process computes them twice.

The bank is the folder `initialize` names (`voice_bank`); nothing outside
it is read. Names are checked before they become paths, and nothing that
is a symlink is followed.
"""

import hashlib
import os
import stat

from audiospool_engine import BadInput

REFERENCE = "reference.wav"
MAX_NAME_BYTES = 64


def is_name(name):
    return (isinstance(name, str) and name != "" and not name.startswith(".") and "/" not in name
            and len(name.encode()) <= MAX_NAME_BYTES and not any(ord(c) < 32 or ord(c) == 127 for c in name))


def _is_real(path, kind):
    try:
        return kind(os.lstat(path).st_mode)
    except OSError:
        return False


class VoiceBank:
    def __init__(self, folder):
        self.folder = folder  # None: no spool, no saved voices

    def names(self):
        if not self.folder or not _is_real(self.folder, stat.S_ISDIR):
            return []
        return sorted(name for name in os.listdir(self.folder)
                      if is_name(name) and _is_real(os.path.join(self.folder, name), stat.S_ISDIR))

    def reference(self, name):
        """The path and sha256 of a saved voice's recording; an unknown name is bad input."""
        path = os.path.join(self.folder or "", name, REFERENCE)
        if not is_name(name) or not self.folder or not _is_real(os.path.dirname(path), stat.S_ISDIR) \
                or not _is_real(path, stat.S_ISREG):
            known = ", ".join(self.names()) or "none (audiospool voices add NAME FILE saves one)"
            raise BadInput(f"unknown voice {name!r}; saved voices: {known}")
        digest = hashlib.sha256()
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        return path, digest.hexdigest()

    def latents_path(self, name, reference_sha256, model_identity):
        return os.path.join(self.folder, name, f"latents-{reference_sha256}-{model_identity}.pt")

    def load_latents(self, path, device):
        import torch

        if not _is_real(path, stat.S_ISREG):
            return None
        try:
            saved = torch.load(path, map_location=device, weights_only=True)
            return saved["gpt_cond_latent"], saved["speaker_embedding"]
        except Exception:  # a damaged file is computed again and replaced
            return None

    def save_latents(self, path, latents):
        """Written under a hidden name and renamed: readers see it whole or not at all."""
        import torch

        temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}")
        try:
            torch.save({"gpt_cond_latent": latents[0].cpu(), "speaker_embedding": latents[1].cpu()}, temporary)
            os.replace(temporary, path)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass  # the bank may be read-only to this host: the latents stay in memory


def model_identity(model):
    """16 hex digits that change with the model: a sha256 of its config and
    of every weight's name, shape and sum (cheap next to hashing the files)."""
    import torch

    digest = hashlib.sha256(model.config.to_json().encode())
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            total = float(tensor.double().sum()) if tensor.is_floating_point() else float(tensor.sum())
            digest.update(f"{name}{tuple(tensor.shape)}{total!r}".encode())
    return digest.hexdigest()[:16]
