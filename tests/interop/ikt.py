#!/usr/bin/env python3
"""tests/interop/ikt.py: parsers and assertions for the netns interop tests (used by lib*.sh).

Subcommands (each prints one line or a diagnosis; exit status 0 = success, 1 = assertion failed):
  swan-spis                    stdin = `swanctl --list-sas --raw`; prints
                               "in=<spi> out=<spi> icookie=<hex> rcookie=<hex>" of the first
                               INSTALLED CHILD SA and its IKE SA.
  pluto-spis --me A --peer B   stdin = `whack --showstates`; prints "in=<spi> out=<spi>" from the
                               "esp.<spi>@<addr>" words (@me = inbound, @peer = outbound).
  ours-spis --me A RESULT      RESULT = our daemon's `S` result file; prints
                               "in=<spi> out=<spi> icookie=<hex> rcookie=<hex> p1=<n> p2=<n>".
  ours-established RESULT      exit 0 when RESULT has a ready Phase 1 and Phase 2 SA block with SPIs.
  ours-state RESULT            prints "p1=<n> p2=<n> kernel_sas=<n>": ready phase 1 / phase 2 SAs
                               and null-backend SA lines in RESULT.
  keylog-spis --me A KEYLOG    prints "in=<spi> out=<spi> icookie= rcookie=[ cpi_in= cpi_out=]"
                               from the key log (last ESP CHILD_SA per direction, last IKE_SA;
                               the CPIs of proto=ipcomp lines, only when there are any).
  keylog-established KEYLOG    exit 0 when the key log has an IKE_SA line and CHILD_SA in and out.
  keycmp --ours KEYLOG --peer SHIMLOG
                               every CHILD_SA line of our key log must match an SA recorded by the
                               xfrm_noop_preload shim of the peer (same spi/src/dst, same keys and
                               algorithms); our "out" SA is the peer's inbound one and vice versa.
  keylogcmp A B                two of our daemons back to back: every CHILD_SA of key log A has a
                               CHILD_SA in B with the same spi/src/dst, the other direction and
                               the same algorithms and keys, and both have the same count.
  shimcmp A B                  the SAs two shim logs recorded (charon <-> pluto) must pair up:
                               same (spi, src, dst) set on both sides with identical keys.
  defrag IN OUT                classic pcap (Ethernet) IN -> OUT with IKEv1 fragments (payload
                               132, Cisco/strongSwan extension) replaced by the reassembled
                               message in one packet (tshark does not reassemble them); prints
                               "fragments=<n> messages=<n>".

Formats: key log lines "IKE_SA icookie= rcookie= cipher= enckey=" and "CHILD_SA proto=esp
dir=in|out src= dst= spi= enc= enckey= auth= authkey="; shim lines "SA op= proto= spi= src= dst=
mode= reqid= enc= enckey= auth= authkey= [trunc=] [aead= aeadkey= icv=] [encap=]".
"""
import argparse
import re
import sys

# Our key log names (isakmpd registry names) -> the Linux crypto names peers hand to XFRM.
ENC_NAMES = {
    "AES": {"aes", "cbc(aes)"},
    "3DES": {"des3_ede", "cbc(des3_ede)"},
    "DES": {"des", "cbc(des)"},
    "BLOWFISH": {"blowfish", "cbc(blowfish)"},
    "CAST": {"cast5", "cbc(cast5)"},
    "AES_CTR": {"rfc3686(ctr(aes))"},
    "NULL": {"ecb(cipher_null)", "cipher_null"},
}
AUTH_NAMES = {
    "HMAC_MD5": {"md5", "hmac(md5)"},
    "HMAC_SHA": {"sha1", "hmac(sha1)"},
    "HMAC_SHA2_256": {"sha256", "hmac(sha256)"},
    "HMAC_SHA2_384": {"sha384", "hmac(sha384)"},
    "HMAC_SHA2_512": {"sha512", "hmac(sha512)"},
    "HMAC_RIPEMD": {"rmd160", "hmac(rmd160)"},
}


def kv(line):
    return dict(m.groups() for m in re.finditer(r"([A-Za-z0-9_-]+)=(\S*)", line))


