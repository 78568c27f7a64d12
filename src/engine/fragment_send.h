// IKEv1 fragmentation in the engine (vendor extension, wire/fragment.h): the FRAGMENTATION
// vendor ID we send in MM1/MM2/AM1/AM2 and look for in the peer's, the fragment size
// ([General]:IKE-fragment-size, the whole IP packet: 576 for IPv4 and 1280 for IPv6 by
// default), splitting outgoing messages of exchanges whose peer announced support, and the
// receive path (fragments only for cookies of a known exchange or ISAKMP SA, then the
// FragmentReassembler). Internal to src/engine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "conf/conf_db.h"
#include "engine/fragment_reassembly.h"
#include "engine/io.h"
#include "engine/peer_config.h"
#include "wire/payload.h"

namespace ike::engine {

class EngineImpl;
struct Inbound;

inline constexpr std::size_t kDefaultFragmentSizeV4 = 576;   // RFC 791 minimum reassembly
inline constexpr std::size_t kDefaultFragmentSizeV6 = 1280;  // RFC 8200 minimum MTU
inline constexpr std::size_t kMinFragmentSize = 256;

// The engine's fragmentation state (a member of EngineImpl).
struct FragmentState {
  FragmentReassembler reassembler;
  uint16_t next_id = 1;  // per engine, strictly increasing per message (wraps after 65535)
};

wire::VendorPayload fragmentation_vendor_id_payload();
bool has_fragmentation_vendor_id(const Inbound& in);
// [<peer>]:Fragmentation=no: removes the FRAGMENTATION vendor ID from a phase-1 message's
// payloads (the exchanges add it unconditionally, then call this); yes/force leave it.
void apply_fragmentation_mode(const PeerConfig& peer, std::vector<wire::Payload>& payloads);

// Largest ISAKMP datagram sent unfragmented from `local` to `peer`: IKE-fragment-size (default
// by family, below kMinFragmentSize or above 65535 the default) minus the IP and UDP headers
// and, on the NAT-T port, the 4-octet non-ESP marker (RFC 3948 §2.2).
std::size_t max_unfragmented_datagram(const conf::ConfDb& conf, const base::SockAddr& local,
                                      const base::SockAddr& peer, uint16_t nat_t_port);

// The fragment datagrams to send instead of `bytes`, or an empty vector to send `bytes` as is:
// the message fits, or no phase-1 exchange has its cookies, or that exchange's peer section
// says Fragmentation=no, or (=yes, the default) its peer did not send the vendor ID.
// Fragmentation=force splits whatever the peer announced.
std::vector<base::Bytes> fragments_for(EngineImpl& e, const base::SockAddr& local,
                                       const base::SockAddr& peer, base::ByteView bytes);

// A received fragment datagram: parsed, checked against the known cookies and inserted. The
// reassembled message when this fragment completed one (it is then dispatched like any
// datagram); nullopt otherwise (the drop, if any, already recorded with its reason). Fragments
// for an exchange or ISAKMP SA whose peer section says Fragmentation=no are dropped before
// reassembly ("fragmentation disabled", counted as dropped_by_reason "fragment_refused").
std::optional<base::Bytes> on_fragment(EngineImpl& e, const Datagram& d, base::TimePoint now);

}  // namespace ike::engine
