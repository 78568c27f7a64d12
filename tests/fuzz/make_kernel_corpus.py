#!/usr/bin/env python3
"""Seeds the corpora of fuzz_xfrm_replies and fuzz_pfkey_replies (tests/fuzz/kernel.cmake).

fuzz_xfrm_replies: every netlink message `ip xfrm` sent in tests/vectors/xfrm_ip_xfrm.vec
(NEWSA/NEWPOLICY/ALLOCSPI/DEL*: NEWSA and NEWPOLICY have the layout of dump entries), plus the
same messages relabelled as XFRM_MSG_ACQUIRE (22) / XFRM_MSG_EXPIRE (24) and an NLMSG_ERROR.
fuzz_pfkey_replies: the exact PF_KEY messages of tests/unit/kernel/pfkey_message_test.cc
(RFC 2367 layouts written out by hand there), plus each relabelled as SADB_ACQUIRE (6),
SADB_EXPIRE (8) and SADB_DUMP (10). Run from the repository root.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "tests/fuzz/corpus"


def write(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


vec = (root / "tests/vectors/xfrm_ip_xfrm.vec").read_text()
name = None
for line in vec.splitlines():
    if line.startswith("Name = "):
        name = line[7:].strip()
    elif line.startswith("Message = ") and name:
        msg = bytes.fromhex(line[10:].strip())
        write("fuzz_xfrm_replies", name, msg)
        for label, typ in (("acquire", 22), ("expire", 24)):
            write("fuzz_xfrm_replies", f"{name}_as_{label}", msg[:4] + bytes([typ, 0]) + msg[6:])
write("fuzz_xfrm_replies", "nlmsg_error_eprotonosupport",
      bytes.fromhex("24000000020000000100000000000000" "a6ffffff"
                    "10000000100005000100000000000000"))

test = (root / "tests/unit/kernel/pfkey_message_test.cc").read_text()
for i, m in enumerate(re.finditer(r'hex\(((?:\s*"[0-9a-f ]+"(?:\s*//[^\n]*)?)+)\)', test)):
    msg = bytes.fromhex("".join(re.findall(r'"([0-9a-f ]+)"', m.group(1))).replace(" ", ""))
    if len(msg) < 16:
        continue
    write("fuzz_pfkey_replies", f"msg{i}", msg)
    for label, typ in (("acquire", 6), ("expire", 8), ("dump", 10)):
        write("fuzz_pfkey_replies", f"msg{i}_as_{label}", msg[:1] + bytes([typ]) + msg[2:])
