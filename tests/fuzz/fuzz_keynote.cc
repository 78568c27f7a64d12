// libFuzzer target for the KeyNote engine (src/policy; reliability class 20: policy files and
// credentials are hostile): the input is a policy file; it is split, parsed, loaded, and
// queried with isakmpd's attribute names and two requesters; also loaded as credentials
// (signature parsing and verification paths). Invariants: a loaded set answers every query
// with one of the compliance values; nothing crashes, loops or grows without bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/log.h"
#include "policy/assertion.h"
#include "policy/keynote.h"
#include "policy/lexer.h"
#include "policy/limits.h"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ike::policy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tokenize(text, true);
  (void)parse_assertion(text);
  PolicySet set;
  if (set.add_policy(text)) {
    require(set.size() <= kMaxAssertions);
    Query q;
    q.attributes = {{"app_domain", "IPsec policy"}, {"doi", "ipsec"}, {"esp_present", "yes"},
                    {"esp_enc_alg", "aes"},          {"esp_key_length", "256"},
                    {"remote_filter_type", "IPv4 subnet"},
                    {"remote_filter_addr_lower", "192.168.001.000"},
                    {"GMTTimeOfDay", "20260615120000"}, {"n", "42"}, {"f", "2.5"}};
    q.authorizers = {"passphrase:foobar", "A"};
    auto r = set.query(q);
    require(r.has_value() && r->index < q.values.size() && r->value == q.values[r->index]);
    q.values = {"deny", "read", "write", "admin"};
    auto r2 = set.query(q);
    require(r2.has_value() && r2->index < q.values.size());
    // The phase-1 question (phase1_keynote.h): Licensees only, with the input as per-query
    // credentials too.
    q.values = {"false", "true"};
    q.licensees_only = true;
    q.authorizers = {"DN:/O=ike-test/CN=10.0.0.1", "ecdsa-hex:3059", "x509-base64:MIIB"};
    auto extra = parse_credentials(text, kMaxPeerCredentials);
    if (extra) {
      require(extra->size() <= kMaxPeerCredentials);
      q.extra = *extra;
    }
    auto r3 = set.query(q);
    require(r3.has_value() && r3->index < q.values.size());
  }
  PolicySet creds;
  (void)creds.add_credentials(text);
  return 0;
}
