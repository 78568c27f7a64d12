# tests/interop/hostile/corpus.py: the malformed-packet corpus, one generator per bad-input class
# of the shared reliability notes §A1.6 that applies to an IKEv1 responder (classes 1-17, 19, 21;
# 18 floods belong to the flood tests, 20 local control input to the FIFO/config fuzzers, 22
# output-side mistakes to the XFRM unit tests). Every case is a Case(cls, name, build, check):
# build(ctx) returns the datagrams to send (ctx gives fresh half-open or established Main Mode
# sessions with the target, see hostile.py); check(ctx, replies) returns an error text or None
# for the cases that assert more than liveness (class 13: the ISAKMP SA survives unauthenticated
# DELETEs; class 16: duplicates get no more answers than requests; class 21: no weak proposal is
# accepted). Pre-auth cases are plain bytes and are also sent to 4500 with and without the
# non-ESP marker; session cases go to 500 from the session's socket.
import os
import socket
import struct

from ike1 import (CERT, CR, D, EXCH_AM, EXCH_INFO, EXCH_MM, EXCH_QM, EXCH_TRANS, FLAG_ENC, HASH,
                  ID, KE, MODP2048, N, NONCE, P, R_U_THERE, SA, SIG, T, VID, default_sa_body,
                  delete_body, header, id_body, ike_transform, message, notify_body, payload,
                  proposal, sa_body, tlv, tv)


class Case:
    def __init__(self, cls, name, build, check=None, session=False):
        self.cls, self.name, self.build, self.check, self.session = cls, name, build, check, session


def rnd():
    return os.urandom(8)


Z8 = b"\0" * 8


def raw(cls, name, data):
    return Case(cls, name, lambda ctx, d=data: [d])


def mm1_with(sa=None, items=None, icky=None, rcky=Z8, exch=EXCH_MM, flags=0, version=0x10):
    its = [(SA, sa if sa is not None else default_sa_body())] if items is None else items
    return message(icky or rnd(), rcky, exch, its, flags=flags, version=version)


def hdr_np(data, np):
    return data[:16] + bytes([np]) + data[17:]


def class1():
    good = mm1_with()
    out = [raw(1, "empty-datagram", b""), raw(1, "1-byte", b"\x01"), raw(1, "8-bytes", rnd()),
           raw(1, "27-bytes", good[:27]), raw(1, "header-only-len-0", good[:24] + b"\0\0\0\0"),
           raw(1, "len-27", good[:24] + struct.pack("!I", 27) + good[28:])]
    for name, ln in (("len-datagram-plus-1", len(good) + 1), ("len-datagram-minus-1", len(good) - 1),
                     ("len-65535", 65535), ("len-0xffffffff", 0xFFFFFFFF), ("len-28-with-body", 28)):
        out.append(raw(1, name, good[:24] + struct.pack("!I", ln) + good[28:]))
    big = mm1_with(items=[(SA, default_sa_body()), (VID, b"\xaa" * 20000)])
    out.append(raw(1, "20k-datagram", big))
    out.append(raw(1, "header-only-np-sa", header(rnd(), Z8, SA, EXCH_MM, 0, 0, 28)))
    return out


def class2():
    sa = default_sa_body()
    base = rnd() + Z8
    def m(body):
        return header(base[:8], Z8, SA, EXCH_MM, 0, 0, 28 + len(body)) + body
    out = []
    for ln in (0, 1, 3, len(sa) + 5, 0xFFFF):
        out.append(raw(2, f"sa-len-{ln}", m(payload(0, sa, length=ln))))
    out.append(raw(2, "second-payload-len-0", m(payload(VID, sa) + payload(0, b"x" * 8, length=0))))
    out.append(raw(2, "chain-continues-past-end", m(payload(VID, sa))))
    out.append(raw(2, "trailing-nonzero-bytes", m(payload(0, sa) + b"\x01\x02\x03\x04\x05")))
    out.append(raw(2, "len-4-empty-sa", m(payload(0, b""))))
    out.append(raw(2, "truncated-mid-payload", m(payload(0, sa))[:-7]))
    out.append(raw(2, "vid-len-0-loop", m(payload(VID, sa) + payload(VID, b"", length=0) * 3)))
    return out


