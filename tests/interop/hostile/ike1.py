# tests/interop/hostile/ike1.py: just enough IKEv1 (RFC 2408/2409) in Python to reach the
# encrypted states of a responder: Main Mode with a pre-shared key, MODP2048 (python ints),
# HMAC-SHA1 as PRF, AES-128-CBC (the `cryptography` module), and the phase-2 style protection
# of Informational and Quick Mode messages (HASH(1), IV = hash(last phase-1 IV | M-ID)).
# Raw bytes are built with struct so that every field can be broken on purpose; the payload
# helpers take explicit next-payload/length overrides for that. Used by corpus.py (the hostile
# generators), cves.py (named CVE sequences) and hostile.py (prober + runner).
import hashlib
import hmac
import os
import socket
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# RFC 2408 §3.1 payload types
SA, P, T, KE, ID, CERT, CR, HASH, SIG, NONCE, N, D, VID = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
NAT_D, NAT_OA = 20, 21
EXCH_BASE, EXCH_MM, EXCH_AUTH_ONLY, EXCH_AM, EXCH_INFO, EXCH_TRANS, EXCH_QM = 1, 2, 3, 4, 5, 6, 32
FLAG_ENC, FLAG_COMMIT, FLAG_AUTH = 1, 2, 4
DPD_VID = bytes.fromhex("afcad71368a1f1c96b8696fc77570100")
NATT_VID = bytes.fromhex("4a131c81070358455c5728f20e95452f")  # RFC 3947
R_U_THERE, R_U_THERE_ACK = 36136, 36137

# RFC 3526 group 14
MODP2048 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)


def tv(attr, value):
    """RFC 2408 §3.3 data attribute, TV form (AF=1)."""
    return struct.pack("!HH", 0x8000 | attr, value)


def tlv(attr, value):
    return struct.pack("!HH", attr & 0x7FFF, len(value)) + value


def payload(np, body, length=None, reserved=0):
    """Generic payload header (RFC 2408 §3.2) + body; `length` overrides the length field."""
    ln = len(body) + 4 if length is None else length
    return struct.pack("!BBH", np, reserved, ln & 0xFFFF) + body


def chain(items, first_np_out=None):
    """items: [(type, body)]; returns (first type, bytes) with next-payload fields chained."""
    out = b""
    for i, (_, body) in enumerate(items):
        np = items[i + 1][0] if i + 1 < len(items) else 0
        out += payload(np, body)
    return (items[0][0] if items else 0), out


def header(icky, rcky, np, exch, flags, mid, length, version=0x10):
    return icky + rcky + struct.pack("!BBBBII", np, version, exch, flags, mid, length)


def message(icky, rcky, exch, items, flags=0, mid=0, version=0x10):
    np, body = chain(items)
    return header(icky, rcky, np, exch, flags, mid, 28 + len(body), version) + body


def ike_transform(num=1, enc=7, keylen=128, hash_alg=2, auth=1, group=14, life=3600, extra=b""):
    attrs = tv(1, enc) + (tv(14, keylen) if keylen else b"") + tv(2, hash_alg) + tv(3, auth)
    attrs += tv(4, group) + tv(11, 1) + tv(12, life) + extra
    return struct.pack("!BBH", num, 1, 0) + attrs  # transform #, KEY_IKE, reserved


def proposal(num=1, proto=1, spi=b"", transforms=(), count=None):
    body = b""
    for i, t in enumerate(transforms):
        body += payload(T if i + 1 < len(transforms) else 0, t)
    n = len(transforms) if count is None else count
    return struct.pack("!BBBB", num, proto, len(spi), n) + spi + body


def sa_body(proposals, doi=1, situation=1):
    out = struct.pack("!II", doi, situation)
    for i, p in enumerate(proposals):
        out += payload(P if i + 1 < len(proposals) else 0, p)
    return out


def default_sa_body():
    return sa_body([proposal(transforms=[ike_transform()])])


def id_body(id_type=1, data=b"\x0a\x63\x01\x03", proto=0, port=0):
    return struct.pack("!BBH", id_type, proto, port) + data


def notify_body(ntype, spi=b"", data=b"", doi=1, proto=1):
    return struct.pack("!IBBH", doi, proto, len(spi), ntype) + spi + data


def delete_body(spis, spi_size=16, proto=1, doi=1, count=None):
    n = len(spis) if count is None else count
    return struct.pack("!IBBH", doi, proto, spi_size, n) + b"".join(spis)


