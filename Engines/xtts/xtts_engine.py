"""The XTTS engine: Coqui XTTS v2 (coqui-tts 0.28), voice cloning text to speech.

The model loads once, at start, and stays loaded: by name through coqui's
model manager (`tts_models/multilingual/multi-dataset/xtts_v2`, from the
Hugging Face hub or its cache), or from a local model folder (`model_dir`:
`config.json`, `model.pth`, `vocab.json`). A voice is a `reference` input
(a few seconds of speech; the host decodes it to 22.05 kHz mono) or a
built-in `speaker`; its conditioning latents are computed once per
reference-audio SHA-256 and kept. The host splits long text into sentences
(one `run` each) and stitches them; output is 24 kHz mono.

A cancel is checked per generated token and before each layer of the
decoder and encoders; at shutdown or stdin EOF the run is cancelled and
answered, and the process exits without Python's slow module teardown.

Params: `language`, `speed`, `temperature`, `top_k`, `top_p`,
`repetition_penalty`, `length_penalty`, `speaker`, `voice` (a saved voice
from the spool's bank, `voice_bank.py`; its latents are kept in the bank).
Config: `model`, `model_dir`, `tos_agreed`, `hub_cache`, `offline`,
`default_language`, `threads`, `voice_cache_size`.
"""

import atexit
import hashlib
import os
import sys
import tempfile
import threading
from collections import OrderedDict

import soundfile

from audiospool_engine import BadInput, Engine, serve
from voice_bank import VoiceBank, model_identity

MODEL = "tts_models/multilingual/multi-dataset/xtts_v2"

# coqui runs `espeak-ng --version` when it is imported (XTTS never uses
# espeak); espeak-ng opens an audio output, and libpulse then makes
# $HOME/.config/pulse and $TMPDIR/pulse-*. A server that is not there keeps
# it from writing anything, and this engine plays no audio.
os.environ["PULSE_SERVER"] = "unix:/nonexistent"


