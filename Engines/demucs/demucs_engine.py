"""The Demucs engine: music source separation with demucs 4.1 (HTDemucs).

Each model is loaded once, with `demucs.api.Separator`, when first used, and
stays loaded; the default model loads at start. Every stem the model makes is
an output (`drums`, `bass`, `other`, `vocals`, and `guitar`, `piano` for
htdemucs_6s), written as 32-bit float WAV so nothing clips before the host
encodes it; with `two_stems` the outputs are that stem and `no_<stem>`, the
sum of the others.

Params: `model`, `shifts`, `overlap`, `segment`, `two_stems`.
Config: `default_model`, `defaults` (params for jobs that give none), `models`,
`repo`, `hub_cache`, `offline`, `threads`.
"""

import sys
from pathlib import Path

from audiospool_engine import BadInput, Engine, EngineError, OutOfMemory, serve

MODELS = ["htdemucs", "htdemucs_ft", "htdemucs_6s"]
DEFAULT_MODEL = "htdemucs"
PARAMS = ["model", "shifts", "overlap", "segment", "two_stems"]


class Demucs(Engine):
    name = "demucs"
    version = "1.0.0"
    tasks = ["separate"]
    params = PARAMS

    def load(self, init):
        config = init.config
        init.use_hub_config()  # before demucs imports huggingface_hub
        from demucs.api import Separator
        from demucs.audio import save_audio

        self.Separator, self.save_audio = Separator, save_audio
        self.device = init.torch_device()
        self.repo = config.get("repo")
        self.models = list(config.get("models") or MODELS)
        self.default_model = config.get("default_model", DEFAULT_MODEL)
        if self.default_model not in self.models:
            raise BadInput(f"config 'default_model' must be one of {self.models}, got {self.default_model!r}")
        # Params for jobs that do not give them, such as dropped songs.
        self.defaults = dict(config.get("defaults") or {})
        unknown = sorted(set(self.defaults) - set(PARAMS))
        if unknown:
            raise BadInput(f"config 'defaults' may set {PARAMS}, not {unknown}")
        self.separators = {}
        self.separator(self.default_model)
        print(f"demucs on {self.device}, model {self.default_model}", file=sys.stderr, flush=True)

    def info(self):
        return {"sample_rates": [44100], "models": self.models, "default_model": self.default_model}

    def separator(self, model):
        separator = self.separators.get(model)
        if separator is None:
            repo = Path(self.repo) if self.repo else None
            try:
                separator = self.Separator(model, repo=repo, device=self.device, progress=False)
            except SystemExit as error:  # demucs "fatal()"s on a repo that is not a folder
                raise EngineError(f"cannot load demucs model {model!r} (repo {self.repo!r}): exit {error.code}") from None
            self.separators[model] = separator
        return separator

    def run(self, job, ctx):
        job.params = {**self.defaults, **job.params}
        model = job.param("model", self.default_model, str, choices=self.models)
        separator = self.separator(model)
        sources = list(separator.model.sources)
        two_stems = job.param("two_stems", None, str, choices=sources)
        # A transformer model cannot take segments longer than it was trained on.
        segment = job.param("segment", None, float, minimum=0.1, maximum=longest_segment(separator.model))
        shifts = job.param("shifts", 1, int, minimum=0, maximum=20)
        overlap = job.param("overlap", 0.25, float, minimum=0.0, maximum=0.99)
        audio = job.inputs.get("audio")
        if not audio:
            raise BadInput("task 'separate' needs an input named 'audio'")

        total = len(submodels(separator.model)) * max(1, shifts)

        def on_chunk(update):
            # Raising here is how demucs lets a caller stop it mid-track.
            ctx.check_cancelled()
            if update["state"] != "end":
                return
            done = update["model_idx_in_bag"] * max(1, shifts) + update["shift_idx"]
            within = min(1.0, update["segment_offset"] / max(1, update["audio_length"]))
            ctx.progress((done + within) / total)

        separator.update_parameter(
            device=self.device, shifts=shifts, overlap=overlap, segment=segment, callback=on_chunk)
        try:
            _, stems = separator.separate_audio_file(audio)
        except RuntimeError as error:
            if "can't allocate memory" in str(error):  # torch's CPU allocator
                raise OutOfMemory(f"out of memory separating the audio: {error}") from error
            raise
        if two_stems is not None:
            rest = sum(wav for name, wav in stems.items() if name != two_stems)
            stems = {two_stems: stems[two_stems], f"no_{two_stems}": rest}
        outputs = {}
        for name, wav in stems.items():
            ctx.check_cancelled()
            path = ctx.output(name)
            self.save_audio(wav.cpu(), path, separator.samplerate, clip="none", bits_per_sample=32, as_float=True)
            outputs[name] = path
        ctx.progress(1.0)
        return outputs


def submodels(model):
    """The models of a bag (htdemucs_ft has four), or the model itself."""
    return list(getattr(model, "models", None) or [model])


def longest_segment(model):
    """The longest `segment` (seconds) every model of the bag accepts, or None."""
    limits = [float(sub.segment) for sub in submodels(model) if getattr(sub, "segment", None)]
    return min(limits) if limits else None


if __name__ == "__main__":
    serve(Demucs())
