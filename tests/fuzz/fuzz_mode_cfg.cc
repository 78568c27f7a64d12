// libFuzzer target: a mode-config ATTRIBUTE payload body (draft-dukes-ike-mode-cfg-02 §3.2)
// through the wire parser and engine::parse_mode_cfg (lengths per kind, TV form, duplicates,
// masks), then the REPLY a server would build for it and the client's script environment.
// Invariant: whatever parse_mode_cfg accepts re-encodes (build_mode_cfg) and parses back to
// the same items (APPLICATION_VERSION text is sanitised, so only its presence is compared).
// The same payload also goes through engine::parse_xauth (draft-beaulieu-ike-xauth-02 §6.1):
// whatever user name and password it accepts rebuild into a REPLY that parses back equal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/mode_cfg.h"
#include "engine/xauth.h"
#include "wire/message.h"

namespace {

using namespace ike;

void require(bool ok) {
  if (!ok) std::abort();
}

bool is_text(uint16_t type) {
  return type == static_cast<uint16_t>(wire::CfgAttr::ApplicationVersion);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = wire::parse_payload_body(wire::PayloadType::Attribute, base::ByteView(data, size), 0);
  if (!p) return 0;
  const auto& attr = std::get<wire::AttributePayload>(*p);
  if (auto x = engine::parse_xauth(attr); !x) {
    require(!x.error().detail.empty());
  } else if (x->user && x->password) {
    auto reply = engine::build_xauth_reply(x->identifier, x->xauth_type.has_value(), *x->user,
                                           base::view(*x->password));
    require(static_cast<bool>(reply));
    auto back = engine::parse_xauth(*reply);
    require(back && back->user == x->user && back->password == x->password);
  }
  auto m = engine::parse_mode_cfg(std::get<wire::AttributePayload>(*p));
  if (!m) {
    require(!m.error().detail.empty());
    return 0;
  }
  std::vector<engine::CfgItem> items;
  for (const auto& i : m->items) {
    if (!is_text(i.type)) items.push_back(i);
  }
  auto rebuilt = engine::build_mode_cfg(m->type, m->identifier, items);
  require(static_cast<bool>(rebuilt));
  auto again = engine::parse_mode_cfg(*rebuilt);
  require(static_cast<bool>(again));
  require(again->items == items);
  std::vector<engine::CfgItem> configured{{1, "10.1.0.5"}, {3, "10.1.0.53"}};
  auto reply = engine::mode_cfg_answer(configured, *m);
  require(static_cast<bool>(engine::build_mode_cfg(wire::CfgType::Reply, m->identifier, reply)));
  (void)engine::mode_cfg_environment(m->items);
  return 0;
}
