"""Writes tiny random HTDemucs models into a Hugging Face hub cache.

The real weights (adefossez/HTDemucs, …) cannot be downloaded here, so the
tests build stand-ins with the same architecture, sources and sample rate,
at a fraction of the size, and put them where demucs 4.1 looks for them:
`<cache>/models--adefossez--<Repo>/snapshots/<rev>/` with `refs/main`, the
layout `huggingface_hub.hf_hub_download` reads offline (HF_HUB_OFFLINE=1).
So `demucs.api.Separator("htdemucs")` takes its production load path.

    python make_demucs_model.py CACHE_DIR [MODEL ...]   (default: htdemucs htdemucs_6s htdemucs_mini)

Random weights give noise-like stems, but of the right count, length and
channels, which is what the tests check.
"""

import json
import os
import sys
from fractions import Fraction

import torch
from safetensors.torch import save_file

from demucs.hf import DEFAULT_NAMESPACE, hf_repo_name
from demucs.htdemucs import HTDemucs

SOURCES = {
    "htdemucs": ["drums", "bass", "other", "vocals"],
    "htdemucs_ft": ["drums", "bass", "other", "vocals"],
    "htdemucs_6s": ["drums", "bass", "other", "vocals", "guitar", "piano"],
    # Not a real model: HTDemucs trained on half-second segments, several
    # times cheaper per second of audio, for tests that need many chunks.
    "htdemucs_mini": ["drums", "bass", "other", "vocals"],
}
# Per model: what differs from the real architecture's tiny copy.
OVERRIDES = {"htdemucs_mini": {"segment": Fraction(1, 2), "dconv_depth": 1}}
REVISION = "0" * 40


def encode(value):
    """The JSON form demucs.hf._decode_json reads back (fractions)."""
    if isinstance(value, Fraction):
        return {"_type": "fraction", "numerator": value.numerator, "denominator": value.denominator}
    return value


def write_model(cache, name, seed):
    torch.manual_seed(seed)
    kwargs = {
        "sources": SOURCES[name], "audio_channels": 2, "samplerate": 44100, "segment": Fraction(39, 5),
        # Tiny: depth stays 4 so the STFT and time branches keep their real shapes.
        "channels": 4, "depth": 4, "t_layers": 1,
        # The residual branch divides channels by dconv_comp (8 by default): keep it above zero.
        "dconv_comp": 2,
        **OVERRIDES.get(name, {}),
    }
    model = HTDemucs(**kwargs)
    snapshot = os.path.join(cache, f"models--{DEFAULT_NAMESPACE}--{hf_repo_name(name)}")
    files = os.path.join(snapshot, "snapshots", REVISION)
    os.makedirs(files, exist_ok=True)
    os.makedirs(os.path.join(snapshot, "refs"), exist_ok=True)
    signature = f"tiny{seed:04d}"
    metadata = {
        "klass": "demucs.htdemucs.HTDemucs",
        "args": "[]",
        "kwargs": json.dumps({key: encode(value) for key, value in kwargs.items()}),
    }
    state = {key: value.contiguous() for key, value in model.state_dict().items()}
    save_file(state, os.path.join(files, f"{signature}.safetensors"), metadata=metadata)
    with open(os.path.join(files, f"{name}.yaml"), "w", encoding="utf-8") as file:
        file.write(f"models: ['{signature}']\n")
    with open(os.path.join(snapshot, "refs", "main"), "w", encoding="utf-8") as file:
        file.write(REVISION)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cache = sys.argv[1]
    for seed, name in enumerate(sys.argv[2:] or ["htdemucs", "htdemucs_6s", "htdemucs_mini"], start=1):
        if name not in SOURCES:
            sys.exit(f"unknown model {name!r}; known: {', '.join(SOURCES)}")
        write_model(cache, name, seed)


if __name__ == "__main__":
    main()
