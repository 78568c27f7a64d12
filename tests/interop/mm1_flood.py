#!/usr/bin/env python3
"""tests/interop/mm1_flood.py: a Main Mode first-message flood (reliability.md class 18).

  mm1_flood.py --dst 10.99.1.2 --sources 10.98.0.1 ... [--sockets-per-source 4]
               [--duration 20] [--rate 5000] [--group 14]

Sends MM1 (RFC 2409 §5.4: HDR, SA) with a fresh random initiator cookie each time, from every
source address in turn, each address with `--sockets-per-source` UDP sockets on random ports
(the kernel picks them), to DST:500 at up to RATE packets per second for DURATION seconds.
The offer is one IKE transform the test's responder accepts: AES-CBC-128, SHA1, pre-shared
key, the MODP group given, lifetime 3600 s. Prints "sent=N seconds=S rate=R" on stdout.
The sources must be local addresses of the namespace it runs in (the test adds them).
"""
import argparse
import os
import socket
import struct
import sys
import time


def attr(kind, value):
    # RFC 2408 §3.3: TV form (AF=1), 16-bit value.
    return struct.pack("!HH", 0x8000 | kind, value)


def mm1_template(group):
    attrs = b"".join([
        attr(1, 7),      # ENCRYPTION_ALGORITHM = AES_CBC
        attr(14, 128),   # KEY_LENGTH
        attr(2, 2),      # HASH_ALGORITHM = SHA
        attr(3, 1),      # AUTHENTICATION_METHOD = PRE_SHARED
        attr(4, group),  # GROUP_DESCRIPTION
        attr(11, 1),     # LIFE_TYPE = SECONDS
        attr(12, 3600),  # LIFE_DURATION
    ])
    # Transform: next 0, reserved, length, number 1, KEY_IKE (1), reserved 2 octets.
    transform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    # Proposal: next 0, reserved, length, number 1, PROTO_ISAKMP (1), SPI size 0, 1 transform.
    proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
    # SA: next NONE, reserved, length, DOI IPSEC (1), situation SIT_IDENTITY_ONLY (1).
    sa = struct.pack("!BBHII", 0, 0, 12 + len(proposal), 1, 1) + proposal
    # Header: CKY-I (filled per packet), CKY-R 0, next SA (1), version 1.0, ID_PROT (2),
    # flags 0, message id 0, length.
    header = struct.pack("!8s8sBBBBII", b"\0" * 8, b"\0" * 8, 1, 0x10, 2, 0, 0, 28 + len(sa))
    return bytearray(header + sa)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=500)
    ap.add_argument("--sources", nargs="+", required=True)
    ap.add_argument("--sockets-per-source", type=int, default=4)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--rate", type=float, default=5000.0)
    ap.add_argument("--group", type=int, default=14)
    args = ap.parse_args()

    socks = []
    for src in args.sources:
        for _ in range(args.sockets_per_source):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))  # a random port per socket
            s.setblocking(False)
            socks.append(s)
    msg = mm1_template(args.group)
    dst = (args.dst, args.port)
    sent = 0
    start = time.monotonic()
    end = start + args.duration
    batch = 50
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Pace: never ahead of RATE packets per second.
        due = int((now - start) * args.rate)
        if sent >= due:
            time.sleep(min(0.002, end - now))
            continue
        cookies = os.urandom(8 * batch)
        for i in range(batch):
            msg[0:8] = cookies[8 * i:8 * i + 8]
            try:
                socks[sent % len(socks)].sendto(msg, dst)
            except (BlockingIOError, OSError):
                pass  # a full socket buffer drops the packet, as on a real link
            sent += 1
    elapsed = time.monotonic() - start
    print(f"sent={sent} seconds={elapsed:.1f} rate={sent / elapsed:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