class Xtts(Engine):
    name = "xtts"
    version = "1.0.0"
    tasks = ["tts"]
    params = ("language", "speaker", "speed", "temperature", "top_k", "top_p", "repetition_penalty", "length_penalty", "voice")

    def load(self, init):
        config = init.config
        init.use_hub_config()
        if config.get("tos_agreed") is True:
            os.environ["COQUI_TOS_AGREED"] = "1"  # read by coqui on import, too
        self.device = init.torch_device()
        self.model = _load_model(config, self.device)
        self.sample_rate = int(self.model.config.audio.output_sample_rate)
        self.languages = list(self.model.config.languages)
        self.default_language = config.get("default_language", "en")
        if self.default_language not in self.languages:
            raise BadInput(f"config 'default_language' must be one of {self.languages}, got {self.default_language!r}")
        self.voices = OrderedDict()  # reference sha256 → (gpt latents, speaker embedding)
        self.voice_cache_size = int(config.get("voice_cache_size") or 64)
        _watch_cancel(self.model)
        self.bank = VoiceBank(init.voice_bank)  # saved voices: the `voice` param
        self.model_identity = None  # for the bank's latents files; computed on first use
        print(f"xtts on {self.device}, {len(self.languages)} languages", file=sys.stderr, flush=True)

    def info(self):
        speakers = sorted(self._speakers())
        return {
            "sample_rates": [self.sample_rate],
            "voices": [{"id": "xtts_v2", "language": None, "sample_rate": self.sample_rate, "speakers": speakers or None}]
            + [{"id": name, "language": None, "sample_rate": self.sample_rate} for name in self.bank.names()],
            "languages": self.languages,
        }

    def run(self, job, ctx):
        _running.ctx = ctx
        try:
            return self._run(job, ctx)
        finally:
            _running.ctx = None

    def _run(self, job, ctx):
        text = job.require_text()
        language = job.param("language", self.default_language, str, choices=self.languages)
        options = {
            "speed": job.param("speed", 1.0, float, minimum=0.25, maximum=4.0),
            "temperature": job.param("temperature", self.model.config.temperature, float, minimum=0.01, maximum=5.0),
            "top_k": job.param("top_k", self.model.config.top_k, int, minimum=1, maximum=10000),
            "top_p": job.param("top_p", self.model.config.top_p, float, minimum=0.01, maximum=1.0),
            "repetition_penalty": job.param(
                "repetition_penalty", self.model.config.repetition_penalty, float, minimum=0.1, maximum=100.0),
            "length_penalty": job.param("length_penalty", self.model.config.length_penalty, float, minimum=-10.0, maximum=10.0),
        }
        latents, embedding = self._voice(job)
        tokens = len(self.model.tokenizer.encode(text.strip().lower(), lang=language))
        if tokens >= self.model.args.gpt_max_text_tokens:
            raise BadInput(
                f"the text is {tokens} tokens; XTTS takes fewer than {self.model.args.gpt_max_text_tokens} "
                "per run (submit it as a job and the host splits it into sentences)")
        ctx.check_cancelled()
        watch = _Watch(self.model.gpt.max_gen_mel_tokens, ctx)
        # Imported here, not at the top: transformers reads the Hugging Face
        # settings that load() puts in the environment when it is imported.
        from transformers import StoppingCriteriaList

        result = self.model.inference(
            text, language, latents, embedding, stopping_criteria=StoppingCriteriaList([watch]), **options)
        ctx.check_cancelled()
        path = ctx.output("output")
        soundfile.write(path, result["wav"], self.sample_rate, subtype="FLOAT")
        ctx.progress(1.0)  # the host counts segments: each run is one
        return path

    def _voice(self, job):
        reference = job.inputs.get("reference")
        speaker = job.param("speaker", None, str)
        voice = job.param("voice", None, str)
        if voice is not None and voice != "xtts_v2":
            if reference or speaker:
                raise BadInput("give a saved 'voice' param, a 'reference' input or a 'speaker' param, not two")
            return self._saved_voice(voice)
        if reference and speaker:
            raise BadInput("give a 'reference' input or a 'speaker' param, not both")
        if speaker is not None:
            speakers = self._speakers()
            if speaker not in speakers:
                known = ", ".join(sorted(speakers)) or "none (give a 'reference' input)"
                raise BadInput(f"unknown speaker {speaker!r}; built-in speakers: {known}")
            return speakers[speaker]["gpt_cond_latent"], speakers[speaker]["speaker_embedding"]
        if not reference:
            raise BadInput("task 'tts' needs a voice: a 'reference' input (a WAV of the voice) or a 'speaker' param")
        with open(reference, "rb") as file:
            key = hashlib.sha256(file.read()).hexdigest()
        voice = self.voices.get(key)
        if voice is None:
            config = self.model.config
            voice = self.model.get_conditioning_latents(
                audio_path=reference, max_ref_length=config.max_ref_len, gpt_cond_len=config.gpt_cond_len,
                gpt_cond_chunk_len=config.gpt_cond_chunk_len, sound_norm_refs=config.sound_norm_refs)
            print(f"voice {key[:12]} analysed", file=sys.stderr, flush=True)
            self.voices[key] = voice
            while len(self.voices) > self.voice_cache_size:
                self.voices.popitem(last=False)
        self.voices.move_to_end(key)
        return voice

    def _saved_voice(self, name):
        # The latents are kept in the bank, so other processes and hosts reuse them.
        path, key = self.bank.reference(name)
        if self.model_identity is None:
            self.model_identity = model_identity(self.model)
        latents = self.bank.latents_path(name, key, self.model_identity)
        voice = self.voices.get(key)
        if voice is None:
            voice = self.bank.load_latents(latents, self.device)
            if voice is not None:
                print(f"voice {name} latents loaded from the bank", file=sys.stderr, flush=True)
            else:
                voice = self._analyse(path)
                print(f"voice {name} ({key[:12]}) analysed", file=sys.stderr, flush=True)
                self.bank.save_latents(latents, voice)
            self._remember(key, voice)
        elif not os.path.lexists(latents):
            # The same recording was analysed here as a job's `reference`:
            # its latents go to the bank too, or every other process and
            # host would compute them again.
            self.bank.save_latents(latents, voice)
            print(f"voice {name} ({key[:12]}) analysed earlier as a reference; its latents saved to the bank",
                  file=sys.stderr, flush=True)
        self.voices.move_to_end(key)
        return voice

    def _analyse(self, reference):
        config = self.model.config
        return self.model.get_conditioning_latents(
            audio_path=reference, max_ref_length=config.max_ref_len, gpt_cond_len=config.gpt_cond_len,
            gpt_cond_chunk_len=config.gpt_cond_chunk_len, sound_norm_refs=config.sound_norm_refs)

    def _remember(self, key, voice):
        self.voices[key] = voice
        while len(self.voices) > self.voice_cache_size:
            self.voices.popitem(last=False)

    def _speakers(self):
        manager = getattr(self.model, "speaker_manager", None)
        return dict(getattr(manager, "speakers", None) or {})


