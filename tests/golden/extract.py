#!/usr/bin/env python3
"""tests/golden/extract.py: turns one golden capture directory into keys.txt, and all of them into
the third-party key-schedule vectors tests/vectors/ikev1_keymat_{strongswan,libreswan}.vec.

    tests/golden/extract.py DIR...     (capture.sh runs it on each new DIR)

Inputs in DIR (written by capture.sh): capture.pcap, charon-<role>.log (strongSwan `ike 4`,
`chd 4`), pluto-<role>.log.xz (libreswan `--debug all,crypt,private`), xfrm-<role>.log (the
xfrm_noop_preload shim's record of each SA a peer handed to the kernel), isakmpd-<role>.keylog
(our daemon's --keylog), notes.md (the PSK).

Where each keys.txt value comes from is written next to it: "capture" (cleartext datagrams),
"decrypted" (datagrams decrypted here with the peer-logged phase-1 key and the RFC 2409 App. B
IV chain), "charon"/"pluto"/"isakmpd" (the daemon's own log), "shim" (XFRM record). Every value
that two sources give is cross-checked here (e.g. charon's HASH_I equals the decrypted HASH
payload, pluto's DH_i equals the KE payload, both shims recorded the same keys), so a keys.txt
is only written when the sources agree. Nothing here is computed with our own code: the point of
these files is to check our code (tests/unit/golden/golden_test.cc) against third parties.
Needs python3-cryptography (AES/3DES-CBC decryption only).
"""
import glob
import hashlib
import lzma
import os
import re
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # older python3-cryptography
    TripleDES = algorithms.TripleDES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# scenario letter -> phase 1 hash, cipher, key bytes, block size; ESP cipher/auth key bytes; PFS
SCENARIOS = {
    "a": dict(hash="SHA1", cipher="AES_CBC", key=16, bs=16, esp_enc="AES_CBC", esp_enc_key=16,
              esp_auth="HMAC_SHA1", esp_auth_key=20, pfs=False),
    "b": dict(hash="SHA2_256", cipher="AES_CBC", key=32, bs=16, esp_enc="AES_CBC", esp_enc_key=32,
              esp_auth="HMAC_SHA2_256", esp_auth_key=32, pfs=True),
    "c": dict(hash="SHA1", cipher="3DES_CBC", key=24, bs=8, esp_enc="3DES_CBC", esp_enc_key=24,
              esp_auth="HMAC_SHA1", esp_auth_key=20, pfs=False),
}
# rsa (Main Mode RSA_SIG + certificates), am (Aggressive Mode PSK), natt (NAT-T through the
# lab's masquerading router): scenario a's algorithms, another authentication/exchange/path.
SCENARIOS["rsa"] = dict(SCENARIOS["a"], auth="RSA_SIG")
SCENARIOS["am"] = dict(SCENARIOS["a"], exchange="AGGRESSIVE")
SCENARIOS["natt"] = dict(SCENARIOS["a"], nat=True)
SCENARIOS["cfg"] = dict(SCENARIOS["a"], modecfg=True)  # + Transaction REQUEST/REPLY
HASHES = {"SHA1": hashlib.sha1, "SHA2_256": hashlib.sha256}
PT_NAMES = {1: "SA", 4: "KE", 5: "ID", 6: "CERT", 7: "CR", 8: "HASH", 9: "SIG", 10: "NONCE",
            11: "N", 12: "D", 13: "VID", 20: "NAT-D"}


