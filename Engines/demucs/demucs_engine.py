"""The Demucs engine: music source separation with demucs 4.1 (HTDemucs).

Each model is loaded once, with `demucs.api.Separator`, when first used, and
stays loaded; the default model loads at start. The input is separated in
chunks of `chunk_s` seconds with Demucs's own `apply_model`, in bounded
memory (chunked_separation.py). Every stem the model makes is an output
(`drums`, `bass`, `other`, `vocals`, and `guitar`, `piano` for htdemucs_6s),
written as it goes as 32-bit float WAV so nothing clips before the host
encodes it; with `two_stems` the outputs are that stem and `no_<stem>`, the
sum of the others.

Params: `model`, `shifts`, `overlap`, `segment_s`, `chunk_s`, `two_stems`.
Config: `default_model`, `defaults` (params for jobs that give none), `models`,
`repo`, `hub_cache`, `offline`, `threads`; `inject_oom` for tests.
"""

import sys
from pathlib import Path

from audiospool_engine import BadInput, Engine, EngineError, OutOfMemory, serve
from chunked_separation import MIN_CHUNK_S, MIN_SEGMENT_S, ChunkedSeparation, OutOfMemoryAfterRetries
from wav_stream import WavError

MODELS = ["htdemucs", "htdemucs_ft", "htdemucs_6s"]
DEFAULT_MODEL = "htdemucs"
PARAMS = ["model", "shifts", "overlap", "segment_s", "chunk_s", "two_stems"]
DEFAULT_CHUNK_S = 60.0
MAX_CHUNK_S = 3600.0


class Demucs(Engine):
    name = "demucs"
    version = "1.0.0"
    tasks = ["separate"]
    params = PARAMS

    def load(self, init):
        config = init.config
        init.use_hub_config()  # before demucs imports huggingface_hub
        from demucs.api import Separator
        from demucs.apply import apply_model

        self.Separator, self.apply_model = Separator, apply_model
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
        # Test-only: {"chunk": N, "attempts": K} makes the first K tries of
        # chunk N (1-based) of every job raise MemoryError.
        injected = config.get("inject_oom")
        self.inject_oom = {int(injected["chunk"]): int(injected.get("attempts", 1))} if injected else {}
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
        segment_s = job.param("segment_s", None, float, minimum=MIN_SEGMENT_S, maximum=longest_segment(separator.model))
        shifts = job.param("shifts", 1, int, minimum=0, maximum=20)
        overlap = job.param("overlap", 0.25, float, minimum=0.0, maximum=0.99)
        chunk_s = job.param("chunk_s", DEFAULT_CHUNK_S, float, minimum=MIN_CHUNK_S, maximum=MAX_CHUNK_S)
        audio = job.inputs.get("audio")
        if not audio:
            raise BadInput("task 'separate' needs an input named 'audio'")

        if two_stems is None:
            outputs = {name: (ctx.output(name), _stem(name)) for name in sources}
        else:
            outputs = {two_stems: (ctx.output(two_stems), _stem(two_stems)),
                       f"no_{two_stems}": (ctx.output(f"no_{two_stems}"), _rest(two_stems))}

        def progress(fraction, chunks_done, chunks_total):
            ctx.progress(fraction, segments_done=chunks_done, segments_total=chunks_total)

        separation = ChunkedSeparation(
            separator.model, self.apply_model, device=self.device, shifts=shifts, overlap=overlap,
            segment_s=segment_s, chunk_s=chunk_s, outputs=outputs, progress=progress,
            check_cancelled=ctx.check_cancelled, inject_oom=self.inject_oom)
        try:
            written = separation.run(audio)
        except OutOfMemoryAfterRetries as error:
            raise OutOfMemory(error.message) from error
        except WavError as error:
            raise BadInput(f"cannot read the 'audio' input: {error}") from error
        # The sizes it finished with, for operators tuning the defaults.
        ctx.details(segment_s=round(separation.segment_s, 6), chunk_s=round(separation.effective_chunk_s(), 6),
                    oom_retries=separation.oom_retries)
        ctx.progress(1.0)
        return written


def _stem(name):
    return lambda stems: stems[name]


def _rest(name):
    return lambda stems: sum(wav for other, wav in stems.items() if other != name)


def submodels(model):
    """The models of a bag (htdemucs_ft has four), or the model itself."""
    return list(getattr(model, "models", None) or [model])


def longest_segment(model):
    """The longest `segment` (seconds) every model of the bag accepts, or None."""
    limits = [float(sub.segment) for sub in submodels(model) if getattr(sub, "segment", None)]
    return min(limits) if limits else None


if __name__ == "__main__":
    serve(Demucs())
