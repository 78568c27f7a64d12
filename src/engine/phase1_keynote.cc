// KeyNote phase 1 check and KEYNOTE CERT credentials (see phase1_keynote.h; isakmpd policy.c
// keynote_cert_validate / keynote_cert_get_subjects for the credentials a peer sends).
#include "engine/phase1_keynote.h"

#include "base/log.h"
#include "engine/engine_impl.h"
#include "engine/exchange.h"
#include "engine/phase2_keynote.h"
#include "policy/keynote.h"
#include "policy/limits.h"

namespace ike::engine {

namespace {

constexpr uint8_t kCertKeynote = static_cast<uint8_t>(wire::CertEncoding::Keynote);

// The principal named in messages: the DN when there is one, else the key, shortened.
std::string shown_principal(const std::vector<std::string>& principals) {
  for (const std::string& p : principals) {
    if (p.starts_with("DN:")) return p;
  }
  if (principals.empty()) return "(none)";
  const std::string& p = principals.front();
  return p.size() > 40 ? p.substr(0, 40) + "..." : p;
}

base::Status load_peer_credentials(MainModeData& mm,
                                   std::span<const wire::CertPayload* const> certs) {
  auto creds = std::make_shared<std::vector<policy::Assertion>>();
  std::size_t n = 0;
  for (const wire::CertPayload* c : certs) {
    if (c->encoding != kCertKeynote) continue;
    ++n;
    if (c->data.size() > policy::kMaxAssertionSize) {
      return base::make_error(base::ErrorCode::TooMany, base::NotifyType::InvalidCertificate,
                              "KEYNOTE CERT #{}: {} bytes exceed the limit of {}", n,
                              c->data.size(), policy::kMaxAssertionSize);
    }
    std::size_t room = policy::kMaxPeerCredentials - creds->size();
    auto parsed = policy::parse_credentials(base::as_chars(base::view(c->data)), room);
    if (!parsed) {
      return base::make_error(base::ErrorCode::Auth, base::NotifyType::InvalidCertificate,
                              "KEYNOTE CERT #{}: {}", n, parsed.error().detail);
    }
    for (policy::Assertion& a : *parsed) creds->push_back(std::move(a));
  }
  if (!creds->empty()) {
    IKE_LOG_DEBUG(Policy, 20, "KeyNote: {} verified credential(s) from {} KEYNOTE CERT(s)",
                  creds->size(), n);
    mm.peer_credentials = std::move(creds);
  }
  return base::ok();
}

}  // namespace

base::Status keynote_check_phase1(const EngineImpl& e, MainModeData& mm,
                                  std::span<const wire::CertPayload* const> certs) {
  const policy::PolicyContext* policy = e.policy();
  if (policy == nullptr || !policy->set) return base::ok();
  IKE_TRY_VOID(load_peer_credentials(mm, certs));
  if (mm.peer_principals.empty()) return base::ok();  // pre-shared key (or fuzzing bypass)
  policy::Query q;
  q.attributes = {{"app_domain", "IPsec policy"}, {"doi", "ipsec"}};
  q.authorizers = mm.peer_principals;
  // The peer's own KEYNOTE CERTs, then those of Credential-directory/<peer ID>/credentials.
  auto creds = keynote_credentials_for_peer(*policy, base::view(mm.peer_id_b),
                                            mm.peer_credentials);
  if (creds) q.extra = *creds;
  q.licensees_only = true;
  auto r = policy->set->query(q);
  if (!r) {
    return base::make_error(base::ErrorCode::Auth, base::NotifyType::AuthenticationFailed,
                            "KeyNote policy error for phase 1 with {}: {}",
                            shown_principal(mm.peer_principals), r.error().detail);
  }
  IKE_LOG_DEBUG(Policy, 30, "KeyNote phase 1: {} -> \"{}\" ({} assertions evaluated)",
                shown_principal(mm.peer_principals), r->value, r->assertions_evaluated);
  if (r->value == "true") return base::ok();
  return base::make_error(base::ErrorCode::Auth, base::NotifyType::AuthenticationFailed,
                          "KeyNote policy result {} for phase 1 with {}: no assertion chain from "
                          "POLICY licenses the peer ({} assertions evaluated{})",
                          r->value, shown_principal(mm.peer_principals),
                          r->assertions_evaluated,
                          r->step_cap_hit ? ", step budget exhausted" : "");
}

}  // namespace ike::engine