class _Watch:
    """A transformers stopping criterion that never stops generation itself:
    it reports progress per audio token and raises on cancel, which is the
    only way into the middle of XTTS's autoregressive loop."""

    def __init__(self, most, ctx):
        self.most = max(1, most)
        self.ctx = ctx
        self.start = None

    def __call__(self, input_ids, scores, **kwargs):
        self.ctx.check_cancelled()
        length = input_ids.shape[-1]
        self.start = length if self.start is None else self.start
        self.ctx.progress(0.9 * (length - self.start + 1) / self.most)
        return False


# The run on this thread, for the cancel checks inside the model.
_running = threading.local()


def _watch_cancel(model):
    """Cancel points inside the steps without a loop to check in: each layer
    of the HiFi-GAN decoder and speaker encoder (the audio of a sentence, a
    reference's embedding) and of the GPT's conditioning encoder (a
    reference's latents) checks for a cancel before it runs. Seconds on the
    CPU otherwise pass without one, past cancel_s. Not the GPT's own layers,
    which run per token: generation checks per token (_Watch)."""

    def check(module, args):
        ctx = getattr(_running, "ctx", None)
        if ctx is not None:
            ctx.check_cancelled()

    parts = [model.hifigan_decoder, model.gpt.conditioning_encoder, getattr(model.gpt, "conditioning_perceiver", None)]
    for part in parts:
        for module in part.modules() if part is not None else ():
            module.register_forward_pre_hook(check)


def _load_model(config, device):
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.models.xtts import Xtts as Model

    model_dir = config.get("model_dir")
    if model_dir:
        settings = XttsConfig()
        settings.load_json(os.path.join(model_dir, "config.json"))
        model = Model(settings)
        model.load_checkpoint(settings, checkpoint_dir=model_dir, eval=True)
        return model.to(device)
    if os.environ.get("COQUI_TOS_AGREED") != "1":
        # Coqui would otherwise ask on stdin, which is the protocol's.
        raise BadInput(
            "XTTS v2 is licensed under the Coqui Public Model License (https://coqui.ai/cpml); set "
            "engines.xtts.config.tos_agreed to true in the spool's config.json to agree to it, "
            "or give a local model folder as engines.xtts.config.model_dir")
    from TTS.api import TTS

    # coqui's model manager makes an empty folder for the model under its
    # data folder ($HOME/.local/share/tts by default) and loads the files from
    # the Hugging Face hub cache: a folder of its own, gone after the load.
    with tempfile.TemporaryDirectory(prefix="xtts-tts-home-") as home:
        os.environ["TTS_HOME"] = home
        tts = TTS(model_name=config.get("model", MODEL), progress_bar=False).to(device)
    return tts.synthesizer.tts_model


if __name__ == "__main__":
    serve(Xtts())
    # Every run is answered and stdout flushed. Python's teardown of torch and
    # transformers takes seconds (4 to 8 s on a loaded 2-core host), past
    # shutdown_s: run the exit handlers (they remove temporary folders) and go.
    atexit._run_exitfuncs()
    sys.stderr.flush()
    os._exit(0)
