#!/usr/bin/env python3
"""tests/fuzz/seeds_from_golden.py: adds seeds taken from the golden captures of real peers
(tests/golden/<capture>/capture.pcap: strongSwan charon, libreswan pluto and our isakmpd, see
tests/golden/README.md) to the fuzz seed corpora, and writes a PROVENANCE file in every corpus
directory it touches. Re-runnable and deterministic: it only reads the committed captures and
keys.txt files, removes the golden_* seeds it wrote before, and writes the same bytes again.

    tests/fuzz/seeds_from_golden.py            (from anywhere; needs python3-cryptography)

What goes where (every file is named golden_<capture>_<message>[_<what>].bin):
  fuzz_message    every datagram as sent (non-ESP marker removed on 4500), and every encrypted
                  one also decrypted (RFC 2409 App. B IV chain, the phase-1 key from keys.txt),
                  with the E flag cleared, the padding dropped and the header length fixed, so
                  the cleartext payload chains (ID, HASH, SA/Nonce/KE of Quick Mode, Notify,
                  Delete) reach the payload parsers
  fuzz_sa_payload every SA payload body (MM1/MM2, decrypted QM1/QM2)
  fuzz_attributes the attribute list of every transform, after one selector octet
                  (protocol - 1, see fuzz_attributes.cc)
  fuzz_id         every ID payload body (decrypted MM5/MM6 IDii/IDir, AM1/AM2 IDs in the
                  clear, QM1/QM2 IDci/IDcr)
  fuzz_mode_cfg   every ATTRIBUTE payload body (the decrypted Transaction REQUEST of pluto and
                  REPLY of charon in the cfg capture)
  fuzz_cert       the DER certificate of every CERT payload (encoding 4; decrypted MM5/MM6 of
                  the RSA_SIG capture)
  fuzz_fragments  the captures hold no fragments: the real encrypted MM5 of each capture cut
                  into 3 IKEv1 fragments in strongSwan's layout (make_fragment_corpus.py),
                  in order and reversed
Duplicates are dropped (the corpus replay mutates every seed ~3,000 times, so each must earn its
place): one message per (sending implementation, exchange, flags, payload type sequence), one
still-encrypted datagram per exchange type; bodies (SA, attributes, ID) by content.
The captures hold PSK Main Mode, RSA_SIG Main Mode (CERT, CR, SIG), Aggressive Mode PSK and
NAT-T Main Mode (NAT-D, port 4500) and a mode-config pull (Transaction REQUEST/REPLY) with
Quick Mode and Informational DELETEs. Not in them: NAT-OA, mode-config SET/ACK and XAUTH, real
fragments; those keep their synthetic seeds.
Retransmitted (byte-identical) datagrams are skipped, as in extract.py.
"""
import glob
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(ROOT, "tests", "golden")
CORPUS = os.path.join(HERE, "corpus")
sys.path.insert(0, GOLDEN)
sys.path.insert(0, HERE)
import extract  # noqa: E402  (read_pcap, payloads, cbc_decrypt: the golden decryption helpers)
import make_fragment_corpus  # noqa: E402

HASHES = {"SHA1": hashlib.sha1, "SHA2_256": hashlib.sha256}
EXCHANGES = {2: "mm", 4: "am", 5: "info", 6: "cfg", 32: "qm"}
PT_SA, PT_ID = 1, 5
PT_CERT, PT_ATTR = 6, 14
TARGETS = ["fuzz_message", "fuzz_sa_payload", "fuzz_attributes", "fuzz_id", "fuzz_fragments",
           "fuzz_cert", "fuzz_mode_cfg"]


def keys(d):
    v = {}
    for line in open(os.path.join(d, "keys.txt")):
        if " = " in line and not line.startswith("#"):
            k, _, val = line.strip().partition(" = ")
            v[k] = val
    return v


def notes_line(d, prefix):
    for line in open(os.path.join(d, "notes.md")):
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return "?"


def transforms_of_sa(body):
    """(protocol, attribute bytes) of every transform of an SA payload body (RFC 2408 §3.4-3.6)."""
    out, off = [], 8  # DOI, situation
    while off + 8 <= len(body):
        nxt, _, plen, _, proto, spi_size, ntrans = struct.unpack("!BBHBBBB", body[off:off + 8])
        t_off, end = off + 8 + spi_size, off + plen
        for _ in range(ntrans):
            if t_off + 8 > end:
                break
            _, _, tlen = struct.unpack("!BBH", body[t_off:t_off + 4])
            out.append((proto, body[t_off + 8:t_off + tlen]))
            t_off += tlen
        off = end
        if nxt == 0:
            break
    return out


