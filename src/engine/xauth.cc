// XAUTH (draft-beaulieu-ike-xauth-02) methods, attributes and configuration: see xauth.h.
#include "engine/xauth.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "base/log.h"

namespace ike::engine {

namespace {

using base::ErrorCode;
using base::NotifyType;
using wire::CfgAttr;
using wire::IkeAuthMethod;

constexpr uint16_t kFirstXauth = static_cast<uint16_t>(CfgAttr::XauthType);
constexpr uint16_t kLastXauth = static_cast<uint16_t>(CfgAttr::XauthAnswer);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

uint16_t u16(CfgAttr a) { return static_cast<uint16_t>(a); }

std::string attr_name(uint16_t type) {
  return wire::registry_name_or_number(wire::Registry::CfgAttr, type);
}

wire::Attribute variable(CfgAttr type, base::ByteView value) {
  wire::Attribute a;
  a.type = u16(type);
  a.tv = false;
  a.long_value = base::to_bytes(value);
  return a;
}

bool has_nul(base::ByteView v) { return std::find(v.begin(), v.end(), 0) != v.end(); }

}  // namespace

std::optional<wire::IkeAuthMethod> xauth_base_method(uint16_t method) noexcept {
  switch (static_cast<IkeAuthMethod>(method)) {
    case IkeAuthMethod::XauthInitPreShared:
    case IkeAuthMethod::XauthRespPreShared: return IkeAuthMethod::PreShared;
    case IkeAuthMethod::XauthInitRsa:
    case IkeAuthMethod::XauthRespRsa: return IkeAuthMethod::RsaSig;
    default: return std::nullopt;
  }
}

bool xauth_initiator_is_client(uint16_t method) noexcept {
  return method == static_cast<uint16_t>(IkeAuthMethod::XauthInitPreShared) ||
         method == static_cast<uint16_t>(IkeAuthMethod::XauthInitRsa);
}

std::optional<uint16_t> xauth_config_alias(std::string_view name) noexcept {
  if (iequals(name, "XAUTH_PRE_SHARED")) {
    return static_cast<uint16_t>(IkeAuthMethod::XauthInitPreShared);
  }
  if (iequals(name, "XAUTH_RSA_SIG")) return static_cast<uint16_t>(IkeAuthMethod::XauthInitRsa);
  return std::nullopt;
}

XauthRole xauth_role(uint16_t wire_method, bool we_initiated_phase1) noexcept {
  if (!xauth_base_method(wire_method)) return XauthRole::None;
  // §5: XAUTHInit*: the initiator authenticates with XAUTH (it is the client); XAUTHResp*: the
  // responder does. The edge device (server) is the other side.
  const bool initiator_is_client = xauth_initiator_is_client(wire_method);
  return we_initiated_phase1 == initiator_is_client ? XauthRole::Client : XauthRole::Server;
}

bool is_xauth_payload(const wire::AttributePayload& p) noexcept {
  return std::any_of(p.attributes.begin(), p.attributes.end(), [](const wire::Attribute& a) {
    return a.type >= kFirstXauth && a.type <= kLastXauth;
  });
}

base::Result<XauthMessage> parse_xauth(const wire::AttributePayload& p) {
  XauthMessage m;
  m.type = static_cast<wire::CfgType>(p.cfg_type);
  m.identifier = p.identifier;
  std::array<std::size_t, kLastXauth - kFirstXauth + 1> seen{};
  for (std::size_t i = 0; i < p.attributes.size(); ++i) {
    const wire::Attribute& a = p.attributes[i];
    const std::size_t index = i + 1;
    if (a.type < kFirstXauth || a.type > kLastXauth) {
      m.other.push_back(a.type);
      continue;
    }
    const std::string name = attr_name(a.type);
    std::size_t& first = seen[a.type - kFirstXauth];
    if (first != 0) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "XAUTH attribute #{} {} duplicates #{}", index, name, first);
    }
    first = index;
    const auto type = static_cast<CfgAttr>(a.type);
    if (type == CfgAttr::XauthType || type == CfgAttr::XauthStatus) {
      // §6.1: XAUTH-TYPE and XAUTH-STATUS are Basic attributes. A zero-length variable one is
      // what a REQUEST/ACK may carry to name it; 2- or 4-octet variable values are accepted
      // as numbers (some peers encode them so).
      std::optional<uint64_t> n;
      if (a.tv) {
        n = a.short_value;
      } else if (a.long_value.empty()) {
        continue;
      } else if (a.long_value.size() == 2 || a.long_value.size() == 4) {
        n = a.as_number();
      } else {
        return base::make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                                "XAUTH attribute #{} {}: length {} (expected basic, 2 or 4)",
                                index, name, a.long_value.size());
      }
      if (type == CfgAttr::XauthType) {
        if (*n != kXauthTypeGeneric) {
          return base::make_error(ErrorCode::Unsupported, NotifyType::AttributesNotSupported,
                                  "XAUTH attribute #{} XAUTH_TYPE {} (only generic 0 supported)",
                                  index, *n);
        }
        m.xauth_type = static_cast<uint16_t>(*n);
      } else {
        if (*n != kXauthStatusOk && *n != kXauthStatusFail) {
          return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                                  "XAUTH attribute #{} XAUTH_STATUS {} (expected 0 FAIL or 1 OK)",
                                  index, *n);
        }
        m.status = static_cast<uint16_t>(*n);
      }
      continue;
    }
    // §6.1: every other XAUTH attribute is Variable.
    if (a.tv) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "XAUTH attribute #{} {} in TV form (expected variable length)",
                              index, name);
    }
    if (a.long_value.size() > kMaxXauthText) {
      return base::make_error(ErrorCode::BadLength, NotifyType::PayloadMalformed,
                              "XAUTH attribute #{} {}: length {} (at most {})", index, name,
                              a.long_value.size(), kMaxXauthText);
    }
    const base::ByteView v = base::view(a.long_value);
    if (has_nul(v)) {
      return base::make_error(ErrorCode::BadValue, NotifyType::PayloadMalformed,
                              "XAUTH attribute #{} {}: contains a NUL octet", index, name);
    }
    const std::string text(base::as_chars(v));
    switch (type) {
      case CfgAttr::XauthUserName: m.user = text; break;
      case CfgAttr::XauthUserPassword: m.password = base::to_secure(v); break;
      case CfgAttr::XauthPasscode: m.passcode = base::to_secure(v); break;
      case CfgAttr::XauthMessage: m.message = text; break;
      case CfgAttr::XauthChallenge: m.challenge = text; break;
      case CfgAttr::XauthDomain: m.domain = text; break;
      case CfgAttr::XauthNextPin: m.next_pin = base::to_secure(v); break;
      case CfgAttr::XauthAnswer: m.answer = text; break;
      default: break;
    }
  }
  return m;
}

