"""Writes a tiny random XTTS v2 model where coqui-tts looks for the real one.

The real weights (tts-hub/XTTS-v2 on the Hugging Face hub, 1.8 GB) cannot be
downloaded here, so the tests build a stand-in with XTTS's architecture at a
fraction of the size: one GPT layer of 64 channels, a character vocabulary
made with `tokenizers`, and the full HiFi-GAN decoder and speaker encoder
with random weights. It goes into a Hugging Face hub cache in the layout
`huggingface_hub.snapshot_download` reads offline (HF_HUB_OFFLINE=1):

    <cache>/models--tts-hub--XTTS-v2/refs/main
    <cache>/models--tts-hub--XTTS-v2/snapshots/<rev>/{model.pth,config.json,vocab.json}

so `TTS("tts_models/multilingual/multi-dataset/xtts_v2")` takes its
production load path (with COQUI_TOS_AGREED=1).

    python make_xtts_model.py CACHE_DIR

Random weights speak noise, not words; the GPT is limited to a few hundred
milliseconds of audio tokens per sentence so tests stay quick.
"""

import os
import string
import sys

import torch
from tokenizers import Tokenizer
from tokenizers.models import BPE
from tokenizers.pre_tokenizers import Whitespace
from TTS.tts.configs.xtts_config import XttsConfig
from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
from TTS.tts.models.xtts import Xtts, XttsArgs

REPO = "models--tts-hub--XTTS-v2"
REVISION = "0" * 40
SPECIAL = ["[STOP]", "[UNK]", "[SPACE]", "[START]"]
LANGUAGES = ["en", "de", "fr", "es"]


def write_vocab(path):
    """A BPE tokenizer with single characters and no merges: a character vocab."""
    tokens = SPECIAL + [f"[{code}]" for code in LANGUAGES]
    tokens += list(string.ascii_lowercase + string.digits + ".,!?'-:;\"()")
    tokens += list("àâäçéèêëîïôöùûüßñáíóú")
    vocab = {token: index for index, token in enumerate(tokens)}
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.add_special_tokens(tokens[: len(SPECIAL) + len(LANGUAGES)])
    tokenizer.save(path)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    snapshot = os.path.join(sys.argv[1], REPO)
    files = os.path.join(snapshot, "snapshots", REVISION)
    os.makedirs(files, exist_ok=True)
    os.makedirs(os.path.join(snapshot, "refs"), exist_ok=True)
    torch.manual_seed(1)

    vocab = os.path.join(files, "vocab.json")
    write_vocab(vocab)
    config = XttsConfig()
    config.languages = LANGUAGES
    config.model_args = XttsArgs(
        gpt_layers=1, gpt_n_model_channels=64, gpt_n_heads=4, decoder_input_dim=64,
        # About 0.5 s of audio at most per sentence: random weights never say stop.
        gpt_max_audio_tokens=12, gpt_max_prompt_tokens=70, gpt_max_text_tokens=402,
    )
    model = Xtts(config)
    model.tokenizer = VoiceBpeTokenizer(vocab_file=vocab)
    model.init_models()
    torch.save({"model": model.state_dict()}, os.path.join(files, "model.pth"))
    config.save_json(os.path.join(files, "config.json"))
    with open(os.path.join(snapshot, "refs", "main"), "w", encoding="utf-8") as file:
        file.write(REVISION)


if __name__ == "__main__":
    main()
