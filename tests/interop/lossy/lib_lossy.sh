# tests/interop/lossy/lib_lossy.sh: the routed three-namespace topology of the loss and
# duplication tests (shared docs reliability.md §A4.1 N1; lab.md: netem is not available, so the
# router uses nftables). Initiator/left $IKT_NS_L 10.99.1.1/24 -- router $IKT_NS_N (lan0
# 10.99.1.254, wan0 10.99.2.254, ip_forward, no NAT) -- right $IKT_NS_R 10.99.2.2/24; both ends
# route through the router. In the router's forward hook, IKE datagrams (UDP dport 500 or 4500,
# both directions) are dropped with probability LOSS % (`numgen random mod 100 < LOSS drop`) and
# the survivors duplicated with probability DUP % (`dup to <next hop> device <oif>`: both copies
# arrive). The rule counters are read back by ikt_lossy_counters. Sourced after lib.sh.
# shellcheck shell=bash

# ikt_topology_lossy LOSS DUP
ikt_topology_lossy() {
  local loss=$1 dup=$2 ns
  IKT_NS_N="${IKT_NS_PREFIX:-ikt-$$}-N"
  for ns in "$IKT_NS_L" "$IKT_NS_R" "$IKT_NS_N"; do
    ip netns add "$ns" || ikt_fail "cannot create namespace $ns"
    IKT_NETNS+=("$ns")
  done
  IKT_R_OUT=10.99.2.2
  ip -n "$IKT_NS_L" link add eth0 type veth peer name lan0 netns "$IKT_NS_N" || ikt_fail "veth lan"
  ip -n "$IKT_NS_R" link add eth0 type veth peer name wan0 netns "$IKT_NS_N" || ikt_fail "veth wan"
  ip -n "$IKT_NS_N" link set lo up
  ip -n "$IKT_NS_N" addr add 10.99.1.254/24 dev lan0
  ip -n "$IKT_NS_N" addr add 10.99.2.254/24 dev wan0
  ip -n "$IKT_NS_N" link set lan0 up
  ip -n "$IKT_NS_N" link set wan0 up
  ip netns exec "$IKT_NS_N" sysctl -qw net.ipv4.ip_forward=1
  local s inner addr gw
  for s in L R; do
    if [[ $s == L ]]; then
      ns=$IKT_NS_L inner=$IKT_L_IN addr=$IKT_L_OUT gw=10.99.1.254
    else
      ns=$IKT_NS_R inner=$IKT_R_IN addr=$IKT_R_OUT gw=10.99.2.254
    fi
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$inner/24" dev lo
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$gw"
  done
  ip netns exec "$IKT_NS_L" ping -c1 -W2 "$IKT_R_OUT" >/dev/null ||
    ikt_fail "no connectivity $IKT_L_OUT -> $IKT_R_OUT through the router"
  # Drop first, then duplicate the survivors: a duplicate is sent by nf_dup_ipv4 past this
  # chain, so the two copies are never dropped independently.
  ip netns exec "$IKT_NS_N" nft -f - <<NFT || ikt_fail "nftables loss/dup rules failed"
table ip ikt_lossy {
  chain forward {
    type filter hook forward priority 0; policy accept;
    udp dport { 500, 4500 } numgen random mod 100 < $loss counter drop comment "loss"
    iifname "lan0" udp dport { 500, 4500 } numgen random mod 100 < $dup counter dup to $IKT_R_OUT device "wan0" comment "dup-l2r"
    iifname "wan0" udp dport { 500, 4500 } numgen random mod 100 < $dup counter dup to $IKT_L_OUT device "lan0" comment "dup-r2l"
    udp dport { 500, 4500 } counter comment "passed"
  }
}
NFT
  ikt_log "topology: $IKT_NS_L ($IKT_L_OUT) -> router $IKT_NS_N (drop $loss %, dup $dup %) -> $IKT_NS_R ($IKT_R_OUT)"
}

# ikt_lossy_counters: "dropped=<n> duplicated=<n> passed=<n>" from the router's rule counters.
ikt_lossy_counters() {
  ip netns exec "$IKT_NS_N" nft list table ip ikt_lossy 2>/dev/null | awk '
    /comment "loss"/ { for (i = 1; i < NF; i++) if ($i == "packets") d = $(i + 1) }
    /comment "dup-/ { for (i = 1; i < NF; i++) if ($i == "packets") u += $(i + 1) }
    /comment "passed"/ { for (i = 1; i < NF; i++) if ($i == "packets") p = $(i + 1) }
    END { printf "dropped=%d duplicated=%d passed=%d\n", d, u, p }'
}