def fail(msg):
    print("ikt.py: " + msg, file=sys.stderr)
    sys.exit(1)


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as e:
        fail(f"cannot read {path}: {e}")
        return ""


def swan_spis(_args):
    raw = sys.stdin.read()
    ike = re.search(r"initiator-spi=([0-9a-f]+) responder-spi=([0-9a-f]+)", raw)
    child = None
    for m in re.finditer(r"\{name=\S+ [^{}]*\}", raw):
        fields = kv(m.group(0))
        if fields.get("state") == "INSTALLED":
            child = fields
            break
    if not child:
        fail("no INSTALLED CHILD SA in swanctl output: " + raw.strip()[:400])
    print(f"in={child.get('spi-in', '')} out={child.get('spi-out', '')} "
          f"icookie={ike.group(1) if ike else ''} rcookie={ike.group(2) if ike else ''}")


def pluto_spis(args):
    states = sys.stdin.read()
    spi_in = spi_out = ""
    # IPv4: esp.<spi>@<addr>; IPv6: esp:<spi>@<addr> (libreswan 4.10).
    for m in re.finditer(r"esp[.:]([0-9a-f]+)@(\S+)", states):
        spi, addr = m.group(1).rjust(8, "0"), m.group(2)
        if addr == args.me and not spi_in:
            spi_in = spi
        elif addr == args.peer and not spi_out:
            spi_out = spi
    if not spi_in or not spi_out:
        fail("no esp.<spi>@<addr> pair in whack --showstates: " + states.strip()[:600])
    print(f"in={spi_in} out={spi_out}")


def parse_result(text):
    """Blocks of the isakmpd `S` result file plus the null-backend flow/SA lines."""
    blocks = []
    cur = None
    flows = []
    for line in text.splitlines():
        m = re.match(r"SA name: (.*) \((Phase 1/Initiator|Phase 1/Responder|Phase 2)\)", line)
        if m:
            cur = {"name": m.group(1), "kind": m.group(2), "spis": [], "lines": []}
            blocks.append(cur)
            continue
        m = re.match(r"\s*(esp|ah)\s+(tunnel|transport)?\s*from (\S+) to (\S+) spi (0x)?([0-9a-fA-F]+)",
                     line)
        if m:
            flows.append({"proto": m.group(1), "src": m.group(3), "dst": m.group(4),
                          "spi": m.group(6).lower().rjust(8, "0")})
            cur = None
            continue
        if cur is None:
            continue
        cur["lines"].append(line)
        m = re.match(r"SPI \d+: ([0-9a-fA-F]+)", line)
        if m:
            cur["spis"].append(m.group(1).lower().rjust(8, "0"))
        m = re.match(r"Flags 0x([0-9a-fA-F]+)", line)
        if m:
            cur["flags"] = int(m.group(1), 16)
        m = re.match(r"icookie ([0-9a-fA-F]+) rcookie ([0-9a-fA-F]+)", line)
        if m:
            cur["icookie"], cur["rcookie"] = m.group(1).lower(), m.group(2).lower()
    return blocks, flows


def ready(block):
    """SA_FLAG_READY (0x01); a block without a Flags line counts as ready."""
    return block.get("flags", 1) & 1 == 1


def ready_blocks(blocks):
    p1 = [b for b in blocks if b["kind"].startswith("Phase 1") and ready(b)]
    p2 = [b for b in blocks if b["kind"] == "Phase 2" and b["spis"] and ready(b)]
    return p1, p2


def ours_spis(args):
    blocks, flows = parse_result(read(args.result))
    p1, p2 = ready_blocks(blocks)
    spi_in = spi_out = ""
    for f in flows:
        if f["proto"] != "esp":
            continue
        if f["src"] == args.me and not spi_out:
            spi_out = f["spi"]
        elif f["dst"] == args.me and not spi_in:
            spi_in = f["spi"]
    spis = sorted({s for b in p2 for s in b["spis"]})
    ic = p1[0].get("icookie", "") if p1 else ""
    rc = p1[0].get("rcookie", "") if p1 else ""
    print(f"in={spi_in} out={spi_out} icookie={ic} rcookie={rc} p1={len(p1)} p2={len(p2)} "
          f"spis={','.join(spis)}")


