"""Word timings from Piper's phoneme alignments (PROTOCOL.md, "Word timings").

A voice model that exposes its phoneme durations (patched with
`python -m piper.patch_voice_with_alignment`) gives each sentence's chunk
`phoneme_alignments`: BOS, every phoneme, EOS, each with its samples. The
phonemes of a sentence are its words' phonemes joined by spaces, so the
phonemic words line up with the text's words when espeak-ng read each word
as one (not "42" as "forty two"); then each word is timed from its first
phoneme to its last sounding one. Any chunk without alignments, or a count
that does not line up, gives no words at all.
"""

import re

# Punctuation phonemes are pauses, which belong to no word.
PAUSES = set(",.;:!?¡¿—…\"'()")


class WordTimings:
    def __init__(self, text, sample_rate):
        self.text_words = [word for word in re.findall(r"\S+", text) if any(c.isalnum() for c in word)]
        self.rate = sample_rate
        self.spans = []  # (start sample, end sample) of each phonemic word
        self.offset = 0  # samples written before this chunk
        self.aligned = True

    def add(self, chunk):
        alignments = chunk.phoneme_alignments
        if not alignments:
            self.aligned = False
        else:
            position = self.offset
            current = None  # [start, end] of the word being read
            for alignment in alignments:
                start, position = position, position + alignment.num_samples
                phoneme = alignment.phoneme
                if phoneme == " " or phoneme in ("^", "$"):  # a word's end, BOS, EOS
                    if current:
                        self.spans.append(tuple(current))
                    current = None
                elif phoneme not in PAUSES:
                    if current is None:
                        current = [start, position]
                    current[1] = position
            if current:
                self.spans.append(tuple(current))
        self.offset += len(chunk.audio_float_array)

    def words(self):
        """[(text, start_s, end_s)], or None when they do not line up."""
        if not self.aligned or len(self.spans) != len(self.text_words) or not self.spans:
            return None
        words = []
        previous_end = 0
        for text, (start, end) in zip(self.text_words, self.spans):
            start, end = max(start, previous_end), min(end, self.offset)
            words.append((text, start / self.rate, max(start, end) / self.rate))
            previous_end = max(start, end)
        return words