class ExtractError(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise ExtractError(msg)


# --- pcap -----------------------------------------------------------------------------------
def read_pcap(path):
    """UDP payloads (src, sport, dst, dport, payload) of a classic pcap (Ethernet, IPv4)."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    need(magic == 0xA1B2C3D4, f"{path}: not a little-endian microsecond pcap")
    linktype = struct.unpack("<I", data[20:24])[0]
    need(linktype == 1, f"{path}: link type {linktype}, want Ethernet")
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17:
            continue
        udp = ip[ihl:]
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        payload = udp[8:ulen]
        if 4500 in (sport, dport):
            if payload[:4] != b"\0\0\0\0":
                continue  # ESP-in-UDP or keepalive
            payload = payload[4:]
        out.append((ip[12:16], sport, ip[16:20], dport, payload))
    return out


# --- ISAKMP ---------------------------------------------------------------------------------
def payloads(first, area):
    """[(type, body, offset_of_generic_header, total_len)] of a payload chain; stops at NONE."""
    res, t, off = [], first, 0
    while t != 0:
        need(off + 4 <= len(area), "payload chain overruns the message")
        nxt, _, plen = struct.unpack("!BBH", area[off:off + 4])
        need(plen >= 4 and off + plen <= len(area), "bad payload length")
        res.append((t, area[off + 4:off + plen], off, plen))
        t, off = nxt, off + plen
    return res


def find(pls, t, n=0):
    got = [p for p in pls if p[0] == t]
    return got[n] if len(got) > n else None


def cbc_decrypt(cipher, key, iv, ct):
    algo = algorithms.AES(key) if cipher == "AES_CBC" else TripleDES(key)
    d = Cipher(algo, modes.CBC(iv)).decryptor()
    return d.update(ct) + d.finalize()


# --- logs -----------------------------------------------------------------------------------
CHARON_HEAD = re.compile(r"\[(\w+)\] <[^>]*> (.+?) => (\d+) bytes @ 0x[0-9a-f]+$")
CHARON_HEX = re.compile(r"\[\w+\] <[^>]*>\s+\d+: ((?:[0-9A-F]{2} ){1,16})")


def charon_blocks(path):
    """[(label, bytes)] of every `%B` dump in a charon log, in order."""
    out, cur = [], None
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        m = CHARON_HEAD.search(line)
        if m:
            cur = [m.group(2), int(m.group(3)), bytearray()]
            out.append(cur)
            continue
        m = CHARON_HEX.search(line)
        if m and cur is not None and len(cur[2]) < cur[1]:
            cur[2] += bytes.fromhex(m.group(1))
            continue
        cur = None
    for b in out:
        need(len(b[2]) == b[1], f"{path}: '{b[0]}' dump has {len(b[2])} of {b[1]} bytes")
    return [(b[0], bytes(b[2])) for b in out]


PLUTO_LINE = re.compile(r"^\w+ +\d+ [\d:.]+: \| (.*)$")
PLUTO_HEX = re.compile(r"^  ((?:[0-9a-f]{2} {1,2}){0,15}[0-9a-f]{2})(?:   |\s*$)")


def pluto_blocks(path):
    """[(label, bytes)]: each debug line followed by hex-dump lines."""
    out, label, buf = [], None, None
    text = lzma.open(path, "rt", encoding="utf-8", errors="replace").read()
    for line in text.split("\n"):
        m = PLUTO_LINE.match(line)
        body = m.group(1) if m else None
        h = PLUTO_HEX.match(body) if body is not None else None
        if h:
            if buf is None:
                buf = bytearray()
            buf += bytes.fromhex(h.group(1).replace(" ", ""))
            continue
        if buf is not None and label is not None:
            out.append((label, bytes(buf)))
        buf = None
        label = body.strip() if body is not None else None
    if buf is not None and label is not None:
        out.append((label, bytes(buf)))
    return out


def first(blocks, pattern, n=0):
    r = re.compile(pattern)
    got = [b for lbl, b in blocks if r.search(lbl)]
    return got[n] if len(got) > n else None


def all_of(blocks, pattern):
    r = re.compile(pattern)
    return [b for lbl, b in blocks if r.search(lbl)]


def shim_records(path):
    recs = {}
    for line in open(path):
        f = dict(re.findall(r"(\w+)=(\S+)", line))
        if line.startswith("SA "):
            recs[f["spi"]] = f
    return recs


# --- one capture ----------------------------------------------------------------------------
class Capture:
    def __init__(self, d):
        self.dir = d
        self.name = os.path.basename(os.path.normpath(d))
        self.ikind, self.rkind, self.scen = self.name.split("-")
        self.s = SCENARIOS[self.scen]
        self.v = {}        # key -> (hex bytes, source)
        self.order = []
        notes = open(os.path.join(d, "notes.md")).read()
        self.psk = re.search(r"- PSK: `([^`]*)`", notes).group(1).encode()
        self.date = re.search(r"Captured (\S+)", notes).group(1)
        self.versions = re.search(r"- packages: (.*)", notes).group(1)

    def put(self, key, value, source):
        need(value is not None, f"{self.name}: no value for {key} ({source})")
        if key in self.v:
            need(self.v[key][0] == value, f"{self.name}: {key} differs: {self.v[key][1]} "
                 f"{self.v[key][0].hex()} vs {source} {value.hex()}")
            return
        self.v[key] = (value, source)
        self.order.append(key)

    def get(self, key):
        return self.v[key][0] if key in self.v else None

    def role_file(self, kind, pattern):
        for role, k in (("initiator", self.ikind), ("responder", self.rkind)):
            if k == kind:
                p = os.path.join(self.dir, pattern.format(role=role))
                return p if os.path.exists(p) else None
        return None

    def run(self):
        s = self.s
        h = HASHES[s["hash"]]
        dgrams = read_pcap(os.path.join(self.dir, "capture.pcap"))
        # Retransmissions (byte-identical datagrams, e.g. pluto resending QM1) carry nothing new
        # and would break the CBC IV chain: only the first copy counts.
        seen, uniq = set(), []
        for d in dgrams:
            if d[4] not in seen:
                seen.add(d[4])
                uniq.append(d)
        self.retransmissions = len(dgrams) - len(uniq)
        dgrams = uniq
        need(len(dgrams) >= (6 if s.get("exchange") == "AGGRESSIVE" else 9),
             f"{self.name}: only {len(dgrams)} IKE datagrams captured")
        init_ip = dgrams[0][0]
        aggressive = s.get("exchange") == "AGGRESSIVE"
        rsa = s.get("auth") == "RSA_SIG"
        p1x = 4 if aggressive else 2
        mm = [d for d in dgrams if d[4][18] == p1x]
        need(len(mm) >= (3 if aggressive else 6), f"{self.name}: {len(mm)} phase-1 datagrams")
        cky_i, cky_r = mm[1][4][0:8], mm[1][4][8:16]
        self.put("CKY_I", cky_i, "capture")
        self.put("CKY_R", cky_r, "capture")
        mm1 = payloads(mm[0][4][16], mm[0][4][28:])
        self.put("SAi_b", find(mm1, 1)[1], "capture MM1" if not aggressive else "capture AM1")
        # Main Mode: KE/NONCE in MM3/MM4; Aggressive Mode: in AM1/AM2 with the IDs, and AM2
        # carries HASH_R in the clear (RFC 2409 §5).
        ke_i, ke_r = (mm[0], mm[1]) if aggressive else (mm[2], mm[3])
        tag_i, tag_r = ("AM1", "AM2") if aggressive else ("MM3", "MM4")
        mm3 = payloads(ke_i[4][16], ke_i[4][28:])
        mm4 = payloads(ke_r[4][16], ke_r[4][28:])
        self.put("g_xi", find(mm3, 4)[1], f"capture {tag_i}")
        self.put("g_xr", find(mm4, 4)[1], f"capture {tag_r}")
        self.put("Ni_b", find(mm3, 10)[1], f"capture {tag_i}")
        self.put("Nr_b", find(mm4, 10)[1], f"capture {tag_r}")
        if aggressive:
            self.put("IDii_b", find(mm3, 5)[1], "capture AM1")
            self.put("IDir_b", find(mm4, 5)[1], "capture AM2")
            self.put("HASH_R", find(mm4, 8)[1], "capture AM2")
        # NAT-D (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port), the peer's address first.
        for tag, pls in (("I", mm3), ("R", mm4)):
            nd = [p[1] for p in pls if p[0] == 20]
            if s.get("nat"):
                need(len(nd) == 2, f"{self.name}: {len(nd)} NAT-D payloads from {tag}")
                self.put(f"NATD_{tag}_Remote", nd[0], f"capture {tag_i if tag == 'I' else tag_r}")
                self.put(f"NATD_{tag}_Local", nd[1], f"capture {tag_i if tag == 'I' else tag_r}")
        if s.get("nat"):
            self.put("Addr_I", init_ip, "capture (the initiator's private address, inside the NAT)")
            self.put("Addr_R", [d for d in dgrams if d[0] != init_ip][0][0],
                     "capture (the responder's address)")
        if not rsa:
            self.put("PSK", self.psk, "notes.md (the configured PSK)")

        # peer logs
        ch = self.role_file("strongswan", "charon-{role}.log")
        pl = self.role_file("libreswan", "pluto-{role}.log.xz")
        kl = self.role_file("isakmpd", "isakmpd-{role}.keylog")
        if ch:
            cb = charon_blocks(ch)
            self.put("g_xy", first(cb, r"^shared Diffie Hellman secret$"), "charon")
            for k in ("SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e"):
                self.put(k, first(cb, rf"^{k}$"), "charon")
            self.put("EncKey", first(cb, r"^encryption key Ka$"), "charon")
            self.put("IV", first(cb, r"^initial IV$"), "charon")
            self.put("HASH_I", first(cb, r"^HASH_I$"), "charon")
            self.put("HASH_R", first(cb, r"^HASH_R$"), "charon")
            self.put("QM_HASH1", first(cb, r"^Hash\(1\)$"), "charon")
            self.put("QM_HASH2", first(cb, r"^Hash\(2\)$"), "charon")
            self.put("QM_HASH3", first(cb, r"^Hash\(3\)$"), "charon")
            if s["pfs"]:
                self.put("QM_g_xy", first(cb, r"^DH secret$"), "charon (chd 4)")
            self.charon_info = all_of(cb, r"^Hash$")
        if pl:
            pb = pluto_blocks(pl)
            if not rsa:
                self.put("PSK", first(pb, r"^PreShared Key$"), "pluto")
            self.put("g_xi", first(pb, r"^DH_i:$"), "pluto")
            self.put("g_xr", first(pb, r"^DH_r:$"), "pluto")
            self.put("Pluto_IV", None if first(pb, r"^new IV hash \S+ final") is None else
                     first(pb, r"^new IV hash \S+ final")[:s["bs"]], "pluto (new IV hash, truncated)")
            pl_role = "I" if self.ikind == "libreswan" else "R"
            if not rsa:
                self.put("Pluto_HASH_" + pl_role,
                         first(pb, rf"^emitting \d+ raw bytes of HASH_{pl_role} "), "pluto")
            self.put("Pluto_QM_HASH1", first(pb, r"HASH\(1\):$"), "pluto")
            self.put("Pluto_QM_HASH2", first(pb, r"HASH\(2\):$"), "pluto")
            self.put("Pluto_QM_HASH3", first(pb, r"HASH\(3\):$"), "pluto")
            self.put("Pluto_QM_IV", first(pb, r"^Phase 2 IV hash \S+ final")[:s["bs"]],
                     "pluto (Phase 2 IV hash, truncated)")
            # KEYMAT: "SPI" dump, Ni_b, Nr_b, ..., "NSS.ikev1_section_5_keymat() returns:"
            self.pluto_keymat = {}
            spi = None
            for lbl, b in pb:
                if lbl == "SPI":
                    spi = b
                elif lbl.startswith("NSS.ikev1_section_5_keymat() returns") and spi is not None:
                    self.pluto_keymat[spi.hex()] = b
                    spi = None
            need(len(self.pluto_keymat) == 2, f"{self.name}: pluto KEYMAT for "
                 f"{len(self.pluto_keymat)} SPIs")
            self.pluto_info = all_of(pb, r"^send delete HASH\(1\):$")
        if kl:
            for line in open(kl):
                f = dict(re.findall(r"(\w+)=(\S+)", line))
                if line.startswith("IKE_SA "):
                    need(bytes.fromhex(f["icookie"]) == cky_i, "isakmpd key log: other cookie")
                    self.put("Isakmpd_EncKey", bytes.fromhex(f["enckey"]), "isakmpd --keylog")
        key = self.get("EncKey") if self.get("EncKey") is not None else self.get("Isakmpd_EncKey")
        need(key is not None and len(key) == s["key"], f"{self.name}: no phase-1 key")
        if self.get("Isakmpd_EncKey") is not None and self.get("EncKey") is not None:
            need(self.get("Isakmpd_EncKey") == self.get("EncKey"),
                 f"{self.name}: our logged key differs from charon's Ka")

        # decrypt (RFC 2409 App. B)
        bs = s["bs"]
        iv = h(self.get("g_xi") + self.get("g_xr")).digest()[:bs]
        if self.get("IV") is not None:
            need(iv == self.get("IV"), f"{self.name}: hash(g^xi|g^xr) != charon's initial IV")
        if self.get("Pluto_IV") is not None:
            need(iv == self.get("Pluto_IV"), f"{self.name}: hash(g^xi|g^xr) != pluto's IV")
        p1_iv, p2_iv, infos, qm, cfgs = iv, {}, [], [], []
        for src, sport, dst, dport, dg in dgrams:
            if not dg[19] & 1:
                continue
            mid = dg[20:24]
            ex = dg[18]
            ct = dg[28:]
            if ex == p1x:
                pt = cbc_decrypt(s["cipher"], key, p1_iv, ct)
                p1_iv = ct[-bs:]
                pls = payloads(dg[16], pt)
                idp = find(pls, 5)
                tag = "I" if src == init_ip else "R"
                what = "decrypted AM3" if aggressive else f"decrypted MM{5 if tag == 'I' else 6}"
                if idp is not None:
                    self.put(f"IDi{tag.lower()}_b", idp[1], what)
                if rsa:
                    cert, sig = find(pls, 6), find(pls, 9)
                    need(cert is not None and sig is not None, f"{self.name}: {what} without CERT+SIG")
                    self.put(f"CERT_{tag}", cert[1], what)
                    self.put(f"SIG_{tag}", sig[1], what)
                    self.check_sig(tag, cert[1], sig[1])
                else:
                    self.put(f"HASH_{tag}", find(pls, 8)[1], what)
                continue
            if "Phase1LastBlock" not in self.v:
                self.put("Phase1LastBlock", p1_iv, "capture (last block of the last MM message)")
            if mid not in p2_iv:
                p2_iv[mid] = h(p1_iv + mid).digest()[:bs]
            pt = cbc_decrypt(s["cipher"], key, p2_iv[mid], ct)
            p2_iv[mid] = ct[-bs:]
            pls = payloads(dg[16], pt)
            need(pls[0][0] == 8, f"{self.name}: exchange {ex} message does not start with HASH")
            end = pls[-1][2] + pls[-1][3]
            after = pt[pls[0][3]:end]
            if ex == 32:
                qm.append((src, mid, pls, after, pt))
            elif ex == 5:
                infos.append((src, mid, pls[0][1], after))
            elif ex == 6:
                cfgs.append((src, mid, pls[0][1], after))
        need(len(qm) == 3, f"{self.name}: {len(qm)} Quick Mode messages")
        mid = qm[0][1]
        self.put("QM_MID", mid, "capture")
        q1, q2, q3 = (x[2] for x in qm)
        self.put("QM_HASH1", find(q1, 8)[1], "decrypted QM1")
        self.put("QM_HASH2", find(q2, 8)[1], "decrypted QM2")
        self.put("QM_HASH3", find(q3, 8)[1], "decrypted QM3")
        self.put("QM1_AfterHash", qm[0][3], "decrypted QM1 (payloads after HASH, no padding)")
        self.put("QM2_AfterHash", qm[1][3], "decrypted QM2 (payloads after HASH, no padding)")
        self.put("QM_Ni_b", find(q1, 10)[1], "decrypted QM1")
        self.put("QM_Nr_b", find(q2, 10)[1], "decrypted QM2")
        need((find(q1, 4) is not None) == s["pfs"], f"{self.name}: QM1 KE presence != PFS")
        if s["pfs"]:
            self.put("QM_g_xi", find(q1, 4)[1], "decrypted QM1")
            self.put("QM_g_xr", find(q2, 4)[1], "decrypted QM2")
        # SPI of each SA payload: 8 (doi, situation) + proposal header 4 + 4-octet SPI
        spi_i = find(q1, 1)[1][8 + 8:8 + 12]
        spi_r = find(q2, 1)[1][8 + 8:8 + 12]
        self.put("SPI_I", spi_i, "decrypted QM1 (initiator's SPI: the SA the responder sends on)")
        self.put("SPI_R", spi_r, "decrypted QM2 (responder's SPI: the SA the initiator sends on)")
        if pl:
            self.put("Pluto_KEYMAT_I", self.pluto_keymat.get(spi_i.hex()), "pluto")
            self.put("Pluto_KEYMAT_R", self.pluto_keymat.get(spi_r.hex()), "pluto")
        for n, (src, imid, ih, iafter) in enumerate(infos):
            sender = "I" if src == init_ip else "R"
            self.put(f"Info{n + 1}_Sender", sender.encode(), "capture")
            self.put(f"Info{n + 1}_MID", imid, "capture")
            self.put(f"Info{n + 1}_AfterHash", iafter, "decrypted")
            self.put(f"Info{n + 1}_HASH", ih, "decrypted")
        # Mode-config (draft-dukes-ike-mode-cfg-02 §3.2): HASH(1) = prf(SKEYID_a, M-ID | ATTR),
        # one M-ID (its own IV chain) for REQUEST and REPLY.
        need(len(cfgs) == (2 if s.get("modecfg") else 0), f"{self.name}: {len(cfgs)} Transaction messages")
        for n, (src, cmid, ch_, cafter) in enumerate(cfgs):
            self.put(f"Cfg{n + 1}_Sender", b"I" if src == init_ip else b"R", "capture")
            self.put(f"Cfg{n + 1}_MID", cmid, "capture")
            self.put(f"Cfg{n + 1}_AfterHash", cafter, "decrypted")
            self.put(f"Cfg{n + 1}_HASH", ch_, "decrypted")
        self.cfgs = cfgs
        if pl:
            for ph in self.pluto_info:
                need(any(ph == x[2] for x in infos), f"{self.name}: pluto delete HASH not on the wire")
        if ch:
            for chh in self.charon_info:
                need(any(chh == x[2] for x in infos + cfgs),
                     f"{self.name}: charon Hash not on the wire")

        # shim records: every peer's record of both SAs must agree
        recs = {}
        for role, kind in (("initiator", self.ikind), ("responder", self.rkind)):
            p = os.path.join(self.dir, f"xfrm-{role}.log")
            if os.path.exists(p):
                for spi, f in shim_records(p).items():
                    keys = (bytes.fromhex(f["enckey"]), bytes.fromhex(f["authkey"]))
                    if spi in recs:
                        need(recs[spi] == keys, f"{self.name}: shims disagree on SPI {spi}")
                    recs[spi] = keys
        for tag, spi in (("I", spi_i), ("R", spi_r)):
            need(spi.hex() in recs, f"{self.name}: no shim record for SPI {spi.hex()}")
            self.put(f"ESP_EncKey_{tag}", recs[spi.hex()][0], "shim")
            self.put(f"ESP_AuthKey_{tag}", recs[spi.hex()][1], "shim")
        if kl:
            for line in open(kl):
                f = dict(re.findall(r"(\w+)=(\S+)", line))
                if line.startswith("CHILD_SA "):
                    tag = "I" if f["spi"] == spi_i.hex() else "R"
                    for field, key in (("EncKey", "enckey"), ("AuthKey", "authkey")):
                        val = bytes.fromhex(f[key])
                        self.put(f"ESP_{field}_{tag}", val, "isakmpd --keylog")
                        self.put(f"Isakmpd_ESP_{field}_{tag}", val, "isakmpd --keylog")
        if pl:
            for tag in "IR":
                km = self.get(f"Pluto_KEYMAT_{tag}")
                need(km == self.get(f"ESP_EncKey_{tag}") + self.get(f"ESP_AuthKey_{tag}"),
                     f"{self.name}: pluto KEYMAT {tag} != shim keys")
        self.infos = infos

    def check_sig(self, tag, cert, sig):
        """RFC 2409 §5.1 RSA_SIG: the SIG payload is the PKCS#1 v1.5 type 1 block of HASH_I/R
        (no DigestInfo); checked with the public key of the certificate in the CERT payload
        (encoding 4, X.509 signature) against the HASH charon logged, and the certificate
        against the committed one of that side."""
        from cryptography import x509
        need(cert[0] == 4, f"{self.name}: CERT encoding {cert[0]}, want 4 (X.509 signature)")
        c = x509.load_der_x509_certificate(cert[1:])
        role = "initiator" if tag == "I" else "responder"
        pem = open(os.path.join(self.dir, f"cert-{role}.pem"), "rb").read()
        need(x509.load_pem_x509_certificate(pem) == c, f"{self.name}: CERT_{tag} != cert-{role}.pem")
        pub = c.public_key().public_numbers()
        n_len = (pub.n.bit_length() + 7) // 8
        need(len(sig) == n_len, f"{self.name}: SIG_{tag} length {len(sig)} != modulus {n_len}")
        block = pow(int.from_bytes(sig, "big"), pub.e, pub.n).to_bytes(n_len, "big")
        want = self.get(f"HASH_{tag}")
        need(want is not None, f"{self.name}: no peer-logged HASH_{tag} to check SIG_{tag} against")
        pad = b"\x00\x01" + b"\xff" * (n_len - 3 - len(want)) + b"\x00" + want
        need(block == pad, f"{self.name}: SIG_{tag} does not verify over charon's HASH_{tag}")

    def header(self):
        tools = {"strongswan": "strongSwan 5.9.8 charon", "libreswan": "libreswan 4.10 pluto",
                 "isakmpd": "our isakmpd (-d -n --keylog)"}
        return (f"{self.name}: {tools[self.ikind]} (initiator) <-> {tools[self.rkind]} "
                f"(responder), captured {self.date} on Debian 12 ({self.versions})")

    def write_keys(self):
        s = self.s
        lines = [f"# Golden capture keys, {self.header()}; extracted by tests/golden/extract.py",
                 "# Each value: <key> = <hex>, preceded by its source. See notes.md.", "",
                 f"Name = {self.name}", f"Auth = {s.get('auth', 'PSK')}",
                 f"Exchange = {s.get('exchange', 'MAIN')}", f"NAT = {1 if s.get('nat') else 0}",
                 f"Hash = {s['hash']}", f"Cipher = {s['cipher']}",
                 f"EncKeyBytes = {s['key']}", f"BlockSize = {s['bs']}", f"EspCipher = {s['esp_enc']}",
                 f"EspEncKeyBytes = {s['esp_enc_key']}", f"EspAuth = {s['esp_auth']}",
                 f"EspAuthKeyBytes = {s['esp_auth_key']}", f"PFS = {1 if s['pfs'] else 0}",
                 f"InfoCount = {len(self.infos)}"]
        for k in self.order:
            val, src = self.v[k]
            lines.append(f"# {src}")
            lines.append(f"{k} = {val.hex()}")
        with open(os.path.join(self.dir, "keys.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")


# --- vectors --------------------------------------------------------------------------------
INPUTS = ["PSK", "Ni_b", "Nr_b", "g_xy", "CKY_I", "CKY_R", "g_xi", "g_xr", "SAi_b", "IDii_b",
          "IDir_b", "Phase1LastBlock", "QM_MID", "QM_Ni_b", "QM_Nr_b", "QM_g_xy", "QM1_AfterHash",
          "QM2_AfterHash", "SPI_I", "SPI_R"]


def vec_block(c, outputs):
    s = c.s
    out = [f"# {c.header()}", f"Name = {c.name}", f"Hash = {s['hash']}",
           f"EncKeyBytes = {s['key']}", f"BlockSize = {s['bs']}"]
    for k in INPUTS:
        if c.get(k) is not None:
            out.append(f"{k} = {c.get(k).hex()}")
    for k, v in outputs:
        if v is not None:
            out.append(f"{k} = {v.hex()}")
    return "\n".join(out) + "\n"


def write_vectors(caps):
    # The key-schedule vectors stay the PSK Main Mode scenarios a, b, c (the others are checked
    # per capture by golden_test.cc).
    third = [c for c in caps if "isakmpd" not in (c.ikind, c.rkind) and c.scen in ("a", "b", "c")]
    sw, ls = [], []
    for c in sorted(third, key=lambda c: (c.scen, c.name)):
        g = c.get
        # strongSwan: what charon logged, plus the ESP keys charon handed to XFRM (KEYMAT =
        # encryption key | authentication key, RFC 2409 §5.5 / RFC 4303 order).
        role = "initiator" if c.ikind == "strongswan" else "responder"
        shim = shim_records(os.path.join(c.dir, f"xfrm-{role}.log"))
        km = {t: bytes.fromhex(shim[g(f"SPI_{t}").hex()]["enckey"]) +
              bytes.fromhex(shim[g(f"SPI_{t}").hex()]["authkey"]) for t in "IR"}
        sw.append(vec_block(c, [("SKEYID", g("SKEYID")), ("SKEYID_d", g("SKEYID_d")),
                                ("SKEYID_a", g("SKEYID_a")), ("SKEYID_e", g("SKEYID_e")),
                                ("EncKey", g("EncKey")), ("IV", g("IV")), ("HASH_I", g("HASH_I")),
                                ("HASH_R", g("HASH_R")), ("QM_HASH1", g("QM_HASH1")),
                                ("QM_HASH2", g("QM_HASH2")), ("QM_HASH3", g("QM_HASH3")),
                                ("KEYMAT_I", km["I"]), ("KEYMAT_R", km["R"])]))
        pl_role = "I" if c.ikind == "libreswan" else "R"
        ls.append(vec_block(c, [("IV", g("Pluto_IV")), (f"HASH_{pl_role}", g(f"Pluto_HASH_{pl_role}")),
                                ("QM_IV", g("Pluto_QM_IV")), ("QM_HASH1", g("Pluto_QM_HASH1")),
                                ("QM_HASH2", g("Pluto_QM_HASH2")), ("QM_HASH3", g("Pluto_QM_HASH3")),
                                ("KEYMAT_I", g("Pluto_KEYMAT_I")), ("KEYMAT_R", g("Pluto_KEYMAT_R"))]))
    dates = sorted({c.date[:10] for c in third})
    common = ("Fields: inputs PSK Ni_b Nr_b g_xy CKY_I CKY_R g_xi g_xr SAi_b IDii_b IDir_b "
              "(bodies from the capture, decrypted with the peer-logged key), Phase1LastBlock, QM_MID "
              "QM_Ni_b QM_Nr_b [QM_g_xy] QM1_AfterHash QM2_AfterHash (the decrypted QM1/QM2 "
              "payloads after HASH, padding excluded) SPI_I SPI_R (initiator's / responder's ESP "
              "SPI); outputs as listed. KEYMAT_I keys the SA with SPI_I.")
    with open(os.path.join(ROOT, "tests/vectors/ikev1_keymat_strongswan.vec"), "w") as f:
        f.write("# strongSwan 5.9.8 charon (Debian 12 libstrongswan 5.9.8-5+deb12u6), IKEv1 PSK Main "
                "Mode + Quick Mode against libreswan 4.10 pluto in network namespaces, captured "
                f"{', '.join(dates)} by tests/golden/capture.sh; outputs = charon's `ike 4`/`chd 4` "
                "log (SKEYID*, encryption key Ka, initial IV, HASH_I/HASH_R, Hash(1..3)) and the ESP "
                "keys charon handed to XFRM (xfrm_noop_preload record), KEYMAT = enc key | auth key\n")
        f.write(f"# {common}\n# Generated by tests/golden/extract.py from tests/golden/*/ -- do not edit.\n")
        for b in sw:
            f.write("\n" + b)
    with open(os.path.join(ROOT, "tests/vectors/ikev1_keymat_libreswan.vec"), "w") as f:
        f.write("# libreswan 4.10 pluto (Debian 12 libreswan 4.10-2+deb12u1), IKEv1 PSK Main Mode + "
                "Quick Mode against strongSwan 5.9.8 charon in network namespaces, captured "
                f"{', '.join(dates)} by tests/golden/capture.sh; outputs = pluto's `--debug "
                "crypt,private` log (phase-1 IV, the HASH_I/HASH_R it emitted, HASH(1..3), Phase 2 IV, "
                "section 5 KEYMAT per SPI); g_xy is charon's log of the same session (pluto keeps it "
                "in an NSS PK11SymKey and never prints it)\n")
        f.write(f"# {common}\n# Generated by tests/golden/extract.py from tests/golden/*/ -- do not edit.\n")
        for b in ls:
            f.write("\n" + b)


def main(argv):
    dirs = argv[1:]
    for d in dirs:
        c = Capture(d)
        c.run()
        c.write_keys()
        print(f"extract: {c.name}: keys.txt ({len(c.order)} values)")
    caps = []
    for d in sorted(glob.glob(os.path.join(HERE, "*-*-*/"))):
        if os.path.exists(os.path.join(d, "capture.pcap")):
            c = Capture(d)
            c.run()
            caps.append(c)
    write_vectors(caps)
    print(f"extract: vectors from {len(caps)} captures")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ExtractError as e:
        print(f"extract: ERROR: {e}", file=sys.stderr)
        sys.exit(1)