def ours_established(args):
    p1, p2 = ready_blocks(parse_result(read(args.result))[0])
    sys.exit(0 if p1 and p2 else 1)


def ours_state(args):
    blocks, flows = parse_result(read(args.result))
    p1, p2 = ready_blocks(blocks)
    print(f"p1={len(p1)} p2={len(p2)} kernel_sas={len(flows)}")


def parse_keylog(path):
    ike, child = [], []
    for line in read(path).splitlines():
        if line.startswith("IKE_SA "):
            ike.append(kv(line))
        elif line.startswith("CHILD_SA "):
            child.append(kv(line))
    return ike, child


def keylog_established(args):
    ike, child = parse_keylog(args.keylog)
    dirs = {c.get("dir") for c in child}
    sys.exit(0 if ike and "in" in dirs and "out" in dirs else 1)


def keylog_spis(args):
    ike, child = parse_keylog(args.keylog)
    spi_in = spi_out = cpi_in = cpi_out = ""
    for c in child:
        spi = norm(c.get("spi")).rjust(8, "0")
        if c.get("proto", "esp") == "ipcomp":  # the CPIs of an ESP+IPCOMP bundle
            if c.get("dir") == "in":
                cpi_in = spi
            elif c.get("dir") == "out":
                cpi_out = spi
        elif c.get("dir") == "in":
            spi_in = spi
        elif c.get("dir") == "out":
            spi_out = spi
    ic = norm(ike[-1].get("icookie")) if ike else ""
    rc = norm(ike[-1].get("rcookie")) if ike else ""
    cpis = f" cpi_in={cpi_in} cpi_out={cpi_out}" if cpi_in or cpi_out else ""
    print(f"in={spi_in} out={spi_out} icookie={ic} rcookie={rc}{cpis}")


def parse_shim(path):
    sas = []
    for line in read(path).splitlines():
        if line.startswith("SA "):
            sas.append(kv(line))
    return sas


def norm(h):
    return (h or "").lower()


def keycmp(args):
    _, ours = parse_keylog(args.ours)
    peer = parse_shim(args.peer)
    if not ours:
        fail(f"no CHILD_SA line in our key log {args.ours}")
    if not peer:
        fail(f"the peer's shim recorded no SA in {args.peer}")
    # --nat PRIVATE=PUBLIC: a NAT between us (NAT-T scenarios); both records name the inside
    # side by its public address before comparing.
    nat = dict(m.split("=", 1) for m in (args.nat or []))
    for rec in ours + peer:
        for k in ("src", "dst"):
            if rec.get(k) in nat:
                rec[k] = nat[rec[k]]
    dirs = {c.get("dir") for c in ours}
    if dirs != {"in", "out"}:
        fail(f"our key log has CHILD_SA directions {sorted(dirs)}, want in and out")
    errors = []
    for c in ours:
        spi = norm(c.get("spi")).rjust(8, "0")
        match = [p for p in peer if norm(p.get("spi")) == spi and p.get("dst") == c.get("dst")
                 and p.get("src") == c.get("src")]
        what = f"our dir={c.get('dir')} SA spi={spi} {c.get('src')}->{c.get('dst')}"
        if not match:
            errors.append(f"{what}: the peer recorded no SA with that spi/src/dst "
                          f"(peer has: {[(p.get('spi'), p.get('src'), p.get('dst')) for p in peer]})")
            continue
        for p in match:
            if norm(c.get("enckey")) != norm(p.get("enckey")):
                errors.append(f"{what}: enckey ours={c.get('enckey')} peer={p.get('enckey')}")
            if norm(c.get("authkey")) != norm(p.get("authkey")):
                errors.append(f"{what}: authkey ours={c.get('authkey')} peer={p.get('authkey')}")
            enc, auth = c.get("enc", ""), c.get("auth", "")
            if enc in ENC_NAMES and p.get("enc") not in ENC_NAMES[enc]:
                errors.append(f"{what}: enc ours={enc} peer={p.get('enc')}")
            if auth in AUTH_NAMES and p.get("auth") not in AUTH_NAMES[auth]:
                errors.append(f"{what}: auth ours={auth} peer={p.get('auth')}")
            if bool(c.get("encap")) != bool(p.get("encap")):
                errors.append(f"{what}: ESP-in-UDP ours={c.get('encap')} peer={p.get('encap')}")
    if errors:
        fail("key comparison failed:\n  " + "\n  ".join(errors))
    print(f"keys equal: {len(ours)} CHILD_SA key log lines matched the peer's {len(peer)} "
          f"recorded SAs (spis {', '.join(sorted(norm(c.get('spi')) for c in ours))})")