def class3():
    t = ike_transform()
    def sa_of(prop_bytes_np0):
        return struct.pack("!II", 1, 1) + prop_bytes_np0
    out = [
        raw(3, "proposal-len-7", mm1_with(sa_of(payload(0, proposal(transforms=[t]), length=7)))),
        raw(3, "spi-size-255", mm1_with(sa_of(payload(0, struct.pack("!BBBB", 1, 1, 255, 1) + b"\0" * 8)))),
        raw(3, "transform-count-255", mm1_with(sa_body([proposal(transforms=[t], count=255)]))),
        raw(3, "attr-tlv-len-65535", mm1_with(sa_body([proposal(transforms=[
            struct.pack("!BBH", 1, 1, 0) + tv(1, 7) + struct.pack("!HH", 12, 0xFFFF) + b"\0\0"])]))),
        raw(3, "attr-truncated", mm1_with(sa_body([proposal(transforms=[t + b"\x80"])]))),
        raw(3, "200-proposals", mm1_with(sa_body([proposal(num=i + 1, transforms=[t]) for i in range(200)]))),
        raw(3, "100-transforms", mm1_with(sa_body([proposal(transforms=[
            ike_transform(num=(i % 255) + 1) for i in range(100)])]))),
        raw(3, "transform-len-5", mm1_with(sa_body([struct.pack("!BBBB", 1, 1, 0, 1) + payload(0, t, length=5)]))),
        raw(3, "sa-len-8-doi-only", mm1_with(struct.pack("!I", 1))),
        raw(3, "cert-req-len-4", mm1_with(items=[(SA, default_sa_body()), (CR, b"")])),
        raw(3, "delete-65535-spis", mm1_with(items=[(SA, default_sa_body()), (D, delete_body([rnd() * 2], count=65535))])),
        raw(3, "notify-spi-size-255", mm1_with(items=[(SA, default_sa_body()),
                                                      (N, struct.pack("!IBBH", 1, 1, 255, 24578) + b"\0" * 4)])),
    ]
    return out


def class4():
    t = ike_transform()
    dup = struct.pack("!BBH", 1, 1, 0) + tv(1, 7) + tv(1, 5) + tv(14, 128) + tv(2, 2) + tv(3, 1) + tv(4, 14)
    tlv_misuse = struct.pack("!BBH", 1, 1, 0) + tlv(1, b"\0\0\0\x07") + tv(14, 128) + tv(2, 2) + tv(3, 1) + tv(4, 14)
    return [
        raw(4, "phase1-spi-size-4", mm1_with(sa_body([proposal(spi=b"\1\2\3\4", transforms=[t])]))),
        raw(4, "proposal-numbers-2-1", mm1_with(sa_body([proposal(num=2, transforms=[t]), proposal(num=1, transforms=[t])]))),
        raw(4, "transform-count-2-have-1", mm1_with(sa_body([proposal(transforms=[t], count=2)]))),
        raw(4, "transform-count-0", mm1_with(sa_body([proposal(transforms=[t], count=0)]))),
        raw(4, "duplicate-enc-attr", mm1_with(sa_body([proposal(transforms=[dup])]))),
        raw(4, "tlv-for-tv-attr", mm1_with(sa_body([proposal(transforms=[tlv_misuse])]))),
        raw(4, "protocol-id-248", mm1_with(sa_body([proposal(proto=248, transforms=[t])]))),
        raw(4, "protocol-esp-in-phase1", mm1_with(sa_body([proposal(proto=3, spi=b"\1\2\3\4", transforms=[t])]))),
        raw(4, "transform-id-0", mm1_with(sa_body([proposal(transforms=[b"\x01\x00" + t[2:]])]))),
        raw(4, "doi-0", mm1_with(sa_body([proposal(transforms=[t])], doi=0))),
        raw(4, "situation-secrecy", mm1_with(sa_body([proposal(transforms=[t])], situation=2))),
        raw(4, "no-proposals", mm1_with(sa_body([]))),
    ]


