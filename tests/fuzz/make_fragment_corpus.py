#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_fragments (tests/fuzz/corpus/fuzz_fragments/).

Record format (fuzz_fragments.cc): time step (1 octet, seconds), length (2 octets, big endian),
then one fragment datagram in the layout strongSwan sends (wire/fragment.h): ISAKMP header with
next payload 132, ID_PROT, message id 0, then the FRAGMENT payload (generic header, id, number,
flags, data). The data slices are those of a made-up 300-octet ISAKMP message.
"""
import os
import struct
import sys

ICOOKIE = bytes.fromhex("0102030405060708")
RCOOKIE = bytes.fromhex("1112131415161718")


def fragment(fid, number, last, data, icookie=ICOOKIE, flags=0):
    payload = struct.pack("!BBHHBB", 0, 0, 8 + len(data), fid, number, (1 if last else 0) | flags)
    payload += data
    header = icookie + RCOOKIE + struct.pack("!BBBBII", 132, 0x10, 2, 0, 0, 28 + len(payload))
    return header + payload


def record(dgram, step=0):
    return struct.pack("!BH", step, len(dgram)) + dgram


def message():
    body = bytes((i * 7) & 0xFF for i in range(272))
    return ICOOKIE + RCOOKIE + struct.pack("!BBBBII", 5, 0x10, 2, 1, 0, 28 + len(body)) + body


def slices(msg, n):
    size = (len(msg) + n - 1) // n
    return [msg[i:i + size] for i in range(0, len(msg), size)]


def main(out):
    os.makedirs(out, exist_ok=True)
    parts = slices(message(), 3)
    frags = [fragment(7, i + 1, i == 2, p) for i, p in enumerate(parts)]
    seeds = {
        "in_order.bin": [record(f) for f in frags],
        "reversed.bin": [record(f) for f in reversed(frags)],
        "duplicate.bin": [record(frags[0]), record(frags[0]), record(frags[1]), record(frags[2])],
        "mixed_ids.bin": [record(frags[0]), record(fragment(8, 2, True, parts[1])),
                          record(fragment(6, 3, True, parts[2])), record(frags[1])],
        "number_zero.bin": [record(fragment(7, 0, False, parts[0]))],
        "beyond_last.bin": [record(fragment(7, 2, True, parts[0])),
                            record(fragment(7, 3, False, parts[1]))],
        "two_last.bin": [record(fragment(7, 3, True, parts[0])),
                         record(fragment(7, 2, True, parts[1]))],
        "timeout.bin": [record(frags[0]), record(frags[1], 31), record(frags[2], 0xFF)],
        "sixteen.bin": [record(fragment(1, n, n == 16, bytes([n]) * 20)) for n in range(1, 17)],
        "two_sas.bin": [record(frags[0]), record(fragment(7, 1, False, parts[0], b"\x09" * 8)),
                        record(frags[1]), record(frags[2])],
        "bad_flags.bin": [record(fragment(7, 1, True, parts[0], flags=0x80))],
    }
    for name, recs in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"".join(recs))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_fragments"))
