// A finished output's waveform on a <canvas>, from the audio as the browser
// itself decodes it (Web Audio's decodeAudioData): no library, nothing the
// server computes, and any format the <audio> player plays.
"use strict";

/// Decoding holds every sample in memory: a longer output gets no waveform.
const WAVEFORM_MAX_SECONDS = 600;
/// Decoded at the lowest rate Web Audio promises (8 kHz): a few hundred
/// columns of peaks need no more, and an hour of it would be 115 MB at 48 kHz.
const WAVEFORM_RATE = 8000;

function waveformFits(seconds) {
  return typeof seconds === "number" && seconds > 0 && seconds <= WAVEFORM_MAX_SECONDS
    && typeof OfflineAudioContext === "function";
}

/// Decodes `bytes` (an ArrayBuffer of the encoded file) and draws each
/// column's lowest and highest sample, of whichever channel swings most,
/// in the canvas's CSS colour. An OfflineAudioContext plays nothing, so no
/// autoplay policy applies. Marks the canvas data-drawn="1" when done.
async function drawWaveform(canvas, bytes) {
  const context = new OfflineAudioContext(1, 1, WAVEFORM_RATE);
  const audio = await context.decodeAudioData(bytes);
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round((canvas.clientWidth || 600) * ratio));
  const height = Math.max(1, Math.round((canvas.clientHeight || 48) * ratio));
  canvas.width = width;
  canvas.height = height;
  const channels = [];
  for (let index = 0; index < audio.numberOfChannels; index++) channels.push(audio.getChannelData(index));
  const perColumn = audio.length / width;
  const paint = canvas.getContext("2d");
  paint.clearRect(0, 0, width, height);
  paint.fillStyle = getComputedStyle(canvas).color;
  const middle = height / 2;
  for (let column = 0; column < width; column++) {
    const start = Math.floor(column * perColumn);
    const end = Math.max(start + 1, Math.floor((column + 1) * perColumn));
    let low = 0, high = 0;
    for (const samples of channels) {
      for (let index = start; index < end && index < samples.length; index++) {
        const sample = samples[index];
        if (sample < low) low = sample;
        else if (sample > high) high = sample;
      }
    }
    // Silence still shows as a hairline, so the track's length reads at a glance.
    const top = middle - Math.min(1, high) * middle;
    const bottom = middle - Math.max(-1, low) * middle;
    paint.fillRect(column, top, 1, Math.max(1, bottom - top));
  }
  canvas.dataset.drawn = "1";
}