wire::AttributePayload build_xauth_request(uint16_t identifier) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(wire::CfgType::Request);
  p.identifier = identifier;
  p.attributes.push_back(wire::Attribute::basic(u16(CfgAttr::XauthType), kXauthTypeGeneric));
  p.attributes.push_back(variable(CfgAttr::XauthUserName, {}));
  p.attributes.push_back(variable(CfgAttr::XauthUserPassword, {}));
  return p;
}

base::Result<wire::AttributePayload> build_xauth_reply(uint16_t identifier, bool with_type,
                                                       std::string_view user,
                                                       base::ByteView password) {
  if (user.size() > kMaxXauthText || password.size() > kMaxXauthText) {
    return base::make_error(ErrorCode::BadLength, NotifyType::None,
                            "XAUTH user name or password longer than {} octets", kMaxXauthText);
  }
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(wire::CfgType::Reply);
  p.identifier = identifier;
  if (with_type) {
    p.attributes.push_back(wire::Attribute::basic(u16(CfgAttr::XauthType), kXauthTypeGeneric));
  }
  p.attributes.push_back(variable(CfgAttr::XauthUserName, base::view(user)));
  p.attributes.push_back(variable(CfgAttr::XauthUserPassword, password));
  return p;
}

wire::AttributePayload build_xauth_set(uint16_t identifier, bool ok) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(wire::CfgType::Set);
  p.identifier = identifier;
  p.attributes.push_back(
      wire::Attribute::basic(u16(CfgAttr::XauthStatus), ok ? kXauthStatusOk : kXauthStatusFail));
  return p;
}

wire::AttributePayload build_xauth_ack(uint16_t identifier, uint16_t status) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(wire::CfgType::Ack);
  p.identifier = identifier;
  p.attributes.push_back(wire::Attribute::basic(u16(CfgAttr::XauthStatus), status));
  return p;
}

base::Result<XauthCredentials> xauth_client_credentials(const conf::ConfDb& conf,
                                                        std::string_view peer_section) {
  auto user = conf.get(peer_section, "XAuth-user");
  if (!user || user->empty()) {
    return base::make_error(ErrorCode::Config, NotifyType::None, "[{}]:XAuth-user missing",
                            peer_section);
  }
  auto password = conf.get(peer_section, "XAuth-password");
  if (!password) {
    return base::make_error(ErrorCode::Config, NotifyType::None, "[{}]:XAuth-password missing",
                            peer_section);
  }
  XauthCredentials c;
  c.user = *user;
  c.password = base::to_secure(base::view(*password));
  if (c.user.size() > kMaxXauthText || c.password.size() > kMaxXauthText ||
      has_nul(base::view(c.user)) || has_nul(base::view(c.password))) {
    return base::make_error(ErrorCode::Config, NotifyType::None,
                            "[{}]:XAuth-user/XAuth-password: longer than {} octets or holding NUL",
                            peer_section, kMaxXauthText);
  }
  return c;
}

base::Duration xauth_timeout(const conf::ConfDb& conf) {
  const int64_t s = conf.get_num_or("General", "XAuth-timeout", kXauthDefaultTimeout.count());
  if (s < 1 || s > 3600) return kXauthDefaultTimeout;
  return base::Seconds{s};
}

}  // namespace ike::engine
