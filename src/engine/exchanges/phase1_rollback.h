// Phase1Rollback: the "no state change" guarantee of a phase-1 step that has to fill the
// MainModeData working set before it can verify the message (SKEYID needs the nonces and KE;
// Aggressive Mode's HASH_R needs the keys of AM2 itself). Saves what such a step may set
// before its commit point (accept()) and restores it on every early return unless commit()
// was called, so a message dropped as unverifiable (engine/unverifiable.cc) leaves the exchange
// exactly as it was. Only fields that are still empty or small at those states are saved; the
// keys are reset to empty if they were empty before (no secret is copied).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/exchange.h"

namespace ike::engine {

class Phase1Rollback {
 public:
  explicit Phase1Rollback(MainModeData& mm)
      : m_mm(mm),
        m_had_dh(mm.dh != nullptr),
        m_had_keys(!mm.keys.enc_key.empty()),
        m_suite(mm.suite),
        m_cipher(mm.cipher),
        m_ni(mm.ni_b),
        m_nr(mm.nr_b),
        m_g_xi(mm.g_xi),
        m_g_xr(mm.g_xr),
        m_peer_id_b(mm.peer_id_b),
        m_peer_id(mm.peer_id),
        m_cert_reqs(mm.peer_cert_reqs),
        m_principals(mm.peer_principals) {}
  Phase1Rollback(const Phase1Rollback&) = delete;
  Phase1Rollback& operator=(const Phase1Rollback&) = delete;
  ~Phase1Rollback() {
    if (m_committed) return;
    if (!m_had_dh) m_mm.dh.reset();
    if (!m_had_keys) m_mm.keys = Phase1Keys{};
    m_mm.suite = std::move(m_suite);
    m_mm.cipher = m_cipher;
    m_mm.ni_b = std::move(m_ni);
    m_mm.nr_b = std::move(m_nr);
    m_mm.g_xi = std::move(m_g_xi);
    m_mm.g_xr = std::move(m_g_xr);
    m_mm.peer_id_b = std::move(m_peer_id_b);
    m_mm.peer_id = std::move(m_peer_id);
    m_mm.peer_cert_reqs = std::move(m_cert_reqs);
    m_mm.peer_principals = std::move(m_principals);
  }
  // The step passed its commit point: keep what it set.
  void commit() noexcept { m_committed = true; }

 private:
  MainModeData& m_mm;
  bool m_committed = false;
  bool m_had_dh, m_had_keys;
  Phase1Suite m_suite;
  crypto::CipherAlg m_cipher;
  base::Bytes m_ni, m_nr, m_g_xi, m_g_xr, m_peer_id_b;
  std::optional<wire::IdPayload> m_peer_id;
  std::vector<wire::CertReqPayload> m_cert_reqs;
  std::vector<std::string> m_principals;
};

}  // namespace ike::engine
