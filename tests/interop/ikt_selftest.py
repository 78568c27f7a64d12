#!/usr/bin/env python3
"""tests/interop/ikt_selftest.py: checks the parsers and assertions of ikt.py on fixed inputs
(no root, no daemons): an isakmpd `S` result in the isakmpd-features.md §1.18 format with the
null backend's ipsecctl-style SA lines, our key log format, xfrm_noop_preload records as
charon and pluto produce them, swanctl --raw and whack --showstates output captured in the lab.
Exit 0 when every check passes; prints the first failure otherwise."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
IKT = [sys.executable, os.path.join(HERE, "ikt.py")]

RESULT = """SA name: peer-ikt (Phase 1/Initiator)
src: 10.99.1.1 dst: 10.99.1.2
Lifetime: 3600 seconds
Soft timeout in 3240 seconds
Hard timeout in 3600 seconds
Flags 0x00000001
icookie 7c57cc5b9e043122 rcookie 387e9a79d073b1e8

SA name: ikt (Phase 2)
src: 10.99.1.1 dst: 10.99.1.2
Lifetime: 1200 seconds
Soft timeout in 1080 seconds
Hard timeout in 1200 seconds
Flags 0x00000003
SPI 0: 17cd6a44 
SPI 1: caad489c 
Transform: IPsec ESP
Encryption key length: 16
Authentication key length: 20
Encryption algorithm: AES (CBC)
Authentication algorithm: HMAC-SHA1

esp tunnel from 10.99.1.2 to 10.99.1.1 spi 0xcaad489c auth hmac-sha1 enc aes-128
esp tunnel from 10.99.1.1 to 10.99.1.2 spi 0x17cd6a44 auth hmac-sha1 enc aes-128
flow esp in from 10.99.20.0/24 to 10.99.10.0/24 peer 10.99.1.2 srcid 10.99.1.1 dstid 10.99.1.2
"""

RESULT_HALF_OPEN = """SA name: peer-ikt (Phase 1/Responder)
src: 10.99.1.1 dst: 10.99.1.2
Flags 0x00000000
icookie 7c57cc5b9e043122 rcookie 387e9a79d073b1e8