def class5():
    good = mm1_with()
    out = []
    for np in (14, 19, 33, 34, 48, 128, 130, 132, 200, 255):
        out.append(raw(5, f"next-payload-{np}", mm1_with(items=[(SA, default_sa_body()), (np, b"\0" * 12)])))
    out.append(raw(5, "first-payload-130", hdr_np(good, 130)))
    out.append(raw(5, "reserved-nonzero", header(rnd(), Z8, SA, EXCH_MM, 0, 0, 28 + 4 + len(default_sa_body()))
                   + payload(0, default_sa_body(), reserved=0xFF)))
    out.append(raw(5, "flags-unknown-bits", mm1_with(flags=0xF8)))
    out.append(raw(5, "version-2.0", mm1_with(version=0x20)))
    out.append(raw(5, "version-1.1", mm1_with(version=0x11)))
    out.append(raw(5, "exchange-ike-sa-init-34", mm1_with(exch=34)))
    out.append(raw(5, "exchange-0", mm1_with(exch=0)))
    out.append(raw(5, "exchange-255", mm1_with(exch=255)))
    out.append(raw(5, "vid-before-sa", mm1_with(items=[(VID, b"x" * 16), (SA, default_sa_body())])))
    out.append(raw(5, "ke-in-mm1", mm1_with(items=[(SA, default_sa_body()), (KE, b"\2" * 256)])))
    return out


def half_open_then(items_fn):
    """Build function: a fresh half-open exchange (after MM2), then items_fn(s) as MM3."""
    def build(ctx):
        s = ctx.half_open()
        return [message(s.icky, s.rcky, EXCH_MM, items_fn(s))] if s else []
    return build


def at_mm4_then(items_fn, enc=True):
    """Build function: a session that got MM4 (keys known), then an encrypted MM5 of items_fn."""
    def build(ctx):
        s = ctx.at_mm4()
        if not s:
            return []
        items = items_fn(s)
        return [s.mm5(items)] if enc else [message(s.icky, s.rcky, EXCH_MM, items)]
    return build


def sess(cls, name, build, check=None):
    return Case(cls, name, build, check, session=True)


def my_id(s):
    return id_body(1, socket.inet_aton(s.my_ip))


def class6():
    am = lambda items: mm1_with(items=items, exch=EXCH_AM)
    ke, nonce, idb = (KE, b"\2" * 256), (NONCE, b"n" * 16), (ID, id_body(2, b"x.example"))
    return [
        raw(6, "mm1-without-sa", mm1_with(items=[(VID, b"v" * 16)])),
        raw(6, "mm1-no-payloads", header(rnd(), Z8, 0, EXCH_MM, 0, 0, 28)),
        raw(6, "am1-without-ke", am([(SA, default_sa_body()), nonce, idb])),
        raw(6, "am1-without-nonce", am([(SA, default_sa_body()), ke, idb])),
        raw(6, "am1-without-id", am([(SA, default_sa_body()), ke, nonce])),
        raw(6, "am1-without-sa", am([ke, nonce, idb])),
        sess(6, "mm3-without-ke", half_open_then(lambda s: [(NONCE, s.ni)])),
        sess(6, "mm3-without-nonce", half_open_then(lambda s: [(KE, s.gx)])),
        sess(6, "mm3-empty", half_open_then(lambda s: [])),
        sess(6, "mm5-without-hash", at_mm4_then(lambda s: [(ID, my_id(s))])),
        sess(6, "mm5-without-id", at_mm4_then(lambda s: [(HASH, s.hash_i(my_id(s)))])),
        sess(6, "info-hash-only", lambda ctx: [ctx.session().protected(EXCH_INFO, [])]),
        sess(6, "qm1-hash-only", lambda ctx: [ctx.session().protected(EXCH_QM, [])]),
    ]


def attr_mm1(**kw):
    return mm1_with(sa_body([proposal(transforms=[ike_transform(**kw)])]))


