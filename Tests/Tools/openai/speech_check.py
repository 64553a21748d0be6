"""Drives `audiospool serve` with the official OpenAI client (HTTPServeTests).

usage: speech_check.py BASE_URL OUT_DIR LONG_TEXT_FILE

Writes OUT_DIR/short.mp3 (speech.create) and OUT_DIR/long.mp3 (streamed),
and prints one JSON object: what the client saw.
"""
import json
import sys
import time
import urllib.request

import openai

base, out, long_text_file = sys.argv[1:4]
client = openai.OpenAI(base_url=base + "/v1", api_key="not-needed-on-loopback", max_retries=0, timeout=300)
report = {}

speech = client.audio.speech.create(
    model="tts-1", voice="alloy", response_format="mp3",
    input="Hello from the spool. This sentence was spoken by Piper, through the OpenAI client.")
speech.write_to_file(out + "/short.mp3")

try:
    client.audio.speech.create(model="tts-1", voice="alloy", input="Hi.", response_format="opus")
    report["opus"] = "accepted"
except openai.BadRequestError as error:
    report["opus"] = error.message

try:
    client.audio.speech.create(model="no-such-model", voice="alloy", input="Hi.")
    report["model"] = "accepted"
except openai.BadRequestError as error:
    report["model"] = error.message

text = open(long_text_file, encoding="utf-8").read()
start = time.monotonic()
with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=text, response_format="mp3") as response:
    job = response.headers.get("x-job-id")
    report["job"] = job
    total = 0
    with open(out + "/long.mp3", "wb") as file:
        for chunk in response.iter_bytes(4096):
            if total == 0:
                report["first_byte_s"] = time.monotonic() - start
                # The job as the spool has it when the first bytes arrive.
                with urllib.request.urlopen(f"{base}/v1/jobs/{job}") as reply:
                    report["state_at_first_byte"] = json.load(reply)["state"]
            file.write(chunk)
            total += len(chunk)
    report["bytes"] = total
    report["total_s"] = time.monotonic() - start
print(json.dumps(report))