class Writer:
    def __init__(self):
        self.files = {t: {} for t in TARGETS}   # target -> name -> bytes
        self.seen = {t: set() for t in TARGETS}  # dedupe keys
        self.sources = {t: {} for t in TARGETS}  # target -> capture -> count

    def add(self, target, name, data, key=None):
        key = key if key is not None else data
        if key in self.seen[target] or not data:
            return
        self.seen[target].add(key)
        self.files[target][f"golden_{name}.bin"] = data
        cap = name.split("_")[0]
        self.sources[target][cap] = self.sources[target].get(cap, 0) + 1


def shape(dg, pls, sender):
    """One seed per sender implementation, exchange, flags and payload type sequence."""
    return (sender, dg[18], dg[19] & ~1, tuple(t for t, _, _, _ in pls))


def one_capture(d, w):
    cap = os.path.basename(os.path.normpath(d))
    k = keys(d)
    bs = int(k["BlockSize"])
    key = bytes.fromhex(k.get("EncKey") or k["Isakmpd_EncKey"])
    h = HASHES[k["Hash"]]
    p1_iv = h(bytes.fromhex(k["g_xi"]) + bytes.fromhex(k["g_xr"])).digest()[:bs]
    p2_iv = {}
    counters = {}
    ini, res, _ = cap.split("-")
    first_src = None
    seen = set()
    for src, _, _, _, dg in extract.read_pcap(os.path.join(d, "capture.pcap")):
        if dg in seen:
            continue  # a retransmission: not part of the IV chain
        seen.add(dg)
        first_src = first_src or src
        sender = ini if src == first_src else res
        ex = EXCHANGES.get(dg[18], f"x{dg[18]}")
        counters[ex] = counters.get(ex, 0) + 1
        label = f"{cap}_{ex}{counters[ex]}"
        encrypted = bool(dg[19] & 1)
        if encrypted:
            ct, mid = dg[28:], dg[20:24]
            if dg[18] in (2, 4):  # MM5/MM6, AM3: the phase-1 IV chain
                pt = extract.cbc_decrypt(k["Cipher"], key, p1_iv, ct)
                p1_iv = ct[-bs:]
            else:
                if mid not in p2_iv:
                    p2_iv[mid] = h(p1_iv + mid).digest()[:bs]
                pt = extract.cbc_decrypt(k["Cipher"], key, p2_iv[mid], ct)
                p2_iv[mid] = ct[-bs:]
            pls = extract.payloads(dg[16], pt)
            end = pls[-1][2] + pls[-1][3]
            plain = dg[:19] + bytes([dg[19] & ~1]) + dg[20:24] + struct.pack("!I", 28 + end)
            plain += pt[:end]
            w.add("fuzz_message", label, dg, ("encrypted", dg[18]))  # one per exchange
            w.add("fuzz_message", label + "_decrypted", plain, shape(dg, pls, sender))
            if dg[18] == 2 and counters[ex] == 5:  # MM5: the biggest, re-fragmented
                parts = make_fragment_corpus.slices(dg, 3)
                frags = [fragment(dg, i + 1, i == 2, p) for i, p in enumerate(parts)]
                rec = make_fragment_corpus.record
                w.add("fuzz_fragments", label + "_in_order", b"".join(rec(f) for f in frags))
                w.add("fuzz_fragments", label + "_reversed",
                      b"".join(rec(f) for f in reversed(frags)))
        else:
            pls = extract.payloads(dg[16], dg[28:])
            w.add("fuzz_message", label, dg, shape(dg, pls, sender))
        for n, (t, body, _, _) in enumerate(pls):
            if t == PT_SA:
                w.add("fuzz_sa_payload", f"{label}_sa", body)
                for i, (proto, attrs) in enumerate(transforms_of_sa(body)):
                    w.add("fuzz_attributes", f"{label}_sa_t{i + 1}",
                          bytes([(proto - 1) % 4]) + attrs)
            elif t == PT_ID:
                w.add("fuzz_id", f"{label}_id{n}", body)
            elif t == PT_ATTR:
                w.add("fuzz_mode_cfg", f"{label}_attr{n}", body)
            elif t == PT_CERT and body[:1] == b"\x04":
                w.add("fuzz_cert", f"{label}_cert{n}", body[1:])