def class7():
    t_hdr = struct.pack("!BBH", 1, 1, 0)
    return [
        raw(7, "enc-0", attr_mm1(enc=0)), raw(7, "enc-65000", attr_mm1(enc=65000)),
        raw(7, "aes-keylen-0", attr_mm1(keylen=0)), raw(7, "aes-keylen-1", attr_mm1(keylen=1)),
        raw(7, "aes-keylen-65535", attr_mm1(keylen=65535)), raw(7, "hash-99", attr_mm1(hash_alg=99)),
        raw(7, "auth-gssapi-65001", attr_mm1(auth=65001)), raw(7, "auth-0", attr_mm1(auth=0)),
        raw(7, "group-0", attr_mm1(group=0)), raw(7, "group-1025", attr_mm1(group=1025)),
        raw(7, "group-65535", attr_mm1(group=65535)), raw(7, "life-0", attr_mm1(life=0)),
        raw(7, "life-type-3", mm1_with(sa_body([proposal(transforms=[t_hdr + tv(1, 7) + tv(14, 128) + tv(2, 2)
                                                                      + tv(3, 1) + tv(4, 14) + tv(11, 3) + tv(12, 60)])]))),
        raw(7, "life-tlv-huge", mm1_with(sa_body([proposal(transforms=[t_hdr + tv(1, 7) + tv(14, 128) + tv(2, 2)
                                                                        + tv(3, 1) + tv(4, 14) + tv(11, 1) + tlv(12, b"\xff" * 64)])]))),
        raw(7, "unknown-attr-0x7fff", attr_mm1(extra=tv(0x7FFF, 0xFFFF))),
        raw(7, "group-type-ec2n-private", attr_mm1(group=14, extra=tv(5, 3) + tlv(6, b"\xff" * 32))),
    ]


def class8():
    p = MODP2048
    vals = {"zero": b"\0" * 256, "one": (1).to_bytes(256, "big"), "p-1": (p - 1).to_bytes(256, "big"),
            "p": p.to_bytes(256, "big"), "p+1-257-bytes": (p + 1).to_bytes(257, "big"),
            "255-bytes": b"\x11" * 255, "empty": b"", "1000-bytes": b"\x22" * 1000, "1-byte": b"\2",
            "all-ff": b"\xff" * 256, "4000-bytes": b"\x33" * 4000}
    return [sess(8, f"ke-{k}", half_open_then(lambda s, v=v: [(KE, v), (NONCE, s.ni)])) for k, v in vals.items()]


def mm5_id(idb):
    return at_mm4_then(lambda s: [(ID, idb), (HASH, s.hash_i(idb))])


def class9():
    ids = {"fqdn": id_body(2, b"attacker.example"), "ipv4-0.0.0.0": id_body(1, b"\0\0\0\0"),
           "der-dn-garbage": id_body(9, b"\x30\x84\xff\xff\xff\xff\x31"), "zero-length": id_body(1, b""),
           "type-0": id_body(0, b"abcd"), "type-255": id_body(255, b"abcd"), "ipv4-3-bytes": id_body(1, b"\x0a\x63\x01"),
           "ipv6-4-bytes": id_body(5, b"\x0a\x63\x01\x03"), "subnet-bad-mask": id_body(4, b"\x0a\x63\x01\x03\xff\x00\xff\x00"),
           "fqdn-2000": id_body(2, b"a" * 2000), "range-reversed": id_body(7, b"\x0a\x63\x01\x09\x0a\x63\x01\x01")}
    return [sess(9, f"mm5-id-{k}", mm5_id(v)) for k, v in ids.items()]


def class10():
    cert = lambda enc, data: struct.pack("!B", enc) + data
    out = []
    for k, v in {"garbage": b"\x01\x02\x03", "truncated-der": b"\x30\x82\x04\x00\x30\x82",
                 "huge-len": b"\x30\x84\xff\xff\xff\xff", "empty": b"", "choice-a0": b"\xa0\x03\x02\x01\x05"}.items():
        out.append(sess(10, f"mm5-cert-{k}", at_mm4_then(
            lambda s, v=v: [(ID, my_id(s)), (CERT, cert(4, v)), (HASH, s.hash_i(my_id(s)))])))
    for k, v in {"cr-garbage-dn": cert(4, b"\x30\x05\x31\x03\x06\x01"), "cr-empty": b"",
                 "cr-encoding-255": cert(255, b"xyz"), "cr-huge-dn-len": cert(4, b"\x30\x84\x7f\xff\xff\xff")}.items():
        out.append(raw(10, f"mm1-{k}", mm1_with(items=[(SA, default_sa_body()), (CR, v)])))
    out.append(sess(10, "mm3-cr-garbage", half_open_then(lambda s: [(KE, s.gx), (NONCE, s.ni), (CR, cert(4, b"\x30\x01"))])))
    out.append(sess(10, "mm5-cert-encoding-0", at_mm4_then(
        lambda s: [(ID, my_id(s)), (CERT, cert(0, b"abc")), (HASH, s.hash_i(my_id(s)))])))
    return out


