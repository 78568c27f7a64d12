# tests/interop/lossy/lib_lossy.sh: the routed three-namespace topology of the loss,
# duplication and reordering tests (shared docs reliability.md §A4.1 N1; lab.md: netem is not
# available, so the router uses nftables and HTB). Initiator/left $IKT_NS_L 10.99.1.1/24 -- router
# $IKT_NS_N (lan0 10.99.1.254, wan0 10.99.2.254, ip_forward, no NAT) -- right $IKT_NS_R
# 10.99.2.2/24; both ends route through the router. In the router's forward hook, IKE datagrams
# (UDP dport 500 or 4500, both directions) are
#   1. dropped with probability LOSS % (`numgen random mod 100 < LOSS drop`);
#   2. the survivors duplicated with probability DUP % (`dup to <next hop> device <oif>`: both
#      copies arrive; the copy leaves at once through the fast class);
#   3. the survivors delayed with probability REORDER % so that later datagrams overtake them:
#      `meta priority set 1:20` puts the datagram into the slow class of the HTB qdisc on the
#      outgoing interface (rate $IKT_LOSSY_SLOW_RATE, default 8 kbit, burst 1 byte; everything
#      else goes to the 10 Gbit default class 1:10). An idle token bucket would pass a lone
#      datagram at once, so the same rule first `dup`s a ballast copy of it to a blackhole next
#      hop (10.99.x.3, a permanent neighbour entry with an unused MAC that the end host discards):
#      the ballast takes the tokens and the datagram itself waits its own size at the slow rate
#      (8 kbit: a 300-byte datagram 0.3 s, a 1000-byte one 1 s; more behind other slow ones).
# The rule counters and the slow classes' `tc -s` statistics are read back by
# ikt_lossy_counters. Sourced after lib.sh.
# shellcheck shell=bash

IKT_LOSSY_SLOW_RATE=${IKT_LOSSY_SLOW_RATE:-8kbit}

# ikt_topology_lossy LOSS DUP [REORDER]
ikt_topology_lossy() {
  local loss=$1 dup=$2 reorder=${3:-0} ns
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
  # The slow lane: HTB on both egress interfaces, blackhole next hops for the ballast copies.
  local dev bh
  for dev in lan0 wan0; do
    if [[ $dev == lan0 ]]; then bh=10.99.1.3; else bh=10.99.2.3; fi
    ip netns exec "$IKT_NS_N" tc qdisc add dev "$dev" root handle 1: htb default 10 2>/dev/null &&
      ip netns exec "$IKT_NS_N" tc class add dev "$dev" parent 1: classid 1:10 htb rate 10gbit 2>/dev/null &&
      ip netns exec "$IKT_NS_N" tc class add dev "$dev" parent 1: classid 1:20 htb \
        rate "$IKT_LOSSY_SLOW_RATE" ceil "$IKT_LOSSY_SLOW_RATE" burst 1 cburst 1 2>/dev/null ||
      ikt_fail "HTB slow lane on $dev failed"
    ip -n "$IKT_NS_N" neigh replace "$bh" lladdr 02:00:00:00:00:99 dev "$dev" nud permanent ||
      ikt_fail "blackhole neighbour $bh on $dev failed"
  done
  # Drop first, then duplicate the survivors, then delay some: a duplicate is sent by
  # nf_dup_ipv4 past this chain (with the priority the packet has then: fast), so the two copies
  # are never dropped independently; the ballast copy inherits the slow priority set before it.
  ip netns exec "$IKT_NS_N" nft -f - <<NFT || ikt_fail "nftables loss/dup/reorder rules failed"
table ip ikt_lossy {
  chain forward {
    type filter hook forward priority 0; policy accept;
    udp dport { 500, 4500 } numgen random mod 100 < $loss counter drop comment "loss"
    iifname "lan0" udp dport { 500, 4500 } numgen random mod 100 < $dup counter dup to $IKT_R_OUT device "wan0" comment "dup-l2r"
    iifname "wan0" udp dport { 500, 4500 } numgen random mod 100 < $dup counter dup to $IKT_L_OUT device "lan0" comment "dup-r2l"
    iifname "lan0" udp dport { 500, 4500 } numgen random mod 100 < $reorder meta priority set 1:20 counter dup to 10.99.2.3 device "wan0" comment "slow-l2r"
    iifname "wan0" udp dport { 500, 4500 } numgen random mod 100 < $reorder meta priority set 1:20 counter dup to 10.99.1.3 device "lan0" comment "slow-r2l"
    udp dport { 500, 4500 } counter comment "passed"
  }
}
NFT
  ikt_log "topology: $IKT_NS_L ($IKT_L_OUT) -> router $IKT_NS_N (drop $loss %, dup $dup %, delay $reorder % at $IKT_LOSSY_SLOW_RATE) -> $IKT_NS_R ($IKT_R_OUT)"
}

# ikt_lossy_counters: "dropped=<n> duplicated=<n> slow=<n> passed=<n> slowtc=<n> held=<n> queued=<n>":
# the router's rule counters (slow: datagrams put into the slow lane) and, summed over both
# egress interfaces, the packets the HTB slow class 1:20 sent (ballast copies included, so
# 2 * slow, less those still queued) and its overlimits (times a queued datagram had to wait
# for tokens).
ikt_lossy_counters() {
  local nft tc
  nft=$(ip netns exec "$IKT_NS_N" nft list table ip ikt_lossy 2>/dev/null | awk '
    /comment "loss"/ { for (i = 1; i < NF; i++) if ($i == "packets") d = $(i + 1) }
    /comment "dup-/ { for (i = 1; i < NF; i++) if ($i == "packets") u += $(i + 1) }
    /comment "slow-/ { for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) }
    /comment "passed"/ { for (i = 1; i < NF; i++) if ($i == "packets") p = $(i + 1) }
    END { printf "dropped=%d duplicated=%d slow=%d passed=%d\n", d, u, s, p }')
  tc=$(for dev in lan0 wan0; do ip netns exec "$IKT_NS_N" tc -s class show dev "$dev" classid 1:20; done 2>/dev/null | awk '
    /^ Sent / { for (i = 1; i < NF; i++) { if ($i == "bytes") n += $(i + 1); if ($i == "overlimits") o += $(i + 1) } }
    /^ backlog / { q += $3 + 0 }
    END { printf "slowtc=%d held=%d queued=%d\n", n, o, q }')
  echo "$nft $tc"
}
