"""Separation of an input of any length in bounded memory.

The input is read a chunk at a time (`chunk_s` of output, plus context on
both sides so the model sees what lies around it) and each chunk goes
through Demucs's own `apply_model`, with its segment and overlap settings.
Stems are written as the chunks finish; neighbouring chunks overlap by a
crossfade, mixed linearly, so no seam is left. The chunk grid is laid on
apply_model's own segment grid, so inside a chunk (away from the crossfade)
the model sees exactly the samples whole-file separation would give it.

Every chunk is normalised with the whole input's mean and deviation
(measured in a first streaming pass), as `Separator.separate_tensor` does,
so chunks agree with each other and with whole-file separation.

Out of memory during a chunk frees what it can, halves the segment (then
the chunk) down to a floor and tries that chunk again; what is written
stays written.
"""

import gc
import math
import sys
import time

import numpy as np

from wav_stream import WavReader, WavWriter

MIN_SEGMENT_S = 0.25  # the smallest `segment_s`, and where halving it stops
MIN_CHUNK_S = 1.0  # the smallest `chunk_s` a job may ask for
CHUNK_FLOOR_S = 0.5  # where halving the chunk stops
STATS_BLOCK_S = 30
MAX_SHIFT_S = 0.5  # apply_model's random shift with `shifts`


