// Main Mode completion (both roles) and phase-1 naming helpers.
#include "engine/phase1.h"

#include <fmt/format.h>

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchanges/common.h"
#include "engine/exchanges/transaction.h"
#include "engine/nat_t.h"
#include "engine/rekey.h"
#include "engine/xauth_exchange.h"

namespace ike::engine {

std::string keylog_cipher_name(crypto::CipherAlg c, std::size_t key_bytes) {
  switch (c) {
    case crypto::CipherAlg::Aes: return fmt::format("AES-CBC-{}", key_bytes * 8);
    case crypto::CipherAlg::TripleDes: return "3DES-CBC";
    case crypto::CipherAlg::Blowfish: return "BLOWFISH-CBC";
    case crypto::CipherAlg::Cast: return "CAST-CBC";
  }
  return "unknown";
}

void phase1_established(EngineImpl& e, Exchange& x, base::TimePoint now) {
  MainModeData& mm = *x.mm;
  IsakmpSa sa;
  sa.cookies = x.key.cookies;
  sa.role = x.role;
  sa.name = x.name;
  sa.local = x.local;
  sa.peer = x.peer;
  sa.suite = mm.suite;
  sa.cipher = mm.cipher;
  // Kept: SKEYID_d, SKEYID_a and the encryption key; SKEYID, SKEYID_e and the initial IV are
  // wiped now, not held for the SA's lifetime (keymat.h IsakmpSaKeys).
  sa.keys = IsakmpSaKeys(std::move(mm.keys));
  sa.iv = std::move(mm.iv);
  sa.established = now;
  if (sa.suite.life_seconds != 0) {
    sa.hard_expiry = now + base::Seconds{static_cast<int64_t>(sa.suite.life_seconds)};
  }
  sa.soft_expiry = soft_expiry_after(e.rng(), now, sa.suite.life_seconds);
  sa.flags = kSaFlagReady | (mm.peer_dpd ? kSaFlagDpd : 0U);
  sa.peer_dpd = mm.peer_dpd;
  sa.peer_id = mm.peer_id_b;
  sa.aggressive = x.type == wire::ExchangeType::Aggressive;
  sa.peer_principals = PackedPrincipals::pack(mm.peer_principals);
  sa.peer_credentials = std::move(mm.peer_credentials);
  sa.nat = mm.nat;
  if (sa.nat.detected() && sa.nat.floated) sa.flags |= kSaFlagNatTEnable;
  nat_t_schedule_keepalive(e, sa, now);
  if (sa.next_keepalive) sa.flags |= kSaFlagNatTKeepalive;
  IsakmpSa& stored = e.sas().add_isakmp(std::move(sa));
  base::CookiePair cookies = stored.cookies;
  ++e.mutable_stats().phase1_done;
  IKE_LOG_DEBUG(Exchange, 10, "phase 1 done: {} {} {} {}", stored.name, role_name(stored.role),
                stored.peer.to_string(), stored.suite.to_string());
  e.event(SaEvent{SaEvent::Kind::Phase1Established, stored.name, stored.local, stored.peer,
                  cookies, base::MessageId{}, {}, stored.suite.to_string()});
  if (e.options().emit_key_material) {
    base::ByteView enc_key = stored.keys.enc_key();
    e.emit(KeyMaterial{cookies, base::SecureBytes(enc_key.begin(), enc_key.end()),
                       keylog_cipher_name(stored.cipher, enc_key.size())});
  }
  if (mm.peer_initial_contact) handle_initial_contact(e, cookies);
  phase1_installed(e, cookies, now);  // retires fading ISAKMP SAs with the peer
  std::vector<std::string> queued = std::move(mm.queued);
  // XAUTH methods: XAUTH runs first; mode-config and the queued Quick Modes follow its success.
  if (xauth_after_phase1(e, cookies, queued, now)) return;
  // Flags=ikecfg: mode-config push or pull, then the queued Quick Modes (after a pull's REPLY).
  transaction_after_phase1(e, cookies, std::move(queued), now);
}

}  // namespace ike::engine
