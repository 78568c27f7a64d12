// The per-handshake certificate work of signature authentication (auth_signature.h), done once
// per distinct input instead of once per handshake (issue #7: ~0.6 ms of an RSA handshake went
// to parsing the peer's CERT payloads, building and verifying its chain with OpenSSL 3 and
// decoding its public key). Two bounded LRU tables:
//   * parsed certificates by their exact DER (parsing is a pure function of the bytes; a DER
//     that fails to parse is never stored, so every failure is re-detected);
//   * verified chains: key = the trust store's generation (x509.h: renewed by every CA/CRL
//     change), Accept-self-signed, its CRL count, the method, the leaf DER and the untrusted chain
//     DERs in order (length-prefixed). Only SUCCESSFUL verifications are stored, with the
//     ValidityWindow of the chain OpenSSL built (certificates' notBefore/notAfter, CRLs'
//     lastUpdate/nextUpdate); an entry is used only while the verification time (the injected
//     wall clock) is inside that window, and is never used under another generation. The value
//     is the leaf's public key for the method (RSA, or EC on the method's curve). The signature
//     itself is always verified, and the ID is always matched against the certificate.
// Keys are compared byte for byte (the table hashes them; no digest stands in for the input), so
// a changed chain, certificate or order never finds an entry. Thread-safe (one mutex): the
// PkiStore that owns it is shared read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ecdsa.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"

namespace ike::engine {

// The peer's key: RSA for RSA_SIG, EC for ECDSA_256/384/521.
using PeerKey = std::variant<crypto::RsaPublicKey, crypto::EcdsaPublicKey>;

class CertificateCache {
 public:
  // Entries per table. An entry of each table costs about 11 KB (the parsed X509 5.6 KB, the
  // RSA key 1.7 KB, the DER in the keys; docs/PERFORMANCE.md, sixteenth session), so 32 slots
  // are ~0.35 MB. Hits come from one certificate seen again and again (peers behind one
  // identity, a retransmitted message, a burst of reconnects); a hub's distinct peers
  // re-authenticate hours apart and miss any LRU smaller than their number.
  static constexpr std::size_t kDefaultCapacity = 32;
  explicit CertificateCache(std::size_t capacity = kDefaultCapacity) : m_capacity(capacity) {}
  CertificateCache(const CertificateCache&) = delete;
  CertificateCache& operator=(const CertificateCache&) = delete;

  struct Stats {
    uint64_t parse_hits = 0, parse_misses = 0;
    uint64_t chain_hits = 0, chain_misses = 0;
    uint64_t chain_expired = 0;  // entries found but outside their window (dropped)
    uint64_t generation_flushes = 0;  // tables dropped because the trust store changed
    std::size_t parsed_entries = 0, chain_entries = 0;
  };

  // crypto::Certificate::from_der(der), from the table when these exact bytes were parsed.
  [[nodiscard]] base::Result<crypto::Certificate> parse(base::ByteView der);

  // The verified-chain key (see above).
  static std::string chain_key(const crypto::TrustStore& trust, const crypto::Certificate& leaf,
                               std::span<const crypto::Certificate> intermediates,
                               uint16_t method);
  // The key of a chain verified under `key` whose window contains `unix_time`; an entry whose
  // window does not is dropped. `generation` is the trust store's: when it differs from the one
  // the table was filled under, every verified chain is dropped first (CA/CRL set changed).
  std::optional<PeerKey> find_verified(const std::string& key, uint64_t generation,
                                       int64_t unix_time);
  void remember_verified(std::string key, uint64_t generation, PeerKey peer_key,
                         crypto::ValidityWindow window);

  void clear();
  Stats stats() const;

 private:
  void sync_generation(uint64_t generation);  // m_mu held
  template <typename V>
  struct Lru {
    // The order holds pointers to the map's keys (nodes are stable), not copies of them.
    using Order = std::list<const std::string*>;
    struct Slot {
      V value;
      Order::iterator age;
    };
    std::unordered_map<std::string, Slot> map;
    Order order;  // most recently used first
    V* find(const std::string& k);
    void put(std::string k, V v, std::size_t capacity);
    void erase(const std::string& k);
  };
  struct Verified {
    PeerKey key;
    crypto::ValidityWindow window;
  };

  std::size_t m_capacity;
  mutable std::mutex m_mu;
  Lru<crypto::Certificate> m_parsed;
  Lru<Verified> m_verified;
  uint64_t m_generation = 0;  // of the trust store m_verified was filled under
  Stats m_stats;
};

}  // namespace ike::engine
