"""WAV files read and written a block at a time, so memory does not grow
with the length of the audio (the host hands Demucs a 32-bit float WAV;
PROTOCOL.md, "Inputs"). Standard library and numpy only.

A RIFF WAV's sizes are 32-bit: 4 GiB of float stereo at 44.1 kHz is 3.4
hours. Past that the writer makes the file RF64 (EBU Tech 3306: the sizes
in a `ds64` chunk), and the reader takes RF64 as libsndfile writes it.

    reader = WavReader(path)            # reader.frames, .rate, .channels
    block = reader.read(start, count)   # float32, shape (count, channels)

    with WavWriter(path, rate, channels) as writer:
        writer.write(block)             # float32, shape (frames, channels)
"""

import struct

import numpy as np

PCM, IEEE_FLOAT = 1, 3


class WavError(Exception):
    """A file that is not a WAV this reader takes."""


class WavReader:
    def __init__(self, path):
        self._file = open(path, "rb")
        try:
            self._parse()
        except Exception:
            self._file.close()
            raise

    def _parse(self):
        header = self._file.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64") or header[8:12] != b"WAVE":
            raise WavError("not a RIFF/WAVE or RF64 file")
        fmt = None
        ds64_data = None
        while True:
            chunk = self._file.read(8)
            if len(chunk) < 8:
                raise WavError("no 'data' chunk")
            ident, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if ident == b"fmt ":
                fmt = self._file.read(size)
                if size % 2:
                    self._file.seek(1, 1)
            elif ident == b"ds64" and header[:4] == b"RF64":
                ds64 = self._file.read(size)
                if len(ds64) < 16:
                    raise WavError("a 'ds64' chunk too short for its sizes")
                ds64_data = struct.unpack("<Q", ds64[8:16])[0]
                if size % 2:
                    self._file.seek(1, 1)
            elif ident == b"data":
                if fmt is None:
                    raise WavError("'data' before 'fmt '")
                self._data = self._file.tell()
                data_bytes = ds64_data if size == 0xFFFFFFFF and ds64_data is not None else size
                break
            else:
                self._file.seek(size + size % 2, 1)  # chunks are padded to even sizes
        tag, self.channels, self.rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
        if (tag, bits) == (IEEE_FLOAT, 32):
            self._dtype, self._scale = np.dtype("<f4"), None
        elif (tag, bits) == (PCM, 16):
            self._dtype, self._scale = np.dtype("<i2"), 1 / 32768
        else:
            raise WavError(f"a WAV of format {tag}, {bits} bits (this reader takes 32-bit float and 16-bit PCM)")
        self._frame_bytes = self._dtype.itemsize * self.channels
        self.frames = data_bytes // self._frame_bytes

    def read(self, start, count):
        """Frames [start, start + count), clipped to the file: float32 (frames, channels)."""
        start = max(0, min(start, self.frames))
        count = max(0, min(count, self.frames - start))
        self._file.seek(self._data + start * self._frame_bytes)
        block = np.fromfile(self._file, dtype=self._dtype, count=count * self.channels)
        block = block.reshape(-1, self.channels)
        if self._scale is not None:
            block = block.astype(np.float32) * np.float32(self._scale)
        return block.astype(np.float32, copy=False)

    def blocks(self, frames):
        """Every frame of the file, `frames` at a time."""
        for start in range(0, self.frames, frames):
            yield self.read(start, frames)

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WavWriter:
    """A 32-bit float WAV written as it goes: its sizes are filled in on close.

    The header keeps room for RF64's `ds64` chunk as a `JUNK` chunk (which
    readers skip), so a file that grew past the 32-bit sizes becomes RF64
    on close without moving its samples."""

    _LIMIT = 0xFFFFFFFF

    def __init__(self, path, rate, channels):
        self.path, self.rate, self.channels = path, rate, channels
        self.frames = 0
        self._file = open(path, "wb")
        self._file.write(self._header(0))

    def _header(self, frames):
        data = frames * 4 * self.channels
        fmt = struct.pack("<HHIIHH", IEEE_FLOAT, self.channels, self.rate, self.rate * 4 * self.channels, 4 * self.channels, 32)
        riff = 4 + (8 + 28) + (8 + len(fmt)) + (8 + 4) + 8 + data
        big = riff > self._LIMIT
        # ds64: the RIFF size, the data size, the sample (frame) count, no table.
        ds64 = struct.pack("<QQQI", riff, data, frames, 0) if big else bytes(28)
        def size(value):
            return struct.pack("<I", self._LIMIT if big else value)
        return b"".join([
            b"RF64" if big else b"RIFF", size(riff), b"WAVE",
            b"ds64" if big else b"JUNK", struct.pack("<I", len(ds64)), ds64,
            b"fmt ", struct.pack("<I", len(fmt)), fmt,
            b"fact", struct.pack("<I", 4), size(frames),
            b"data", size(data),
        ])

    def write(self, block):
        block = np.ascontiguousarray(block, dtype="<f4")
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"expected (frames, {self.channels}) samples, got {block.shape}")
        self._file.write(block.tobytes())
        self.frames += block.shape[0]

    def close(self):
        if self._file.closed:
            return
        self._file.seek(0)
        self._file.write(self._header(self.frames))
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