def class11():
    out = []
    for k, v in {"empty": b"", "zero-256": b"\0" * 256, "ff-256": b"\xff" * 256, "1-byte": b"\1",
                 "4096-bytes": b"\x5a" * 4096}.items():
        out.append(sess(11, f"mm5-sig-{k}", at_mm4_then(lambda s, v=v: [(ID, my_id(s)), (SIG, v)])))
    for k, fn in {"hash-empty": lambda s: b"", "hash-19": lambda s: s.hash_i(my_id(s))[:19],
                  "hash-21": lambda s: s.hash_i(my_id(s)) + b"\0", "hash-zero": lambda s: b"\0" * 20,
                  "hash-64": lambda s: s.hash_i(my_id(s)) * 3 + b"\0" * 4}.items():
        out.append(sess(11, f"mm5-{k}", at_mm4_then(lambda s, fn=fn: [(ID, my_id(s)), (HASH, fn(s))])))
    out.append(sess(11, "mm5-hash-and-sig", at_mm4_then(
        lambda s: [(ID, my_id(s)), (HASH, s.hash_i(my_id(s))), (SIG, b"\1" * 256)])))
    return out


def class12():
    enc = lambda np, exch, mid=0: header(rnd(), rnd(), np, exch, FLAG_ENC, mid, 28 + 32) + os.urandom(32)
    dpd = notify_body(R_U_THERE, rnd() + rnd(), b"\0\0\0\1")
    return [
        raw(12, "mm3-unknown-cookies", message(rnd(), rnd(), EXCH_MM, [(KE, b"\2" * 256), (NONCE, b"n" * 16)])),
        raw(12, "mm1-nonzero-rcookie", mm1_with(rcky=rnd())),
        raw(12, "info-encrypted-unknown", enc(HASH, EXCH_INFO, 0x1234)),
        raw(12, "dpd-cleartext-unknown", message(rnd(), rnd(), EXCH_INFO, [(N, dpd)], mid=7)),
        raw(12, "qm-unknown-cookies", enc(HASH, EXCH_QM, 0x55)),
        raw(12, "mm5-unknown-cookies", enc(ID, EXCH_MM)),
        raw(12, "am2-unknown-cookies", message(rnd(), rnd(), EXCH_AM, [(SA, default_sa_body()), (KE, b"\2" * 256)])),
        raw(12, "zero-icookie", message(Z8, Z8, EXCH_MM, [(SA, default_sa_body())])),
        raw(12, "zero-icookie-nonzero-r", message(Z8, rnd(), EXCH_MM, [(SA, default_sa_body())])),
        sess(12, "session-icookie-random-rcookie", lambda ctx: [
            header(ctx.session().icky, rnd(), HASH, EXCH_INFO, FLAG_ENC, 9, 60) + os.urandom(32)]),
        sess(12, "delete-unknown-cleartext", lambda ctx: [
            message(rnd(), rnd(), EXCH_INFO, [(D, delete_body([rnd() + rnd()]))], mid=3)]),
    ]


def sa_alive(ctx, _replies):
    return None if ctx.session().dpd_alive(1.0) else "the ISAKMP SA no longer answers R-U-THERE"


