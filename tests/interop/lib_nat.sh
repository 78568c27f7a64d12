# tests/interop/lib_nat.sh: NAT-T scenarios (case.env NAT=yes; shared docs lab.md "NAT tests").
# ikt_topology_nat INSIDE puts a router namespace $IKT_NS_N between the peers, with the INSIDE
# side (L or R: the initiator) on 10.99.1.0/24 behind `nft ... oif wan0 masquerade` and the
# other side on 10.99.2.0/24; the outside side addresses the inside one as the router's
# 10.99.2.254 while its phase-1 ID stays its private address (PEERID). ikt_nat_checks asserts
# NAT-T on the wire and in both SA records. Sourced by lib.sh.
# shellcheck shell=bash

IKT_NAT_INSIDE=""            # L or R once ikt_topology_nat ran
IKT_NAT_PUBLIC=10.99.2.254   # the router's outside address
IKT_NAT_PRIVATE=""           # the inside side's address (its phase-1 ID)
IKT_NAT_KEEPALIVE=${IKT_NAT_KEEPALIVE:-2}  # our [General]:NAT-T-Keepalive in NAT scenarios

# Called by ikt_side_vars: the outside side talks to the router, expects the private ID.
ikt_nat_side_vars() {
  [[ -n $IKT_NAT_INSIDE && $1 != "$IKT_NAT_INSIDE" ]] || return 0
  PEER=$IKT_NAT_PUBLIC
  PEERID=$IKT_NAT_PRIVATE
}

# Extra lines for our [peer-ikt] section / extra sections (lib_isakmpd.sh).
ikt_nat_isakmpd_peer_lines() {
  [[ $PEERID != "$PEER" ]] && printf 'Remote-ID=\t\tikt-peer-id\n'
  return 0
}
ikt_nat_isakmpd_sections() {
  [[ -n $IKT_NAT_INSIDE ]] || return 0
  printf '\n[General]\nNAT-T-Keepalive=\t%s\n' "$IKT_NAT_KEEPALIVE"
  [[ $PEERID != "$PEER" ]] && printf '\n[ikt-peer-id]\nID-type=\t\tIPV4_ADDR\nAddress=\t\t%s\n' "$PEERID"
  return 0
}

ikt_topology_nat() {
  local inside=$1 outside ns_in ns_out in_addr out_addr
  IKT_NS_N="${IKT_NS_PREFIX:-ikt-$$}-N"
  local ns
  for ns in "$IKT_NS_L" "$IKT_NS_R" "$IKT_NS_N"; do
    ip netns add "$ns" || ikt_fail "cannot create namespace $ns"
    IKT_NETNS+=("$ns")
  done
  if [[ $inside == L ]]; then
    outside=R ns_in=$IKT_NS_L ns_out=$IKT_NS_R IKT_R_OUT=10.99.2.2
    in_addr=$IKT_L_OUT out_addr=$IKT_R_OUT
  else
    outside=L ns_in=$IKT_NS_R ns_out=$IKT_NS_L IKT_L_OUT=10.99.2.1
    in_addr=$IKT_R_OUT out_addr=$IKT_L_OUT
  fi
  ip -n "$ns_in" link add eth0 type veth peer name lan0 netns "$IKT_NS_N" || ikt_fail "veth lan"
  ip -n "$ns_out" link add eth0 type veth peer name wan0 netns "$IKT_NS_N" || ikt_fail "veth wan"
  ip -n "$IKT_NS_N" link set lo up
  ip -n "$IKT_NS_N" addr add 10.99.1.254/24 dev lan0
  ip -n "$IKT_NS_N" addr add "$IKT_NAT_PUBLIC/24" dev wan0
  ip -n "$IKT_NS_N" link set lan0 up
  ip -n "$IKT_NS_N" link set wan0 up
  ip netns exec "$IKT_NS_N" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$IKT_NS_N" nft -f - <<NFT || ikt_fail "nftables masquerade set-up failed"
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    oif "wan0" masquerade
  }
}
NFT
  local s addr inner
  for s in L R; do
    if [[ $s == L ]]; then ns=$IKT_NS_L inner=$IKT_L_IN; else ns=$IKT_NS_R inner=$IKT_R_IN; fi
    if [[ $s == "$inside" ]]; then addr=$in_addr; else addr=$out_addr; fi
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$inner/24" dev lo
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  ip -n "$ns_in" route add default via 10.99.1.254
  ip netns exec "$ns_in" ping -c1 -W2 "$out_addr" >/dev/null ||
    ikt_fail "no connectivity $in_addr -> $out_addr through the NAT router"
  IKT_NAT_INSIDE=$inside IKT_NAT_PRIVATE=$in_addr
  # A peer behind the NAT sends its keepalives as often as we do.
  IKT_CHARON_KEEP_ALIVE=${IKT_NAT_KEEPALIVE}s IKT_PLUTO_KEEP_ALIVE=$IKT_NAT_KEEPALIVE
  ikt_log "topology: $inside ($in_addr) behind NAT $IKT_NS_N (masquerade to $IKT_NAT_PUBLIC) -> $outside ($out_addr)"
}