def keylogcmp(args):
    _, a = parse_keylog(args.a)
    _, b = parse_keylog(args.b)
    if not a or not b:
        fail(f"no CHILD_SA lines: {args.a}: {len(a)}, {args.b}: {len(b)}")
    if len(a) != len(b):
        fail(f"CHILD_SA counts differ: {args.a}: {len(a)}, {args.b}: {len(b)}")
    errors = []
    for x in a:
        m = [y for y in b if norm(y.get("spi")) == norm(x.get("spi")) and y.get("src") == x.get("src")
             and y.get("dst") == x.get("dst")]
        what = f"spi={x.get('spi')} {x.get('src')}->{x.get('dst')}"
        if not m:
            errors.append(f"{what}: not in {args.b}")
            continue
        y = m[0]
        if {x.get("dir"), y.get("dir")} != {"in", "out"}:
            errors.append(f"{what}: directions {x.get('dir')}/{y.get('dir')}, want in/out")
        for field in ("enc", "enckey", "auth", "authkey"):
            if norm(x.get(field)) != norm(y.get(field)):
                errors.append(f"{what}: {field} {x.get(field)} != {y.get(field)}")
    if errors:
        fail("key logs disagree:\n  " + "\n  ".join(errors))
    print(f"keys equal: {len(a)} CHILD SAs ({', '.join(sorted(norm(x.get('spi')) for x in a))}) "
          f"with the same keys on both sides")


def shimcmp(args):
    a, b = parse_shim(args.a), parse_shim(args.b)
    if not a or not b:
        fail(f"shim logs empty: {args.a}: {len(a)} SAs, {args.b}: {len(b)} SAs")

    def index(sas):
        out = {}
        for s in sas:
            out.setdefault((norm(s.get("spi")), s.get("src"), s.get("dst")), []).append(s)
        return out

    ia, ib = index(a), index(b)
    if set(ia) != set(ib):
        fail(f"SA sets differ: only in A {sorted(set(ia) - set(ib))}, only in B "
             f"{sorted(set(ib) - set(ia))}")
    errors = []
    for key in ia:
        for x in ia[key]:
            for y in ib[key]:
                for field in ("enckey", "authkey", "aeadkey", "enc", "auth", "mode"):
                    if norm(x.get(field)) != norm(y.get(field)):
                        errors.append(f"{key}: {field} A={x.get(field)} B={y.get(field)}")
    if errors:
        fail("shim records differ:\n  " + "\n  ".join(errors))
    print(f"keys equal: {len(ia)} SAs ({', '.join(k[0] for k in sorted(ia))}) identical on both sides")