def class13():
    def s_del(s):
        return (D, delete_body([s.icky + s.rcky]))
    ic = lambda s: (N, notify_body(24578, s.icky + s.rcky))  # INITIAL-CONTACT
    def c(name, fn):
        return sess(13, name, lambda ctx: fn(ctx.session()), sa_alive)
    return [
        c("delete-without-hash", lambda s: [s.encrypted(EXCH_INFO, [s_del(s)], 0x101)]),
        c("delete-wrong-hash", lambda s: [s.protected(EXCH_INFO, [s_del(s)], hash_value=os.urandom(20))]),
        c("delete-truncated-hash", lambda s: [s.protected(EXCH_INFO, [s_del(s)], hash_len=12)]),
        c("delete-cleartext", lambda s: [message(s.icky, s.rcky, EXCH_INFO, [s_del(s)], mid=0x202)]),
        c("initial-contact-wrong-hash", lambda s: [s.protected(EXCH_INFO, [ic(s)], hash_value=b"\0" * 20)]),
        c("initial-contact-cleartext", lambda s: [message(s.icky, s.rcky, EXCH_INFO, [ic(s)], mid=0x303)]),
        c("delete-hash-other-mid", lambda s: [s.protected(EXCH_INFO, [s_del(s)], mid=0x404,
                                                           hash_value=s.hash1(0x405, b""))]),
        c("delete-hash-skeyid-e", lambda s: [s.protected(EXCH_INFO, [s_del(s)], hash_value=os.urandom(20))]),
        c("delete-bad-iv", lambda s: [s.encrypted(EXCH_INFO, [(HASH, s.hash1(0x505, b"")), s_del(s)], 0x505,
                                                  iv=b"\0" * 16)]),
        c("delete-mid-0-phase1-iv", lambda s: [s.encrypted(EXCH_INFO, [(HASH, s.hash1(0, b"")), s_del(s)], 0,
                                                           iv=s.phase1_iv)]),
        sess(13, "delete-half-open-garbage", lambda ctx: (lambda s: [
            header(s.icky, s.rcky, HASH, EXCH_INFO, FLAG_ENC, 0x606, 60) + os.urandom(32)] if s else [])(ctx.half_open())),
    ]


def class14():
    def c(name, items_fn, check=sa_alive):
        return sess(14, name, lambda ctx: [ctx.session().protected(EXCH_INFO, items_fn(ctx.session()))], check)
    spi = b"\x01\x02\x03\x04"
    esp_del = (D, delete_body([spi], spi_size=4, proto=3))
    inv_spi = (N, notify_body(11, spi, proto=3))
    return [
        c("two-deletes-same-esp-spi", lambda s: [esp_del, esp_del]),
        c("delete-then-notify-same-spi", lambda s: [esp_del, inv_spi]),
        c("delete-duplicate-spis-in-list", lambda s: [(D, delete_body([spi, spi, spi], spi_size=4, proto=3))]),
        c("delete-count-0", lambda s: [(D, delete_body([], spi_size=4, proto=3))]),
        c("two-invalid-spi-notifies", lambda s: [inv_spi, inv_spi]),
        c("two-r-u-there", lambda s: [(N, notify_body(R_U_THERE, s.icky + s.rcky, b"\0\0\0\x05"))] * 2),
        c("delete-unknown-isakmp-twice", lambda s: [(D, delete_body([rnd() + rnd()]))] * 2),
        c("delete-ah-proto-spi-size-16", lambda s: [(D, delete_body([rnd() + rnd()], spi_size=16, proto=2))]),
        c("ten-deletes-esp", lambda s: [esp_del] * 10),
        sess(14, "delete-isakmp-self-twice-then-notify", lambda ctx: ctx.consume(lambda s: [s.protected(
            EXCH_INFO, [(D, delete_body([s.icky + s.rcky])), (D, delete_body([s.icky + s.rcky])),
                        (N, notify_body(R_U_THERE, s.icky + s.rcky, b"\0\0\0\x09"))])])),
        sess(14, "delete-isakmp-self-then-again", lambda ctx: ctx.consume(lambda s: [
            s.protected(EXCH_INFO, [(D, delete_body([s.icky + s.rcky]))]),
            s.protected(EXCH_INFO, [(D, delete_body([s.icky + s.rcky]))])])),
    ]


