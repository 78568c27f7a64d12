#!/bin/sh
# Regenerates tests/vectors/xfrm_ip_xfrm.vec: runs `ip xfrm` commands under strace in a throwaway
# network namespace and records the netlink request each one sends (header rebuilt from strace's
# decoded nlmsghdr, body from -xx). Run as root: sh tests/vectors/xfrm_ip_xfrm_capture.sh > out.vec
set -e
NS=ike-xfrm-cap-$$
ip netns add "$NS"
trap 'ip netns del "$NS"' EXIT
K16=00112233445566778899aabbccddeeff
K32=${K16}${K16}
echo "# iproute2 $(ip -V | sed 's/.*iproute2-//') netlink requests captured with strace -e trace=sendmsg -xx on Linux $(uname -r) (tests/vectors/xfrm_ip_xfrm_capture.sh)"
cap() {
  name=$1; shift
  echo
  echo "Name = $name"
  echo "Command = ip xfrm $*"
  ip netns exec "$NS" strace -e trace=sendmsg -xx -s 8192 ip xfrm "$@" 2>&1 >/dev/null | grep '^sendmsg' | head -1 | python3 -c '
import re, sys
line = sys.stdin.read()
m = re.search(r"nlmsg_len=(\d+), nlmsg_type=(\w+), nlmsg_flags=([\w|]+), nlmsg_seq=(\d+), nlmsg_pid=(\d+)\}, \"([^\"]*)\"", line)
types = {"XFRM_MSG_NEWSA":16,"XFRM_MSG_DELSA":17,"XFRM_MSG_GETSA":18,"XFRM_MSG_NEWPOLICY":19,"XFRM_MSG_DELPOLICY":20,"XFRM_MSG_GETPOLICY":21,"XFRM_MSG_ALLOCSPI":22,"XFRM_MSG_UPDPOLICY":25,"XFRM_MSG_UPDSA":26}
flagbits = {"NLM_F_REQUEST":1,"NLM_F_ACK":4,"NLM_F_ROOT":0x100,"NLM_F_MATCH":0x200,"NLM_F_DUMP":0x300}
ln, ty, fl, seq, pid, body = m.groups()
flags = 0
for f in fl.split("|"): flags |= flagbits[f]
import struct
b = struct.pack("<IHHII", int(ln), types[ty], flags, int(seq), int(pid)) + bytes.fromhex(body.replace("\\x", ""))
assert len(b) == int(ln), (len(b), ln)
print("Seq = " + seq)
h = b.hex()
print("Message = " + h[:64])
for i in range(64, len(h), 64): print("  " + h[i:i+64])
'
}
cap policy_out_require policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
cap policy_in_use policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel level use
cap policy_fwd_transport policy add src 192.0.2.2/32 dst 192.0.2.1/32 dir fwd tmpl src 0.0.0.0 dst 0.0.0.0 proto ah mode transport
cap policy_out_bundle_esp_ah policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel tmpl src 192.0.2.1 dst 192.0.2.2 proto ah mode transport
cap policy_in_bundle_comp_esp policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto comp mode tunnel level use tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode transport
cap policy_block policy add src 10.1.0.0/24 dst 10.3.0.0/24 dir out action block
cap policy_bypass policy add src 10.1.0.0/24 dst 10.4.0.0/24 dir out action allow
cap delpolicy_out policy delete src 10.1.0.0/24 dst 10.2.0.0/24 dir out
cap allocspi_esp state allocspi src 192.0.2.2 dst 192.0.2.1 proto esp min 256 max 4294967295
cap newsa_esp_cbc_sha256_udp state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x12345678 mode tunnel replay-window 16 enc 'cbc(aes)' 0x$K16 auth-trunc 'hmac(sha256)' 0x$K32 128 encap espinudp 4500 4500 0.0.0.0 limit time-hard 3600 limit time-soft 3240 sel src 10.2.0.0/24 dst 10.1.0.0/24
cap newsa_esp_gcm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x0000abcd mode transport replay-window 16 aead 'rfc4106(gcm(aes))' 0x${K16}01020304 128 limit time-hard 28800 limit time-soft 25920
cap newsa_ah_sha1 state add src 192.0.2.1 dst 192.0.2.2 proto ah spi 0x00001001 mode tunnel replay-window 16 auth-trunc 'hmac(sha1)' 0x${K16}00112233 96
cap newsa_ipcomp state add src 192.0.2.1 dst 192.0.2.2 proto comp spi 0x00004001 mode tunnel comp deflate
cap newsa_esp_transport_in_bundle state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x00005001 mode transport replay-window 16 enc 'cbc(aes)' 0x$K16 auth-trunc 'hmac(sha256)' 0x$K32 128 sel src 10.1.0.0/24 dst 10.2.0.0/24
cap delsa_esp state delete src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x12345678