# ikt_nat_checks: after assert_up. Our S result flags NAT_T_ENABLE (0x100) and, behind the
# NAT, NAT_T_KEEPALIVE (0x200); our key log and the peer's kernel record carry ESP-in-UDP
# ports with 4500; MM1-MM4 (AM1-AM2) ran on 500 and everything after on 4500; behind the NAT our
# keepalives (one 0xFF octet to 4500) appear within NAT-T-Keepalive.
ikt_nat_checks() {
  local res flags want=0x100 n
  res=$(ikt_isakmpd_status L) || fail "no S result"
  flags=$(awk '/Phase 1/{p=1} p && /^Flags/{print $2; exit}' "$res")
  [[ $IKT_NAT_INSIDE == L ]] && want=0x300
  (( (flags & want) == want )) || fail "our phase-1 SA flags $flags lack $want (NAT-T not in use)"
  ikt_log "PASS our phase-1 SA flags $flags (NAT_T_ENABLE$([[ $want == 0x300 ]] && echo ", NAT_T_KEEPALIVE"))"
  grep -q '^CHILD_SA .* encap=[0-9]*:4500$\|^CHILD_SA .* encap=4500:[0-9]*$' "$IKT_DIR/L/keylog" ||
    fail "our key log has no ESP-in-UDP CHILD_SA: $(grep '^CHILD_SA' "$IKT_DIR/L/keylog" | sed 's/key=[0-9a-f]*/key=../g')"
  grep -q 'encap=[0-9]*:[0-9]*' "$IKT_DIR/R/xfrm.log" ||
    fail "$RIGHT_KIND installed no ESP-in-UDP SA: $(cat "$IKT_DIR/R/xfrm.log")"
  ikt_log "PASS ESP in UDP: ours $(grep -o 'dir=[a-z]*\|encap=[0-9:]*' "$IKT_DIR/L/keylog" | paste -sd' '), $RIGHT_KIND $(grep -o 'encap=[0-9:]*' "$IKT_DIR/R/xfrm.log" | paste -sd' ')"
  # The peer detected the NAT too.
  local pat log
  if [[ $RIGHT_KIND == strongswan ]]; then
    log=$IKT_DIR/R/charon.log
    if [[ $IKT_NAT_INSIDE == L ]]; then pat="remote host is behind NAT"; else pat="local host is behind NAT"; fi
  else
    log=$IKT_DIR/R/pluto.log pat="IPsec SA established $MODE mode {ESPinUDP"
  fi
  grep -qF -- "$pat" "$log" || fail "$RIGHT_KIND did not log '$pat'"
  ikt_log "PASS $RIGHT_KIND logged '$pat'"
  command -v tshark >/dev/null || fail "tshark missing"
  local out
  out=$(tshark -r "$IKT_DIR/ike.pcap" -Y isakmp -T fields -e udp.srcport -e udp.dstport \
    -e isakmp.exchangetype 2>/dev/null)
  # Main Mode floats from MM5 on, Aggressive Mode from AM3 on (RFC 3947 §4).
  local first4 later k=4 what="MM1-MM4" min_later=5
  [[ ${P1_EXCHANGE:-ID_PROT} == AGGRESSIVE ]] && k=2 what="AM1-AM2" min_later=4
  first4=$(head -"$k" <<<"$out" | awk '$1 == 500 && $2 == 500' | wc -l)
  later=$(tail -n +$((k + 1)) <<<"$out" | awk '($1 == 4500 || $2 == 4500) && $1 != 500 && $2 != 500' | wc -l)
  n=$(wc -l <<<"$out")
  ((first4 == k && later == n - k && later >= min_later)) ||
    fail "IKE ports: want $what on 500 and the rest on 4500, capture: $(tr '\n\t' '; ' <<<"$out")"
  ikt_log "PASS IKE floated: $what on 500, $later later messages on 4500"
  # Keepalives (one 0xFF octet to 4500) from the side behind the NAT: ours with
  # NAT-T-Keepalive, or the peer's (charon keep_alive / pluto keep-alive), which our NAT-T
  # socket must swallow (the daemon still answers S and exits on Q afterwards).
  local src=$IKT_L_OUT who=us
  [[ $IKT_NAT_INSIDE == R ]] && src=$IKT_NAT_PUBLIC who=$RIGHT_KIND
  sleep $((IKT_NAT_KEEPALIVE * 2 + 1))
  n=$(tshark -r "$IKT_DIR/ike.pcap" -Y "ip.src == $src && udp.dstport == 4500 && udp.length == 9" \
    -T fields -e frame.number 2>/dev/null | wc -l)
  ((n >= 2)) || fail "want >= 2 NAT-T keepalives from $who within $((IKT_NAT_KEEPALIVE * 2 + 1)) s, saw $n"
  ikt_isakmpd_status L >/dev/null || fail "our isakmpd does not answer S after the keepalives"
  ikt_log "PASS $n NAT-T keepalives (0xFF to 4500) from $who every $IKT_NAT_KEEPALIVE s"
}

# ikt.py keycmp arguments: the inside side's private address is the router's to the other.
ikt_nat_keycmp_args() {
  [[ -n $IKT_NAT_INSIDE ]] && echo "--nat $IKT_NAT_PRIVATE=$IKT_NAT_PUBLIC"
  return 0
}
