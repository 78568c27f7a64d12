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
#      outgoing interface (rate $IKT_LOSSY_SLOW_RATE, default 4 kbit, burst 1 byte; everything
#      else goes to the 10 Gbit default class 1:10). An idle token bucket would pass a lone
#      datagram at once, so the same rule first `dup`s a ballast copy of it to a blackhole next
#      hop (10.99.x.3, a permanent neighbour entry with an unused MAC that the end host discards):
#      the ballast takes the tokens and the datagram itself waits its own size at the slow rate
#      (4 kbit: an IKE datagram of 100-500 bytes 0.2-1 s; more behind other slow ones).
# With IKT_LOSSY_SLOW_SKIP_MM1=1 the slow lane leaves out datagrams whose ISAKMP responder cookie
# is zero (Main Mode message 1 and its retransmissions): strongSwan 5.9.8 as responder takes a
# late copy of MM1 that arrives after MM3 for MM5 ("IDii payload missing"), sends an encrypted
# INVALID_PAYLOAD_TYPE notification and destroys its IKE SA, so our initiator can only
# re-initiate after its retransmits run out (lossy_trial.sh sets it for a strongSwan responder).
# The rule counters and the slow classes' `tc -s` statistics are read back by
# ikt_lossy_counters. Sourced after lib.sh.
# shellcheck shell=bash

IKT_LOSSY_SLOW_RATE=${IKT_LOSSY_SLOW_RATE:-4kbit}

# ikt_topology_lossy LOSS DUP [REORDER]
ikt_topology_lossy() {
  local loss=$1 dup=$2 reorder=${3:-0} ns skip=""
  # UDP header 8 octets + initiator cookie 8: the responder cookie is th bits 128..191.
  [[ ${IKT_LOSSY_SLOW_SKIP_MM1:-0} == 1 ]] && skip="@th,128,64 != 0"
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
    if ! { ip netns exec "$IKT_NS_N" tc qdisc add dev "$dev" root handle 1: htb default 10 &&
      ip netns exec "$IKT_NS_N" tc class add dev "$dev" parent 1: classid 1:10 htb rate 10gbit &&
      ip netns exec "$IKT_NS_N" tc class add dev "$dev" parent 1: classid 1:20 htb \
        rate "$IKT_LOSSY_SLOW_RATE" ceil "$IKT_LOSSY_SLOW_RATE" burst 1 cburst 1; } 2>/dev/null; then
      ikt_fail "HTB slow lane on $dev failed"
    fi
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
    iifname "lan0" udp dport { 500, 4500 } $skip numgen random mod 100 < $reorder meta priority set 1:20 counter dup to 10.99.2.3 device "wan0" comment "slow-l2r"
    iifname "wan0" udp dport { 500, 4500 } $skip numgen random mod 100 < $reorder meta priority set 1:20 counter dup to 10.99.1.3 device "lan0" comment "slow-r2l"
    udp dport { 500, 4500 } counter comment "passed"
  }
}
NFT
  ikt_log "topology: $IKT_NS_L ($IKT_L_OUT) -> router $IKT_NS_N (drop $loss %, dup $dup %, delay $reorder % at $IKT_LOSSY_SLOW_RATE${skip:+ except MM1}) -> $IKT_NS_R ($IKT_R_OUT)"
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

# ikt_lossy_calm: removes the loss, duplication and delay rules once a trial's checks are done
# (counters read), so that the teardown runs on a clean path: when the stopping daemon's DELETE
# of the IPsec SA arrives and its DELETE of the ISAKMP SA is lost, the other daemon rightly
# re-initiates the Quick Mode of its active connection, a half-open exchange at its own stop
# that the invariants would report as a leak (seen at 30 % loss).
ikt_lossy_calm() {
  ip netns exec "$IKT_NS_N" nft flush chain ip ikt_lossy forward ||
    ikt_log "could not flush the router's loss rules"
}

# ikt_lossy_capture_start: tcpdump on both router interfaces (IKE datagrams in and out, with
# link-layer headers) into $IKT_DIR/N/{lan0,wan0}.txt, for ikt_lossy_overtakes.
ikt_lossy_capture_start() {
  local dev i
  mkdir -p "$IKT_DIR/N"
  for dev in lan0 wan0; do
    ip netns exec "$IKT_NS_N" tcpdump -i "$dev" -U -l -tt -nn -e -x 'udp and (port 500 or port 4500)' \
      >"$IKT_DIR/N/$dev.txt" 2>"$IKT_DIR/N/$dev.stderr" &
    ikt_register $! "tcpdump-$dev"
    for ((i = 0; i < 50; i++)); do
      grep -q 'listening on' "$IKT_DIR/N/$dev.stderr" 2>/dev/null && break
      sleep 0.1
    done
  done
}

# ikt_lossy_overtakes: "overtaken=<n> maxdelay=<s>" from the captures: per direction, every
# datagram the router sent on (ballast copies to 02:00:00:00:00:99 left out) is matched to the
# latest arrival of the same bytes at or before it; it was overtaken when a datagram that arrived
# later left before it (copies of one datagram do not count). The matching may pair a delayed
# datagram with its own retransmission, so `overtaken` is a lower bound. maxdelay: the longest
# time a datagram spent in the router.
ikt_lossy_overtakes() {
  local dev
  for dev in lan0 wan0; do
    ip -n "$IKT_NS_N" -br link show dev "$dev" | awk -v d="$dev" '{ print "mac", d, $3 }'
  done | python3 -c '
import collections, sys
macs = dict(l.split()[1:3] for l in sys.stdin)
def packets(dev):
    cur = None
    for line in open(sys.argv[1] + "/" + dev + ".txt"):
        if line.startswith("\t0x"):
            if cur: cur[3].append("".join(line.split()[1:]))
            continue
        if cur: yield cur
        f = line.split()
        if len(f) < 4 or "," not in line: cur = None; continue
        cur = [float(f[0]), f[1], f[3].rstrip(","), []]
    if cur: yield cur
ev = collections.defaultdict(list)  # direction -> [(time, kind, bytes)]
for dev in ("lan0", "wan0"):
    other = "wan0" if dev == "lan0" else "lan0"
    for t, src, dst, hexs in packets(dev):
        if dst == "02:00:00:00:00:99": continue
        if src == macs[dev]: ev[other + ">" + dev].append((t, "out", "".join(hexs)))
        else:
            other_out = "wan0" if dev == "lan0" else "lan0"
            ev[dev + ">" + other_out].append((t, "in", "".join(hexs)))
def key(h):
    # IPv4 header: skip TTL (byte 8) and header checksum (bytes 10-11), which forwarding changes.
    return h[:16] + h[18:20] + h[24:]
overtaken = 0; maxdelay = 0.0
for d, evs in ev.items():
    ins = collections.defaultdict(list)
    for t, k, h in sorted(evs):
        if k == "in": ins[key(h)].append(t)
    outs = []
    for t, k, h in sorted(evs):
        if k != "out": continue
        cand = [x for x in ins[key(h)] if x <= t]
        if cand: outs.append((t, cand[-1]))
    for i, (t, tin) in enumerate(outs):
        maxdelay = max(maxdelay, t - tin)
        if any(tin2 > tin for _, tin2 in outs[:i]): overtaken += 1
print(f"overtaken={overtaken} maxdelay={maxdelay:.2f}")
' "$IKT_DIR/N"
}
