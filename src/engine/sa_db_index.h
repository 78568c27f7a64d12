// SaDb's secondary indexes (sa_db.h), compact for issue #7 (100 000 pairs at <= 4 KB each).
// The common case is many peers with one SA each, where a per-key container (a hash node per
// peer holding a std::set header, plus the set's node, plus a copy of the connection name)
// costs several times the entry itself. So each ordered index is one std::set of pointers to
// the SAs, ordered by fields of the pointed-to record: 48 heap bytes per SA per index, and a
// lookup is a lower_bound over a composite key (O(log n + k), never a scan).
//
// Pointers stay valid because SaDb keeps its SAs in std::map nodes, stable until erased; the
// keyed fields (peer address, connection name, SPIs, installed refs, cookies) must not change
// while an SA is indexed: SaDb unlinks an SA before erasing it and re-links it around a peer
// change (move_peer). An indexed record mutated behind the index would corrupt the set order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/address.h"
#include "base/ids.h"

namespace ike::engine {

struct IpsecSa;
struct IsakmpSa;

class IpsecIndex {
 public:
  IpsecIndex() = default;
  // Copies would point into the source SaDb's records.
  IpsecIndex(const IpsecIndex&) = delete;
  IpsecIndex& operator=(const IpsecIndex&) = delete;
  IpsecIndex(IpsecIndex&&) = default;
  IpsecIndex& operator=(IpsecIndex&&) = default;

  // `sa` is the record in SaDb's map: it must outlive its entries (remove() before erasing).
  void add(const IpsecSa& sa);
  void remove(const IpsecSa& sa);
  // Re-keys the peer-dependent entries around the change of sa.peer.
  void move_peer(IpsecSa& sa, const base::SockAddr& peer);

  // The lowest inbound SPI among the SAs with this peer and outbound SPI.
  std::optional<base::Spi> by_peer_out(const base::IpAddress& peer, base::Spi out_spi) const;
  // The pair holding the kernel SA (spi, dst); the first pair added wins a shared key.
  std::optional<base::Spi> by_ref(base::Spi spi, const base::IpAddress& dst) const;
  std::vector<base::Spi> with_peer(const base::IpAddress& peer) const;  // SPI order
  std::vector<base::Spi> with_peer_and_name(const base::IpAddress& peer,
                                            std::string_view name) const;  // SPI order
  std::size_t count_for(std::string_view name) const;

  // Prefix probes of the composite keys (a null member matches every value of that field).
  struct NamePeerProbe {
    std::string_view name;
    const base::IpAddress* peer = nullptr;
  };
  struct PeerOutProbe {
    const base::IpAddress* peer = nullptr;
    std::optional<base::Spi> out;
  };
  struct RefProbe {
    uint32_t spi = 0;
    const base::IpAddress* dst = nullptr;
  };
  // Which kernel SA of a pair a ref entry names: installed[which], else these two.
  static constexpr uint32_t kInSpiRef = 0xfffffffeU;   // (in SPI, local address)
  static constexpr uint32_t kOutSpiRef = 0xffffffffU;  // (out SPI, peer address)
  struct RefEntry {
    const IpsecSa* sa = nullptr;
    uint32_t which = 0;
  };

  // (name, peer, in SPI): a (peer, name) query is one range in SPI order, and the SAs sharing
  // a name are adjacent (count_for's key is re-pointed to a neighbour).
  struct ByNamePeer {
    using is_transparent = void;
    bool operator()(const IpsecSa* a, const IpsecSa* b) const noexcept;
    bool operator()(const IpsecSa* a, const NamePeerProbe& p) const noexcept;
    bool operator()(const NamePeerProbe& p, const IpsecSa* a) const noexcept;
  };
  // (peer, out SPI, in SPI): the first match of a (peer, out) probe is the lowest inbound SPI.
  struct ByPeerOut {
    using is_transparent = void;
    bool operator()(const IpsecSa* a, const IpsecSa* b) const noexcept;
    bool operator()(const IpsecSa* a, const PeerOutProbe& p) const noexcept;
    bool operator()(const PeerOutProbe& p, const IpsecSa* a) const noexcept;
  };
  // Hash and equality of a ref entry through the (SPI, destination) it names. Not cached in
  // the node (a noexcept hash): 32-byte nodes instead of a 48-byte (key copy, SPI) pair.
  struct RefHash {
    using is_transparent = void;
    std::size_t operator()(const RefEntry& e) const noexcept;
    std::size_t operator()(const RefProbe& p) const noexcept;
  };
  struct RefEq {
    using is_transparent = void;
    bool operator()(const RefEntry& a, const RefEntry& b) const noexcept;
    bool operator()(const RefEntry& a, const RefProbe& b) const noexcept;
    bool operator()(const RefProbe& a, const RefEntry& b) const noexcept;
  };

 private:
  void link(const IpsecSa& sa);    // the ordered sets and the refs
  void unlink(const IpsecSa& sa);

  std::set<const IpsecSa*, ByNamePeer> m_by_name_peer;
  std::set<const IpsecSa*, ByPeerOut> m_by_peer_out;
  std::unordered_set<RefEntry, RefHash, RefEq> m_by_ref;
  // Connection name -> SA count. The key views the name inside one live SA with that name;
  // when that SA goes and others remain, the key is re-pointed to one of them (no copy).
  std::unordered_map<std::string_view, std::size_t> m_per_name;
};

// ISAKMP SAs by peer address: (peer, cookies), so a peer's SAs are one range in cookie order.
class IsakmpPeerIndex {
 public:
  IsakmpPeerIndex() = default;
  IsakmpPeerIndex(const IsakmpPeerIndex&) = delete;
  IsakmpPeerIndex& operator=(const IsakmpPeerIndex&) = delete;
  IsakmpPeerIndex(IsakmpPeerIndex&&) = default;
  IsakmpPeerIndex& operator=(IsakmpPeerIndex&&) = default;

  void add(const IsakmpSa& sa);
  void remove(const IsakmpSa& sa);
  void move_peer(IsakmpSa& sa, const base::SockAddr& peer);
  // The newest established SA with the peer (from `local` when given); among equals the
  // lowest cookies.
  const IsakmpSa* newest(const base::IpAddress& peer,
                         const base::IpAddress* local = nullptr) const;
  std::vector<base::CookiePair> with_peer(const base::IpAddress& peer) const;  // cookie order

  struct ByPeerCookies {
    using is_transparent = void;
    bool operator()(const IsakmpSa* a, const IsakmpSa* b) const noexcept;
    bool operator()(const IsakmpSa* a, const base::IpAddress& peer) const noexcept;
    bool operator()(const base::IpAddress& peer, const IsakmpSa* a) const noexcept;
  };

 private:
  std::set<const IsakmpSa*, ByPeerCookies> m_by_peer;
};

}  // namespace ike::engine