def prf(key, data):
    return hmac.new(key, data, hashlib.sha1).digest()


def aes_cbc(key, iv, data, decrypt=False):
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def pad16(data):
    return data + b"\x00" * ((16 - len(data) % 16) % 16)


def parse_payloads(np, data):
    """Lenient walk for our own use: [(type, body)]; stops at the first bad length."""
    out = []
    while np and len(data) >= 4:
        nxt, _, ln = struct.unpack("!BBH", data[:4])
        if ln < 4 or ln > len(data):
            break
        out.append((np, data[4:ln]))
        np, data = nxt, data[ln:]
    return out


class Peer:
    """A UDP socket bound to (addr, port) talking to the target."""

    def __init__(self, local, target, port=500, lport=0, marker=False):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((local, lport))
        self.target = (target, port)
        self.marker = marker
        self.sent = 0

    def send(self, data):
        self.s.sendto((b"\0\0\0\0" + data) if self.marker else data, self.target)
        self.sent += 1

    def recv(self, timeout):
        self.s.settimeout(max(timeout, 0.001))
        try:
            data, _ = self.s.recvfrom(65535)
        except (socket.timeout, BlockingIOError):
            return None
        return data[4:] if self.marker and data[:4] == b"\0\0\0\0" else data

    def recv_for(self, icky, timeout, exch=None):
        """The next datagram for our initiator cookie (optionally of an exchange type)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            d = self.recv(left)
            if d and len(d) >= 28 and d[:8] == icky and (exch is None or d[18] == exch):
                return d

    def drain(self):
        """Discards every datagram already queued (non-blocking)."""
        n = 0
        self.s.setblocking(False)
        try:
            while True:
                self.s.recvfrom(65535)
                n += 1
        except (BlockingIOError, socket.timeout):
            pass
        return n

    def close(self):
        self.s.close()


def mm1(icky=None, sa=None, vids=(DPD_VID,)):
    icky = icky or os.urandom(8)
    items = [(SA, sa if sa is not None else default_sa_body())] + [(VID, v) for v in vids]
    return icky, message(icky, b"\0" * 8, EXCH_MM, items)


class Session:
    """A Main Mode PSK initiator session; after establish(): skeyid_*, enc key, IV chain."""

    def __init__(self, peer, psk, my_ip="10.99.1.3"):
        self.peer, self.psk, self.my_ip = peer, psk, my_ip
        self.icky = os.urandom(8)
        self.rcky = b"\0" * 8
        self.sa_b = default_sa_body()
        self.x = int.from_bytes(os.urandom(32), "big")
        self.gx = pow(2, self.x, MODP2048).to_bytes(256, "big")
        self.ni = os.urandom(16)
        self.established = False
        self.msgs = {}

    def step12(self, timeout=3.0):
        """MM1 -> MM2: the responder cookie (a half-open exchange)."""
        _, m = mm1(self.icky, self.sa_b)
        self.msgs[1] = m
        self.peer.send(m)
        r = self.peer.recv_for(self.icky, timeout, EXCH_MM)
        if r is None:
            raise RuntimeError("no MM2")
        self.rcky = r[8:16]
        return self

    def step34(self, timeout=3.0, ke=None, nonce=None, extra=()):
        """MM3 -> MM4: keys derived (a session ready for MM5)."""
        items = [(KE, self.gx if ke is None else ke), (NONCE, self.ni if nonce is None else nonce)]
        m3 = message(self.icky, self.rcky, EXCH_MM, items + list(extra))
        self.msgs[3] = m3
        self.peer.send(m3)
        r = self.peer.recv_for(self.icky, timeout, EXCH_MM)
        if r is None:
            raise RuntimeError("no MM4")
        pl = dict(parse_payloads(r[16], r[28:]))
        gy, nr = pl[KE], pl[NONCE]
        self.gy = gy
        gxy = pow(int.from_bytes(gy, "big"), self.x, MODP2048).to_bytes(256, "big")
        ck = self.icky + self.rcky
        # RFC 2409 §5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b) and the three derived keys.
        self.skeyid = prf(self.psk, self.ni + nr)
        self.skeyid_d = prf(self.skeyid, gxy + ck + b"\0")
        self.skeyid_a = prf(self.skeyid, self.skeyid_d + gxy + ck + b"\1")
        self.skeyid_e = prf(self.skeyid, self.skeyid_a + gxy + ck + b"\2")
        self.key = self.skeyid_e[:16]
        self.iv = hashlib.sha1(self.gx + gy).digest()[:16]  # RFC 2409 Appendix B
        return self

    def msgs_mm1(self):
        return self.msgs.get(1) or mm1(self.icky, self.sa_b)[1]

    def msgs_mm3(self):
        return message(self.icky, self.rcky, EXCH_MM, [(KE, self.gx), (NONCE, self.ni)])

    def hash_i(self, idb):
        # RFC 2409 §5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
        return prf(self.skeyid, self.gx + self.gy + self.icky + self.rcky + self.sa_b + idb)

    def mm5(self, items=None):
        """The MM5 datagram (ID + HASH_I unless `items` replaces them); advances the IV."""
        if items is None:
            idb = id_body(1, socket.inet_aton(self.my_ip))
            items = [(ID, idb), (HASH, self.hash_i(idb))]
        m5 = self.encrypted(EXCH_MM, items, mid=0, phase1=True)
        self.msgs[5] = m5
        return m5

    def step56(self, timeout=3.0):
        self.peer.send(self.mm5())
        r = self.peer.recv_for(self.icky, timeout, EXCH_MM)
        if r is None or not r[19] & FLAG_ENC:
            raise RuntimeError("no MM6")
        self.iv = r[-16:]
        self.phase1_iv = self.iv
        self.established = True
        return self

    def establish(self, timeout=3.0):
        return self.step12(timeout).step34(timeout).step56(timeout)

    def encrypt_raw(self, plain, iv):
        return aes_cbc(self.key, iv, pad16(plain))

    def encrypted(self, exch, items, mid, phase1=False, flags=FLAG_ENC, iv=None):
        """Header + encrypted payload chain; updates the phase-1 IV chain for phase-1 msgs."""
        np, body = chain(items)
        if iv is None:
            iv = self.iv if phase1 else self.p2_iv(mid)
        ct = self.encrypt_raw(body, iv)
        if phase1:
            self.iv = ct[-16:]
        return header(self.icky, self.rcky, np, exch, flags, mid, 28 + len(ct)) + ct

    def p2_iv(self, mid):
        # RFC 2409 Appendix B: IV of a phase-2 exchange = hash(last phase-1 CBC block | M-ID).
        return hashlib.sha1(self.phase1_iv + struct.pack("!I", mid)).digest()[:16]

    def hash1(self, mid, body):
        return prf(self.skeyid_a, struct.pack("!I", mid) + body)

    def protected(self, exch, items, mid=None, hash_value=None, hash_len=None):
        """Informational/QM message with HASH(1) = prf(SKEYID_a, M-ID | rest) (RFC 2409 §5.5)."""
        mid = mid if mid is not None else struct.unpack("!I", os.urandom(4))[0] | 1
        _, rest = chain(items)
        h = hash_value if hash_value is not None else self.hash1(mid, rest)
        if hash_len is not None:
            h = (h * 4)[:hash_len]
        return self.encrypted(exch, [(HASH, h)] + list(items), mid)

    def decrypt_reply(self, data, mid):
        ct = data[28:]
        if len(ct) % 16:
            return []
        plain = aes_cbc(self.key, self.p2_iv(mid), ct, decrypt=True)
        return parse_payloads(data[16], plain)

    def dpd_alive(self, timeout=1.0, seq=None):
        """R-U-THERE (RFC 3706) with a valid HASH(1); True if an R-U-THERE-ACK comes back."""
        seq = seq if seq is not None else struct.unpack("!I", os.urandom(4))[0] & 0x7FFFFFFF
        n = notify_body(R_U_THERE, self.icky + self.rcky, struct.pack("!I", seq))
        mid = struct.unpack("!I", os.urandom(4))[0] | 1
        self.peer.send(self.protected(EXCH_INFO, [(N, n)], mid=mid))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.peer.recv_for(self.icky, end - time.monotonic(), EXCH_INFO)
            if r is None:
                return False
            rmid = struct.unpack("!I", r[20:24])[0]
            for t, b in self.decrypt_reply(r, rmid):
                if t == N and len(b) >= 8 and struct.unpack("!H", b[6:8])[0] == R_U_THERE_ACK:
                    return True
        return False