def class15():
    garbage = lambda s, exch, mid, np=HASH: header(s.icky, s.rcky, np, exch, FLAG_ENC, mid, 60) + os.urandom(32)
    def ho(name, fn):
        return sess(15, name, lambda ctx: (lambda s: fn(s) if s else [])(ctx.half_open()))
    def es(name, fn, check=sa_alive):
        return sess(15, name, lambda ctx: fn(ctx.session()), check)
    return [
        ho("qm-before-mm-done", lambda s: [garbage(s, EXCH_QM, 0x77)]),
        ho("mm5-before-mm3", lambda s: [garbage(s, EXCH_MM, 0, ID)]),
        ho("info-before-keys", lambda s: [garbage(s, EXCH_INFO, 0x99)]),
        ho("mm1-again-with-rcookie", lambda s: [message(s.icky, s.rcky, EXCH_MM, [(SA, default_sa_body())])]),
        es("new-mm1-on-established", lambda s: [message(s.icky, s.rcky, EXCH_MM, [(SA, default_sa_body())])]),
        es("mm3-on-established", lambda s: [message(s.icky, s.rcky, EXCH_MM, [(KE, s.gx), (NONCE, s.ni)])]),
        es("qm-mid-0", lambda s: [s.encrypted(EXCH_QM, [(HASH, s.hash1(0, b""))], 0, iv=s.p2_iv(0))]),
        es("am-on-mm-cookies", lambda s: [message(s.icky, s.rcky, EXCH_AM, [(SA, default_sa_body())])]),
        es("transaction-on-established", lambda s: [s.protected(EXCH_TRANS, [(14, b"\1\0\0\0")])]),
        es("exchange-base-1", lambda s: [s.protected(1, [(NONCE, b"n" * 16)])]),
        es("exchange-auth-only-3", lambda s: [s.protected(3, [(NONCE, b"n" * 16)])]),
        es("mm4-direction-message", lambda s: [message(s.icky, s.rcky, EXCH_MM, [(KE, s.gx), (NONCE, s.ni)],
                                                        flags=0)]),
    ]


def count_at_most_sent(ctx, replies):
    return None if replies <= ctx.last_sent else f"{replies} replies to {ctx.last_sent} duplicates"


count_at_most_sent.needs_replies = True


def class16():
    def dup(name, fn, n=5):
        return sess(16, name, lambda ctx: fn(ctx) * n, count_at_most_sent)
    def fresh_mm1(ctx):
        s = ctx.new_session()
        return [s.msgs_mm1()]
    return [
        dup("mm1-5-times", fresh_mm1),
        dup("mm3-5-times", lambda ctx: (lambda s: [s.msgs_mm3()] if s else [])(ctx.half_open())),
        dup("old-mm1-after-established", lambda ctx: [ctx.session().msgs[1]], 3),
        dup("old-mm3-after-established", lambda ctx: [ctx.session().msgs[3]], 3),
        dup("old-mm5-after-established", lambda ctx: [ctx.session().msgs[5]], 3),
        dup("dpd-same-mid-5", lambda ctx: [ctx.session().protected(
            EXCH_INFO, [(N, notify_body(R_U_THERE, ctx.session().icky + ctx.session().rcky, b"\0\0\1\0"))],
            mid=0xabcdef)]),
        dup("qm1-garbage-same-5", lambda ctx: [ctx.session().protected(EXCH_QM, [(SA, b"\0" * 8)], mid=0x1111)]),
        dup("mm5-5-times-half", lambda ctx: (lambda s: [s.mm5()] if s else [])(ctx.at_mm4())),
        dup("cleartext-notify-5", lambda ctx: [message(rnd(), Z8, EXCH_INFO, [(N, notify_body(14))], mid=0)]),
        dup("mm1-weak-5", lambda ctx: [attr_mm1(enc=1, keylen=0)]),
    ]


FRAG = 132  # ISAKMP_NEXT_FRAGMENT (Cisco/strongSwan IKEv1 fragmentation, not implemented here)


def frag(icky, fid, num, last, data, exch=EXCH_MM):
    body = struct.pack("!HBB", fid, num, 1 if last else 0) + data
    return header(icky, Z8, FRAG, exch, 0, 0, 28 + 4 + len(body)) + payload(0, body)


def class17():
    ic = rnd()
    part = mm1_with(icky=ic)[28:]
    return [
        raw(17, "fragment-empty", frag(ic, 1, 1, True, b"")),
        raw(17, "fragment-index-0", frag(ic, 1, 0, True, part)),
        raw(17, "fragment-index-beyond-last", frag(ic, 1, 9, False, part[:10])),
        raw(17, "fragment-2-of-2-only", frag(ic, 1, 2, True, part[10:])),
        raw(17, "fragment-1-dup", frag(ic, 1, 1, False, part[:10])),
        raw(17, "fragment-1-dup-again", frag(ic, 1, 1, False, part[:10])),
        raw(17, "fragment-255", frag(ic, 2, 255, True, b"\xee" * 100)),
        raw(17, "fragment-header-truncated", header(ic, Z8, FRAG, EXCH_MM, 0, 0, 34) + payload(0, b"\0\1")),
        raw(17, "fragment-in-info", frag(ic, 3, 1, True, b"x" * 50, exch=EXCH_INFO)),
        raw(17, "fragment-in-am", frag(ic, 4, 1, True, b"x" * 50, exch=EXCH_AM)),
        raw(17, "fragment-after-sa", mm1_with(items=[(SA, default_sa_body()), (FRAG, b"\0\1\1\1abc")])),
        raw(17, "fragment-huge", frag(ic, 5, 1, True, b"\x77" * 9000)),
    ]