def fragment(dg, number, last, data):
    """A FRAGMENT datagram for `data`, with the cookies of the captured message `dg`."""
    f = make_fragment_corpus.fragment(1, number, last, data, icookie=dg[:8])
    return f[:8] + dg[8:16] + f[16:]


def provenance(target, w, caps):
    lines = [
        f"# {target}: seeds from real peers (golden captures)",
        "",
        "The golden_* files here are written by tests/fuzz/seeds_from_golden.py (re-run it after",
        "a new capture; it rewrites exactly these files, deterministically). Other files are the",
        "module's synthetic seeds (see the make_*_corpus.py scripts or the test that wrote them).",
        "",
        "Captures (tests/golden/<capture>/capture.pcap, tcpdump on the initiator's veth):",
    ]
    for cap, d in caps:
        n = w.sources[target].get(cap, 0)
        ini, res, _ = cap.split("-")
        lines.append(f"- {cap} ({ini} initiator -> {res} responder, {n} seeds): "
                     f"{notes_line(d, 'Captured ')} "
                     f"packages {notes_line(d, '- packages: ')}")
    how = {
        "fuzz_message": "each datagram as captured (non-ESP marker removed), and each encrypted "
                        "one decrypted with the phase-1 key of keys.txt (RFC 2409 App. B IVs), E "
                        "flag cleared, padding dropped, length fixed (the `_decrypted` files); one "
                        "seed per (sending implementation, exchange, flags, payload type "
                        "sequence), one still-encrypted datagram per exchange type",
        "fuzz_sa_payload": "the body of every SA payload (MM1/MM2 cleartext, QM1/QM2 decrypted), "
                           "deduplicated by content",
        "fuzz_attributes": "one selector octet (protocol - 1) + the attribute list of every "
                           "transform of those SA payloads, deduplicated by content",
        "fuzz_id": "the body of every ID payload (decrypted MM5/MM6, AM1/AM2, QM1/QM2), "
                   "deduplicated by content",
        "fuzz_mode_cfg": "the body of every ATTRIBUTE payload of the decrypted Transaction "
                         "messages (pluto's REQUEST, charon's REPLY with the pool address), "
                         "deduplicated by content",
        "fuzz_cert": "the DER certificate (after the encoding octet 4) of every CERT payload of "
                     "the decrypted MM5/MM6 of the RSA_SIG captures; the certificates come from "
                     "the run's scripted test PKI (tests/pki/make_pki.sh), the bytes are what the "
                     "peers sent, deduplicated by content",
        "fuzz_fragments": "the captures hold no fragments: the captured encrypted MM5 (real bytes) "
                          "cut into 3 fragments in strongSwan's layout (make_fragment_corpus.py "
                          "records), in order and reversed; not a capture of a fragmenting peer",
    }[target]
    lines += ["", f"Extraction: {how}.", ""]
    return "\n".join(lines)


def main():
    caps = [(os.path.basename(os.path.normpath(d)), d)
            for d in sorted(glob.glob(os.path.join(GOLDEN, "*-*-*/")))
            if os.path.exists(os.path.join(d, "capture.pcap"))]
    # Third-party initiators first: a datagram or body both a real peer and our daemon sent is
    # credited to the real peer (the dedupe keeps the first one).
    caps.sort(key=lambda c: (c[0].startswith("isakmpd-"), c[0]))
    w = Writer()
    for _, d in caps:
        one_capture(d, w)
    for target in TARGETS:
        out = os.path.join(CORPUS, target)
        os.makedirs(out, exist_ok=True)
        for old in glob.glob(os.path.join(out, "golden_*")):
            os.remove(old)
        for name, data in sorted(w.files[target].items()):
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
        with open(os.path.join(out, "PROVENANCE"), "w") as f:
            f.write(provenance(target, w, caps))
        total = len([n for n in os.listdir(out) if not n.startswith(".")])
        print(f"seeds_from_golden: {target}: {len(w.files[target])} golden seeds "
              f"({total} files with PROVENANCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