def _ip_checksum(hdr):
    total = 0
    for i in range(0, len(hdr), 2):
        total += (hdr[i] << 8) | hdr[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def _rewrite_udp(frame, l3, ip_hlen, v6, marker, message):
    """The frame with its UDP payload replaced by [marker +] message, lengths fixed."""
    udp = l3 + ip_hlen
    payload = marker + message
    udp_hdr = bytearray(frame[udp:udp + 8])
    udp_hdr[4:6] = (8 + len(payload)).to_bytes(2, "big")
    udp_hdr[6:8] = b"\0\0"  # no checksum (IPv4); tshark still dissects IPv6 without one
    ip = bytearray(frame[l3:udp])
    if v6:
        ip[4:6] = (8 + len(payload)).to_bytes(2, "big")
    else:
        ip[2:4] = (ip_hlen + 8 + len(payload)).to_bytes(2, "big")
        ip[10:12] = b"\0\0"
        ip[10:12] = _ip_checksum(bytes(ip)).to_bytes(2, "big")
    return frame[:l3] + bytes(ip) + bytes(udp_hdr) + payload


def defrag(args):
    import struct
    data = open(args.pcap_in, "rb").read()
    if len(data) < 24:
        fail(f"{args.pcap_in}: not a pcap file")
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
              b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None or struct.unpack(endian + "I", data[20:24])[0] != 1:
        fail(f"{args.pcap_in}: not a classic Ethernet pcap")
    out = [data[:24]]
    pending = {}
    fragments = messages = 0
    pos = 24
    while pos + 16 <= len(data):
        ts_s, ts_u, incl, orig = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        record = lambda f: out.append(struct.pack(endian + "IIII", ts_s, ts_u, len(f), len(f)) + f)
        ethertype = frame[12:14] if len(frame) >= 14 else b""
        l3 = 14
        if ethertype == b"\x08\x00" and len(frame) >= l3 + 20 and frame[l3 + 9] == 17:
            v6, ip_hlen = False, (frame[l3] & 0x0F) * 4
        elif ethertype == b"\x86\xdd" and len(frame) >= l3 + 40 and frame[l3 + 6] == 17:
            v6, ip_hlen = True, 40
        else:
            record(frame)
            continue
        udp = l3 + ip_hlen
        sport, dport = struct.unpack(">HH", frame[udp:udp + 4])
        body = frame[udp + 8:]
        marker = b""
        if 4500 in (sport, dport) and body[:4] == b"\0\0\0\0":
            marker, body = body[:4], body[4:]
        if 500 not in (sport, dport) and not marker or len(body) < 36 or body[16] != 132:
            record(frame)
            continue
        fragments += 1
        fid, number, flags = struct.unpack(">HBB", body[32:36])
        key = (body[:16], fid)
        parts = pending.setdefault(key, {"parts": {}, "last": 0})
        parts["parts"][number] = body[36:]
        if flags & 1:
            parts["last"] = number
        last = parts["last"]
        if last and all(n in parts["parts"] for n in range(1, last + 1)):
            message = b"".join(parts["parts"][n] for n in range(1, last + 1))
            del pending[key]
            messages += 1
            record(_rewrite_udp(frame, l3, ip_hlen, v6, marker, message))
    with open(args.pcap_out, "wb") as f:
        f.write(b"".join(out))
    print(f"fragments={fragments} messages={messages}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("swan-spis").set_defaults(fn=swan_spis)
    p = sub.add_parser("pluto-spis")
    p.add_argument("--me", required=True)
    p.add_argument("--peer", required=True)
    p.set_defaults(fn=pluto_spis)
    p = sub.add_parser("ours-spis")
    p.add_argument("--me", required=True)
    p.add_argument("result")
    p.set_defaults(fn=ours_spis)
    p = sub.add_parser("ours-established")
    p.add_argument("result")
    p.set_defaults(fn=ours_established)
    p = sub.add_parser("ours-state")
    p.add_argument("result")
    p.set_defaults(fn=ours_state)
    p = sub.add_parser("keylog-spis")
    p.add_argument("--me", required=False)
    p.add_argument("keylog")
    p.set_defaults(fn=keylog_spis)
    p = sub.add_parser("keylog-established")
    p.add_argument("keylog")
    p.set_defaults(fn=keylog_established)
    p = sub.add_parser("keycmp")
    p.add_argument("--ours", required=True)
    p.add_argument("--peer", required=True)
    p.add_argument("--nat", action="append", help="PRIVATE=PUBLIC address seen across a NAT")
    p.set_defaults(fn=keycmp)
    p = sub.add_parser("keylogcmp")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(fn=keylogcmp)
    p = sub.add_parser("shimcmp")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(fn=shimcmp)
    p = sub.add_parser("defrag")
    p.add_argument("pcap_in")
    p.add_argument("pcap_out")
    p.set_defaults(fn=defrag)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
