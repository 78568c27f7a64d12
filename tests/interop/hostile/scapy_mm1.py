# tests/interop/hostile/scapy_mm1.py: the liveness prober's Main Mode 1 built with scapy's
# ISAKMP layers (an implementation independent of ike1.py, so that a bug in our builders cannot
# make the probe and the corpus agree on a wrong format), and a check that scapy dissects the
# corpus's base message (ike1.mm1) into the fields we meant.
from scapy.layers.isakmp import (ISAKMP, ISAKMP_payload_Proposal, ISAKMP_payload_SA,
                                 ISAKMP_payload_Transform, ISAKMP_payload_VendorID)

from ike1 import DPD_VID, mm1

TRANSFORM = [("Encryption", "AES-CBC"), ("KeyLength", 128), ("Hash", "SHA"),
             ("Authentication", "PSK"), ("GroupDesc", "2048MODPgr"), ("LifeType", "Seconds"),
             ("LifeDuration", 3600)]


def probe_template():
    """MM1 bytes (AES-128/SHA1/MODP2048/PSK + the DPD VID); the caller sets bytes 0-7."""
    p = (ISAKMP(init_cookie=b"\x01" * 8, resp_cookie=b"\0" * 8, next_payload=1, exch_type=2)
         / ISAKMP_payload_SA(next_payload=13, prop=ISAKMP_payload_Proposal(
             proto=1, trans_nb=1, trans=ISAKMP_payload_Transform(num=1, id=1, transforms=TRANSFORM)))
         / ISAKMP_payload_VendorID(load=DPD_VID))
    return bytes(p)


def selfcheck():
    """scapy's view of ike1.mm1() and of the probe; raises AssertionError on a difference."""
    icky, m = mm1()
    p = ISAKMP(m)
    assert p.init_cookie == icky and p.length == len(m) and p.exch_type == 2, p.summary()
    assert p[ISAKMP_payload_Transform].transforms == TRANSFORM, p[ISAKMP_payload_Transform].transforms
    assert p[ISAKMP_payload_VendorID].load == DPD_VID
    t = probe_template()
    assert t[8:] == m[8:], f"scapy probe {t.hex()} != ike1 MM1 {m.hex()}"
    return t