"""

KEYLOG = """IKE_SA icookie=7c57cc5b9e043122 rcookie=387e9a79d073b1e8 cipher=AES_CBC enckey=00112233445566778899aabbccddeeff
CHILD_SA proto=esp dir=in src=10.99.1.2 dst=10.99.1.1 spi=caad489c enc=AES enckey=6d2eedb4522641637e903698f247dc68 auth=HMAC_SHA authkey=57c73c764e16fb174e4a26c18307df01d19ced2a
CHILD_SA proto=esp dir=out src=10.99.1.1 dst=10.99.1.2 spi=17cd6a44 enc=AES enckey=3651f19438513a02b869d450d0f02e29 auth=HMAC_SHA authkey=59b3ffd91234e7ed0bfeaeee15454a06e32a0923
"""

# What pluto (right, 10.99.1.2) handed to XFRM: its inbound 17cd6a44 and outbound caad489c.
SHIM_PLUTO = """SA op=NEWSA proto=esp spi=caad489c src=10.99.1.2 dst=10.99.1.1 mode=tunnel reqid=16393 auth=sha1 authkey=57c73c764e16fb174e4a26c18307df01d19ced2a trunc=96 enc=aes enckey=6d2eedb4522641637e903698f247dc68
SA op=UPDSA proto=esp spi=17cd6a44 src=10.99.1.1 dst=10.99.1.2 mode=tunnel reqid=16393 auth=sha1 authkey=59b3ffd91234e7ed0bfeaeee15454a06e32a0923 trunc=96 enc=aes enckey=3651f19438513a02b869d450d0f02e29
"""
SHIM_CHARON = """SA op=UPDSA proto=esp spi=17cd6a44 src=10.99.1.1 dst=10.99.1.2 mode=tunnel reqid=1 enc=aes enckey=3651f19438513a02b869d450d0f02e29 auth=sha1 authkey=59b3ffd91234e7ed0bfeaeee15454a06e32a0923
SA op=NEWSA proto=esp spi=caad489c src=10.99.1.2 dst=10.99.1.1 mode=tunnel reqid=1 enc=aes enckey=6d2eedb4522641637e903698f247dc68 auth=sha1 authkey=57c73c764e16fb174e4a26c18307df01d19ced2a
"""

SWAN_RAW = """list-sa event {ikt {uniqueid=1 version=1 state=ESTABLISHED local-host=10.99.1.1 local-port=500 local-id=10.99.1.1 remote-host=10.99.1.2 remote-port=500 remote-id=10.99.1.2 initiator=yes initiator-spi=7c57cc5b9e043122 responder-spi=387e9a79d073b1e8 encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA1_96 prf-alg=PRF_HMAC_SHA1 dh-group=MODP_2048 established=3 rekey-time=13333 child-sas {ikt-1 {name=ikt uniqueid=1 reqid=1 state=INSTALLED mode=TUNNEL protocol=ESP spi-in=caad489c spi-out=17cd6a44 encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA1_96 bytes-in=0 packets-in=0 bytes-out=0 packets-out=0 rekey-time=3258 life-time=3957 install-time=3 local-ts=[10.99.10.0/24] remote-ts=[10.99.20.0/24]}}}}
list-sas reply {}
"""
PLUTO_STATES = """000 #1: "ikt":500 STATE_MAIN_R3 (IKE SA established); EXPIRE in 15836s; newest; lastdpd=-1s(seq in:0 out:0); idle;
000 #2: "ikt":500 STATE_QUICK_R2 (IPsec SA established); EXPIRE in 1197s; newest; eroute owner; ISAKMP SA #1; idle;
000 #2: "ikt" esp.caad489c@10.99.1.1 esp.17cd6a44@10.99.1.2 tun.0@10.99.1.1 tun.0@10.99.1.2 Traffic: ESPin=0B ESPmax=2^63B
"""

failures = []


def run(args, stdin=None):
    p = subprocess.run(IKT + args, input=stdin, capture_output=True, text=True, check=False)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def main():
    with tempfile.TemporaryDirectory() as d:
        def w(name, text):
            path = os.path.join(d, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return path

        result, half = w("result", RESULT), w("half", RESULT_HALF_OPEN)
        keylog = w("keylog", KEYLOG)
        pl, ch = w("pluto.xfrm", SHIM_PLUTO), w("charon.xfrm", SHIM_CHARON)

        expect("ours-spis", run(["ours-spis", "--me", "10.99.1.1", result])[1],
               "in=caad489c out=17cd6a44 icookie=7c57cc5b9e043122 rcookie=387e9a79d073b1e8 "
               "p1=1 p2=1 spis=17cd6a44,caad489c")
        expect("ours-established", run(["ours-established", result])[0], 0)
        expect("ours-established half-open", run(["ours-established", half])[0], 1)
        expect("ours-state", run(["ours-state", result])[1], "p1=1 p2=1 kernel_sas=2")
        expect("ours-state half-open", run(["ours-state", half])[1], "p1=0 p2=0 kernel_sas=0")
        expect("keylog-established", run(["keylog-established", keylog])[0], 0)
        expect("keylog-spis", run(["keylog-spis", keylog])[1],
               "in=caad489c out=17cd6a44 icookie=7c57cc5b9e043122 rcookie=387e9a79d073b1e8")
        expect("swan-spis", run(["swan-spis"], SWAN_RAW)[1],
               "in=caad489c out=17cd6a44 icookie=7c57cc5b9e043122 rcookie=387e9a79d073b1e8")
        expect("pluto-spis", run(["pluto-spis", "--me", "10.99.1.2", "--peer", "10.99.1.1"],
                                 PLUTO_STATES)[1], "in=17cd6a44 out=caad489c")
        expect("keycmp pluto", run(["keycmp", "--ours", keylog, "--peer", pl])[0], 0)
        expect("keycmp charon", run(["keycmp", "--ours", keylog, "--peer", ch])[0], 0)
        expect("shimcmp", run(["shimcmp", pl, ch])[0], 0)

        mirror = w("keylog.mirror", KEYLOG.replace("dir=in", "dir=X").replace("dir=out", "dir=in")
                   .replace("dir=X", "dir=out"))
        expect("keylogcmp", run(["keylogcmp", keylog, mirror])[0], 0)
        expect("keylogcmp same direction", run(["keylogcmp", keylog, keylog])[0], 1)
        bad = w("keylog.bad", KEYLOG.replace("authkey=59b3", "authkey=59b4"))
        expect("keylogcmp differing key", run(["keylogcmp", keylog, bad])[0], 1)

        # Negative cases: one flipped key nibble, a wrong algorithm, a missing SA, no CHILD_SA.
        bad = w("bad.xfrm", SHIM_PLUTO.replace("enckey=6d2e", "enckey=6d2f"))
        rc, _, err = run(["keycmp", "--ours", keylog, "--peer", bad])
        expect("keycmp wrong key rc", rc, 1)
        expect("keycmp wrong key names the SA", "spi=caad489c" in err and "enckey" in err, True)
        bad = w("bad2.xfrm", SHIM_PLUTO.replace("auth=sha1", "auth=sha256", 1))
        expect("keycmp wrong auth alg", run(["keycmp", "--ours", keylog, "--peer", bad])[0], 1)
        bad = w("bad3.xfrm", SHIM_PLUTO.splitlines()[0] + "\n")
        expect("keycmp missing SA", run(["keycmp", "--ours", keylog, "--peer", bad])[0], 1)
        only_ike = w("keylog1", KEYLOG.splitlines()[0] + "\n")
        expect("keycmp no CHILD_SA", run(["keycmp", "--ours", only_ike, "--peer", pl])[0], 1)
        expect("keylog-established no CHILD_SA", run(["keylog-established", only_ike])[0], 1)
        bad = w("bad4.xfrm", SHIM_CHARON.replace("authkey=59b3", "authkey=59b4"))
        expect("shimcmp differing key", run(["shimcmp", pl, bad])[0], 1)
        expect("pluto-spis none", run(["pluto-spis", "--me", "a", "--peer", "b"], "000 \n")[0], 1)
        expect("swan-spis none", run(["swan-spis"], "list-sas reply {}\n")[0], 1)

    if failures:
        print("ikt_selftest: FAIL\n  " + "\n  ".join(failures))
        return 1
    print("ikt_selftest: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