class OutOfMemoryAfterRetries(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def is_out_of_memory(error):
    if isinstance(error, MemoryError):
        return True
    text = str(error)
    return (type(error).__name__ == "OutOfMemoryError" or "CUDA out of memory" in text
            or "CUDA error: out of memory" in text or "can't allocate memory" in text)


class ChunkedSeparation:
    """One job: `run()` writes one WAV per output and returns their paths."""

    def __init__(self, model, apply_model, *, device, shifts, overlap, segment_s, chunk_s,
                 outputs, progress, check_cancelled, inject_oom=None, log=None):
        self.model, self.apply_model = model, apply_model
        self.device, self.shifts, self.overlap = device, shifts, overlap
        self.default_segment_s = segment_s is None
        self.segment_s = float(segment_s if segment_s is not None else model_segment(model))
        self.chunk_s = float(chunk_s)
        self.outputs = outputs  # output name -> (path, function of the stems' dict)
        self.progress, self.check_cancelled = progress, check_cancelled
        self.inject_oom = dict(inject_oom or {})  # chunk number (1-based) -> attempts that fail
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.oom_retries = 0
        self.chunks_done = 0
        self.models = len(getattr(model, "models", None) or [model])
        self.rate = int(model.samplerate)

    # The grid, in frames.
    def segment_frames(self):
        return int(self.rate * self.segment_s)

    def stride(self):
        return max(1, int((1 - self.overlap) * self.segment_frames()))

    def chunk_frames(self):
        # A whole number of strides, so every chunk starts on the segment grid.
        stride = self.stride()
        return max(stride, round(self.chunk_s * self.rate / stride) * stride)

    def effective_chunk_s(self):
        """The chunk length used: `chunk_s` rounded to the segment grid."""
        return self.chunk_frames() / self.rate

    def crossfade_frames(self):
        # An even length, at most a quarter of a chunk and a second.
        return 2 * (min(self.chunk_frames() // 4, self.rate) // 2)

    def context_frames(self):
        # Enough that every segment that covers the kept part of a chunk
        # (the chunk and half the crossfade each side) lies whole inside
        # the window, as it would in the whole file; on the stride grid.
        need = self.segment_frames() + self.crossfade_frames() // 2
        if self.shifts:
            need += int(MAX_SHIFT_S * self.rate)
        return math.ceil(need / self.stride()) * self.stride()

    def chunk_end(self, start, total):
        end = min(total, start + self.chunk_frames())
        if total - end < self.crossfade_frames():
            end = total  # a last bit shorter than the crossfade joins this chunk
        return end

    def units(self, start, end, total):
        """apply_model's segments for the chunk [start, end): progress counts these."""
        context = self.context_frames()
        window = min(total, end + context) - max(0, start - context)
        return math.ceil(window / self.stride()) * self.models * max(1, self.shifts)

    def plan(self, start, total):
        """(chunks, units) from `start` to the end with the current sizes."""
        chunks = units = 0
        while start < total:
            end = self.chunk_end(start, total)
            chunks, units = chunks + 1, units + self.units(start, end, total)
            start = end
        return chunks, units

    def run(self, audio):
        started = time.monotonic()
        with WavReader(audio) as reader:
            if reader.channels != self.model.audio_channels or reader.rate != self.rate:
                raise ValueError(f"the input is {reader.rate} Hz, {reader.channels} channels; "
                                 f"the model takes {self.rate} Hz, {self.model.audio_channels}")
            mean, std = self.statistics(reader)
            total = reader.frames
            writers = {name: WavWriter(path, self.rate, reader.channels) for name, (path, _) in self.outputs.items()}
            try:
                self.separate(reader, total, mean, std, writers)
            finally:
                for writer in writers.values():
                    writer.close()
        self.log(f"separated {total / self.rate:.1f} s in {self.chunks_done} chunks in {time.monotonic() - started:.1f} s "
                 f"(segment_s {self.segment_s:g}, chunk_s {self.effective_chunk_s():g}, oom_retries {self.oom_retries})")
        return {name: path for name, (path, _) in self.outputs.items()}

    def statistics(self, reader):
        """The mean and deviation of the whole input's mono mix, streaming."""
        count, total, squares = 0, 0.0, 0.0
        for block in reader.blocks(STATS_BLOCK_S * reader.rate):
            self.check_cancelled()
            mono = block.astype(np.float64).mean(axis=1)
            count += mono.size
            total += mono.sum()
            squares += np.square(mono).sum()
        if count < 2:
            return 0.0, 1e-8
        mean = total / count
        variance = max(0.0, (squares - count * mean * mean) / (count - 1))  # torch.std is unbiased
        return float(mean), float(math.sqrt(variance)) + 1e-8

    def separate(self, reader, total, mean, std, writers):
        start, tail = 0, None  # tail: the previous chunk's last crossfade, {name: (frames, channels)}
        done_units = 0
        chunks_total, units_total = self.plan(0, total)
        while start < total:
            self.check_cancelled()
            chunk_started = time.monotonic()
            end = self.chunk_end(start, total)
            number = self.chunks_done + 1
            attempt = 0
            while True:
                attempt += 1
                try:
                    stems, window_start, counted = self.separate_chunk(
                        reader, start, end, total, mean, std, number, attempt,
                        lambda units: self.report(done_units + units, units_total, chunks_total))
                    break
                except Exception as error:
                    if not is_out_of_memory(error):
                        raise
                    self.free_memory()
                    if not self.shrink(error, number):
                        raise OutOfMemoryAfterRetries(
                            f"out of memory separating chunk {number} even with segment_s {self.segment_s:g} "
                            f"and chunk_s {self.chunk_s:g} (after {self.oom_retries} retries): {error}") from error
                    end = self.chunk_end(start, total)
                    chunks, units = self.plan(start, total)
                    chunks_total, units_total = self.chunks_done + chunks, done_units + units
            done_units += counted
            tail = self.write(stems, window_start, start, end, total, tail, writers)
            del stems
            self.chunks_done += 1
            self.report(done_units, units_total, chunks_total)
            # Each chunk's own time, for operators and for judging the host's ETA.
            self.log(f"chunk {number} of {chunks_total} ({counted} segments, {(end - start) / self.rate:.2f} s of audio) "
                     f"took {time.monotonic() - chunk_started:.3f} s")
            start = end

    def separate_chunk(self, reader, start, end, total, mean, std, number, attempt, on_units):
        import torch

        if attempt <= self.inject_oom.get(number, 0):
            raise MemoryError(f"injected out of memory (chunk {number}, attempt {attempt})")
        context = self.context_frames()
        window_start, window_end = max(0, start - context), min(total, end + context)
        block = reader.read(window_start, window_end - window_start)
        wav = torch.from_numpy(np.ascontiguousarray(block.T))
        del block
        counted = [0]

        def callback(update):
            self.check_cancelled()  # raising here is how demucs lets a caller stop it mid-chunk
            if update["state"] == "end":
                counted[0] += 1
                on_units(counted[0])

        with torch.no_grad():
            out = self.apply_model(
                self.model, ((wav - mean) / std)[None], shifts=self.shifts, split=True, overlap=self.overlap,
                segment=None if self.default_segment_s else self.segment_s, device=self.device,
                callback=callback, callback_arg={"audio_length": wav.shape[1]}, progress=False)
        del wav
        out = (out[0] * std + mean).cpu()
        stems = dict(zip(self.model.sources, out))
        return stems, window_start, counted[0]

    def write(self, stems, window_start, start, end, total, tail, writers):
        """Writes the chunk's part of each output, crossfading its head into
        the previous chunk's tail; returns its own tail."""
        half = self.crossfade_frames() // 2
        new_tail = {}
        for name, (_, combine) in self.outputs.items():
            samples = combine(stems).numpy().T  # (frames, channels), window-relative
            head_from = start - window_start
            if tail is None:
                body_from = head_from
            else:
                previous = tail[name]
                fade = len(previous)
                head = samples[head_from - fade // 2: head_from - fade // 2 + fade]
                weight = ((np.arange(fade, dtype=np.float32) + 0.5) / fade)[:, None]
                writers[name].write(previous * (1 - weight) + head * weight)
                body_from = head_from + fade // 2
            if end < total:
                body_to = end - window_start - half
                new_tail[name] = samples[body_to: body_to + 2 * half].copy()
            else:
                body_to = end - window_start
            writers[name].write(samples[body_from:body_to])
        return new_tail if end < total else None

    def shrink(self, error, number):
        """Smaller sizes for the next try of a chunk, or False at the floor."""
        if self.segment_s / 2 >= MIN_SEGMENT_S:
            self.segment_s /= 2
            self.default_segment_s = False
        elif self.chunk_s / 2 >= CHUNK_FLOOR_S:
            self.chunk_s /= 2
        else:
            return False
        self.oom_retries += 1
        self.log(f"out of memory in chunk {number} ({type(error).__name__}: {error}); "
                 f"retrying with segment_s {self.segment_s:g}, chunk_s {self.chunk_s:g}")
        return True

    def free_memory(self):
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # freeing is best effort
            pass

    def report(self, units, units_total, chunks_total):
        self.progress(min(1.0, units / max(1, units_total)), self.chunks_done, chunks_total)


def model_segment(model):
    """The segment (seconds) of the model, or of its bag's first model."""
    for sub in getattr(model, "models", None) or [model]:
        if getattr(sub, "segment", None):
            return float(sub.segment)
    return 7.8