def class19():
    fmt = b"%s%s%n%x\x1b[2J\r\n\x00\xff"
    am = lambda idb: mm1_with(items=[(SA, default_sa_body()), (KE, b"\2" * 256), (NONCE, b"n" * 16), (ID, idb)],
                              exch=EXCH_AM)
    return [
        raw(19, "vid-format-chars", mm1_with(items=[(SA, default_sa_body()), (VID, fmt)])),
        raw(19, "vid-8000-bytes", mm1_with(items=[(SA, default_sa_body()), (VID, bytes(range(256)) * 31)])),
        raw(19, "am1-fqdn-format", am(id_body(2, fmt * 4))),
        raw(19, "am1-fqdn-4000", am(id_body(2, b"\x07" * 4000))),
        raw(19, "am1-user-fqdn-nonprint", am(id_body(3, bytes(range(1, 64))))),
        raw(19, "am1-dn-garbage", am(id_body(9, b"\x30\x06\x31\x04\x30\x02\x06\x00" + fmt))),
        raw(19, "notify-type-65535", message(rnd(), Z8, EXCH_INFO, [(N, notify_body(65535, b"", fmt * 50))])),
        raw(19, "notify-data-all-bytes", message(rnd(), Z8, EXCH_INFO, [(N, notify_body(16, b"", bytes(range(256)) * 4))])),
        raw(19, "exchange-200-format", mm1_with(exch=200, items=[(VID, fmt)])),
        raw(19, "doi-ffffffff", mm1_with(sa_body([proposal(transforms=[ike_transform()])], doi=0xFFFFFFFF))),
        raw(19, "unknown-attr-values", attr_mm1(enc=0x7FFF, hash_alg=0x7FFF, auth=0x7FFF, group=0x7FFF)),
    ]


def no_mm2_sa(ctx, replies_payloads):
    return None if not ctx.last_accepted else "a weak proposal was accepted (MM2 with SA)"


no_mm2_sa.needs_replies = True


def class21():
    def weak(name, **kw):
        return Case(21, name, lambda ctx, kw=kw: [attr_mm1(**kw)], no_mm2_sa)
    return [
        weak("des-cbc", enc=1, keylen=0), weak("md5", hash_alg=1), weak("modp768", group=1),
        weak("modp1024", group=2), weak("3des-md5", enc=5, keylen=0, hash_alg=1),
        weak("rsa-encryption-auth", auth=4), weak("revised-rsa-encryption", auth=5),
        weak("dss-auth", auth=2), weak("des-md5-modp768", enc=1, keylen=0, hash_alg=1, group=1),
        weak("null-like-enc-0", enc=0, keylen=0),
        Case(21, "aggressive-mode-psk", lambda ctx: [mm1_with(
            items=[(SA, default_sa_body()), (KE, b"\2" * 256), (NONCE, b"n" * 16), (ID, id_body(2, b"am.example"))],
            exch=EXCH_AM)], no_mm2_sa),
    ]


def all_cases():
    return (class1() + class2() + class3() + class4() + class5() + class6() + class7() + class8()
            + class9() + class10() + class11() + class12() + class13() + class14() + class15()
            + class16() + class17() + class19() + class21())


CLASSES = {1: "lengths (header)", 2: "generic payload length", 3: "derived lengths/counts",
           4: "SA nesting", 5: "payload/exchange types", 6: "missing payloads", 7: "attribute values",
           8: "DH public values", 9: "ID payloads", 10: "ASN.1/CERT/CERT_REQ", 11: "signature/HASH",
           12: "unknown state", 13: "unauthenticated informational", 14: "duplicated payloads",
           15: "out-of-order exchanges", 16: "retransmits/duplicates", 17: "fragmentation (unsupported)",
           19: "hostile strings", 21: "weak-crypto offers"}
