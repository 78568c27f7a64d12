// Phase-1 proposal policy (RFC 2409 §5 / App. A, RFC 2408 §4.2): offer building, responder
// selection with per-attribute mismatch reporting, reply checking; also the Phase1Suite helpers
// of negotiated.h and the configuration helpers shared with phase2_policy.cc. See
// phase1_policy.h.
#include "engine/phase1_policy.h"

#include <fmt/core.h>

#include <charconv>
#include <iterator>

#include "base/log.h"
#include "engine/xauth.h"
#include "wire/message.h"

namespace ike::engine {

using policy_detail::ConfValue;
using policy_detail::LocalLifetimes;

// ------------------------------------------------------------------ negotiated.h helpers
std::optional<crypto::HashAlg> hash_alg_from_ike(uint64_t ike_hash) noexcept {
  switch (ike_hash) {
    case 1: return crypto::HashAlg::Md5;
    case 2: return crypto::HashAlg::Sha1;
    case 4: return crypto::HashAlg::Sha256;
    case 5: return crypto::HashAlg::Sha384;
    case 6: return crypto::HashAlg::Sha512;
    default: return std::nullopt;
  }
}

std::optional<crypto::CipherAlg> cipher_alg_from_ike(uint64_t ike_encryption) noexcept {
  switch (ike_encryption) {
    case 3: return crypto::CipherAlg::Blowfish;
    case 5: return crypto::CipherAlg::TripleDes;
    case 6: return crypto::CipherAlg::Cast;
    case 7: return crypto::CipherAlg::Aes;
    default: return std::nullopt;
  }
}

std::string dh_group_name(uint16_t group) {
  return wire::registry_name_or_number(wire::Registry::DhGroup, group);
}

base::Result<crypto::CipherAlg> Phase1Suite::cipher() const {
  auto c = cipher_alg_from_ike(static_cast<uint64_t>(encryption));
  if (!c) {
    return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::AttributesNotSupported,
                            "ENCRYPTION_ALGORITHM {} not supported",
                            wire::registry_name_or_number(wire::Registry::IkeEncryption,
                                                          static_cast<uint32_t>(encryption)));
  }
  return *c;
}

base::Result<std::size_t> Phase1Suite::enc_key_bytes() const {
  IKE_TRY(crypto::CipherAlg c, cipher());
  return crypto::cipher_key_bytes(c, key_length_bits);
}

namespace {

void append_life_text(std::string& out, uint64_t seconds, uint64_t kbytes) {
  if (seconds == 0 && kbytes == 0) {
    out += "no life";
    return;
  }
  out += "life";
  if (seconds != 0) fmt::format_to(std::back_inserter(out), " {}s", seconds);
  if (kbytes != 0) fmt::format_to(std::back_inserter(out), " {}KB", kbytes);
}

}  // namespace

// "AES_CBC-128/SHA/ECP_256/PRE_SHARED life 3600s". Built in one string: it is the detail of
// every phase-1 established event (issue #7).
std::string Phase1Suite::to_string() const {
  std::string out;
  out.reserve(64);
  wire::append_registry_name(out, wire::Registry::IkeEncryption,
                             static_cast<uint32_t>(encryption));
  if (key_length_bits != 0) fmt::format_to(std::back_inserter(out), "-{}", key_length_bits);
  out += '/';
  wire::append_registry_name(out, wire::Registry::IkeHash, static_cast<uint32_t>(hash));
  out += '/';
  wire::append_registry_name(out, wire::Registry::DhGroup, dh_group);
  out += '/';
  wire::append_registry_name(out, wire::Registry::IkeAuthMethod, wire_auth_method());
  out += ' ';
  append_life_text(out, life_seconds, life_kbytes);
  return out;
}

// ------------------------------------------------------------------ shared config helpers
namespace policy_detail {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

base::Result<ConfValue> conf_value(const conf::ConfDb& conf, std::string_view section,
                                   std::string_view tag, wire::Registry registry,
                                   bool allow_any) {
  ConfValue v;
  auto text = conf.get(section, tag);
  if (!text || text->empty()) return v;
  v.present = true;
  if (iequals(*text, "ANY")) {
    if (!allow_any) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "[{}]:{} ANY cannot be offered", section, tag);
    }
    v.any = true;
    return v;
  }
  if (auto n = wire::registry_value(registry, *text)) {
    v.value = *n;
    return v;
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec == std::errc() && end == text->data() + text->size() && n <= 0xffff) {
    v.value = n;
    return v;
  }
  return base::make_error(base::ErrorCode::Config, base::NotifyType::None, "[{}]:{} \"{}\" unknown",
                          section, tag, base::sanitize_for_log(*text));
}

base::Result<std::optional<conf::OfferRange>> conf_range(const conf::ConfDb& conf,
                                                         std::string_view section,
                                                         std::string_view tag, bool allow_any) {
  auto text = conf.get(section, tag);
  if (!text || text->empty()) return std::optional<conf::OfferRange>{};
  auto r = conf::parse_offer_range(*text);
  if (!r) return std::move(r).error().with_context(fmt::format("[{}]:{}", section, tag));
  if (r->any && !allow_any) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "[{}]:{} ANY cannot be offered", section, tag);
  }
  return std::optional<conf::OfferRange>{*r};
}

base::Result<LocalLifetimes> conf_lifetimes(const conf::ConfDb& conf, std::string_view section,
                                            bool allow_any) {
  LocalLifetimes out;
  auto text = conf.get(section, "Life");
  if (!text || text->empty()) return out;
  out.present = true;
  if (iequals(*text, "ANY")) {
    if (!allow_any) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "[{}]:Life ANY cannot be offered", section);
    }
    out.any = true;
    return out;
  }
  for (const auto& life : conf.get_list(section, "Life")) {
    if (!conf.has_section(life)) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "[{}]:Life refers to missing section [{}]", section,
                              base::sanitize_for_log(life));
    }
    LocalLifetime l;
    l.section = life;
    auto type_text = conf.get(life, "LIFE_TYPE");
    auto type = type_text ? wire::registry_value(wire::Registry::LifeType, *type_text)
                          : std::nullopt;
    if (!type) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "[{}]:LIFE_TYPE \"{}\" is not SECONDS or KILOBYTES", life,
                              base::sanitize_for_log(type_text.value_or("")));
    }
    l.type = static_cast<uint16_t>(*type);
    IKE_TRY(auto d, conf_range(conf, life, "LIFE_DURATION", allow_any));
    if (!d) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "[{}]:LIFE_DURATION missing", life);
    }
    if (!d->any && d->offer == 0) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "[{}]:LIFE_DURATION 0 is not a lifetime", life);
    }
    l.duration = *d;
    out.lives.push_back(std::move(l));
  }
  return out;
}

std::string range_text(const conf::OfferRange& r) {
  if (r.any) return "ANY";
  if (r.min == r.max) return fmt::format("{}", r.min);
  return fmt::format("{}:{}", r.min, r.max);
}

std::optional<std::string> lifetime_mismatch(const LocalLifetimes& local, uint64_t seconds,
                                             uint64_t kbytes) {
  if (!local.present || local.any) return std::nullopt;
  const std::pair<uint16_t, uint64_t> offered[] = {
      {static_cast<uint16_t>(wire::LifeType::Seconds), seconds},
      {static_cast<uint16_t>(wire::LifeType::Kilobytes), kbytes}};
  for (const auto& [type, value] : offered) {
    if (value == 0) continue;
    const char* unit = type == static_cast<uint16_t>(wire::LifeType::Seconds) ? "s" : "KB";
    const LocalLifetime* same = nullptr;
    for (const auto& l : local.lives) {
      if (l.type == type) {
        same = &l;
        if (l.duration.accepts(value)) break;
      }
    }
    if (same == nullptr) {
      return fmt::format("LIFE_TYPE {} not accepted (no local lifetime of that type)",
                         wire::registry_name_or_number(wire::Registry::LifeType, type));
    }
    if (!same->duration.accepts(value)) {
      return fmt::format("LIFE_DURATION {}{} not accepted (local: {} in [{}])", value, unit,
                         range_text(same->duration), same->section);
    }
  }
  return std::nullopt;
}

bool same_attributes(const std::vector<wire::Attribute>& a,
                     const std::vector<wire::Attribute>& b) {
  if (a.size() != b.size()) return false;
  std::vector<bool> used(b.size(), false);
  for (const auto& x : a) {
    bool found = false;
    for (std::size_t i = 0; i < b.size() && !found; ++i) {
      if (used[i] || b[i].type != x.type) continue;
      auto nx = x.as_number();
      auto ny = b[i].as_number();
      if (x == b[i] || (nx && ny && *nx == *ny)) {
        used[i] = true;
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

base::Status check_doi_situation(const wire::SaPayload& sa) {
  if (sa.doi != wire::kDoiIpsec) {
    return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::DoiNotSupported,
                            "SA DOI {} not supported (IPSEC = 1)", sa.doi);
  }
  if (sa.situation != wire::kSituationIdentityOnly) {
    return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::SituationNotSupported,
                            "SA situation {:#x} not supported (SIT_IDENTITY_ONLY = 1)",
                            sa.situation);
  }
  return base::ok();
}

}  // namespace policy_detail

// ------------------------------------------------------------------ phase-1 policy
namespace {

using policy_detail::conf_lifetimes;
using policy_detail::conf_range;
using policy_detail::conf_value;
using policy_detail::range_text;

constexpr const char* kConfigurationTag = "Configuration";

base::Error config_error(std::string detail) {
  return base::Error{base::ErrorCode::Config, base::NotifyType::None, std::move(detail)};
}

std::string reg_name(wire::Registry r, uint64_t v) {
  return wire::registry_name_or_number(r, static_cast<uint32_t>(v));
}

// One ISAKMP-transform section of the local configuration.
struct LocalTransform {
  std::string section;
  ConfValue enc, hash, auth, group;
  std::optional<conf::OfferRange> key_length;
  LocalLifetimes lives;
};

base::Result<LocalTransform> load_local_transform(const conf::ConfDb& conf,
                                                  std::string_view section, bool allow_any) {
  if (!conf.has_section(section)) {
    return config_error(fmt::format("no such ISAKMP-transform section [{}]", section));
  }
  LocalTransform t;
  t.section = std::string(section);
  IKE_TRY(t.enc, conf_value(conf, section, "ENCRYPTION_ALGORITHM",
                            wire::Registry::IkeEncryption, allow_any));
  IKE_TRY(t.hash, conf_value(conf, section, "HASH_ALGORITHM", wire::Registry::IkeHash, allow_any));
  if (auto alias = xauth_config_alias(conf.get(section, "AUTHENTICATION_METHOD").value_or(""))) {
    t.auth = ConfValue{};  // XAUTH_PRE_SHARED / XAUTH_RSA_SIG (xauth.h)
    t.auth.present = true;
    t.auth.value = *alias;
  } else {
    IKE_TRY(t.auth, conf_value(conf, section, "AUTHENTICATION_METHOD",
                               wire::Registry::IkeAuthMethod, allow_any));
  }
  IKE_TRY(t.group, conf_value(conf, section, "GROUP_DESCRIPTION", wire::Registry::DhGroup,
                              allow_any));
  IKE_TRY(t.key_length, conf_range(conf, section, "KEY_LENGTH", allow_any));
  IKE_TRY(t.lives, conf_lifetimes(conf, section, allow_any));
  if (conf.get(section, "PRF")) {
    return config_error(fmt::format("[{}]:PRF not supported (the prf is HMAC with the hash)",
                                    section));
  }
  return t;
}

base::Result<std::vector<LocalTransform>> load_local_transforms(const conf::ConfDb& conf,
                                                                std::string_view peer_section,
                                                                bool allow_any,
                                                                std::string* configuration) {
  if (!conf.has_section(peer_section)) {
    return config_error(fmt::format("no such ISAKMP-peer section [{}]", peer_section));
  }
  std::string cfg = conf.get(peer_section, kConfigurationTag)
                        .value_or(std::string("Default-phase-1-configuration"));
  if (!conf.has_section(cfg)) {
    return config_error(fmt::format("[{}]:Configuration refers to missing section [{}]",
                                    peer_section, cfg));
  }
  *configuration = cfg;
  const auto names = conf.get_list(cfg, "Transforms");
  if (names.empty()) return config_error(fmt::format("[{}]:Transforms missing or empty", cfg));
  if (names.size() > wire::kMaxTransforms) {
    return config_error(fmt::format("[{}]:Transforms lists {} transforms, at most {}", cfg,
                                    names.size(), wire::kMaxTransforms));
  }
  std::vector<LocalTransform> out;
  for (const auto& n : names) {
    IKE_TRY(auto t, load_local_transform(conf, n, allow_any));
    out.push_back(std::move(t));
  }
  return out;
}

// [peer]:Configuration's name and its parsed transforms (or why they do not load): what
// select_phase1 needs from the configuration, memoized per generation by the engine.
struct LocalPhase1 {
  std::string configuration;
  std::vector<LocalTransform> transforms;
};

base::Result<LocalPhase1> load_local_phase1(const conf::ConfDb& conf,
                                            std::string_view peer_section) {
  LocalPhase1 out;
  IKE_TRY(out.transforms, load_local_transforms(conf, peer_section, true, &out.configuration));
  return out;
}

std::string value_text(const ConfValue& v, wire::Registry r) {
  if (!v.present) return "(any)";
  if (v.any) return "ANY";
  return reg_name(r, v.value);
}

std::string describe_local(const LocalTransform& t) {
  std::string enc = value_text(t.enc, wire::Registry::IkeEncryption);
  if (t.key_length) enc += "-" + range_text(*t.key_length);
  return fmt::format("{} {}/{}/{}/{}", t.section, enc, value_text(t.hash, wire::Registry::IkeHash),
                     value_text(t.group, wire::Registry::DhGroup),
                     value_text(t.auth, wire::Registry::IkeAuthMethod));
}

// Why this build cannot run a (decoded) suite, or nullopt.
std::optional<std::string> unsupported_reason(const Phase1Suite& s, const crypto::Provider& p) {
  auto c = cipher_alg_from_ike(static_cast<uint64_t>(s.encryption));
  if (!c || !p.cipher_supported(*c)) {
    return fmt::format("ENCRYPTION_ALGORITHM {} not supported",
                       reg_name(wire::Registry::IkeEncryption, static_cast<uint64_t>(s.encryption)));
  }
  if (auto k = crypto::cipher_key_bytes(*c, s.key_length_bits); !k) {
    return fmt::format("KEY_LENGTH {} not supported for {}", s.key_length_bits,
                       reg_name(wire::Registry::IkeEncryption, static_cast<uint64_t>(s.encryption)));
  }
  if (!crypto::hash_supported(static_cast<uint16_t>(s.hash))) {
    return fmt::format("HASH_ALGORITHM {} not supported",
                       reg_name(wire::Registry::IkeHash, static_cast<uint64_t>(s.hash)));
  }
  if (!phase1_auth_method_supported(static_cast<uint16_t>(s.auth_method))) {
    return fmt::format("AUTHENTICATION_METHOD {} not supported",
                       reg_name(wire::Registry::IkeAuthMethod,
                                static_cast<uint64_t>(s.auth_method)));
  }
  if (!p.dh_group_supported(s.dh_group)) {
    return fmt::format("GROUP_DESCRIPTION {} not supported", dh_group_name(s.dh_group));
  }
  return std::nullopt;
}

// How far a local transform got before rejecting a peer suite (higher = closer match).
struct Mismatch {
  int depth = 0;
  std::string text;
};

std::optional<Mismatch> match_local(const LocalTransform& l, const Phase1Suite& s,
                                    const crypto::Provider& p) {
  auto check = [&](int depth, const ConfValue& v, uint64_t got, const char* tag,
                   wire::Registry r) -> std::optional<Mismatch> {
    if (!v.present || v.any || v.value == got) return std::nullopt;
    return Mismatch{depth, fmt::format("{} {} not accepted (local: {} in {})", tag,
                                       reg_name(r, got), reg_name(r, v.value), l.section)};
  };
  if (auto m = check(0, l.enc, static_cast<uint64_t>(s.encryption), "ENCRYPTION_ALGORITHM",
                     wire::Registry::IkeEncryption)) {
    return m;
  }
  if (l.key_length && !l.key_length->any) {
    uint64_t bits = s.key_length_bits;
    if (bits == 0) {
      // KEY_LENGTH absent in the offer: the cipher's default (fixed-length ciphers included).
      if (auto c = cipher_alg_from_ike(static_cast<uint64_t>(s.encryption))) {
        if (auto k = crypto::cipher_key_bytes(*c, 0)) bits = *k * 8;
      }
    }
    if (!l.key_length->accepts(bits)) {
      return Mismatch{1, fmt::format("KEY_LENGTH {} not accepted (local: {} in {})", bits,
                                     range_text(*l.key_length), l.section)};
    }
  }
  if (auto m = check(2, l.hash, static_cast<uint64_t>(s.hash), "HASH_ALGORITHM",
                     wire::Registry::IkeHash)) {
    return m;
  }
  if (auto m = check(3, l.auth, s.wire_auth_method(), "AUTHENTICATION_METHOD",
                     wire::Registry::IkeAuthMethod)) {
    return m;
  }
  if (auto m = check(4, l.group, s.dh_group, "GROUP_DESCRIPTION", wire::Registry::DhGroup)) {
    return m;
  }
  if (auto m = policy_detail::lifetime_mismatch(l.lives, s.life_seconds, s.life_kbytes)) {
    return Mismatch{5, *m + " for " + l.section};
  }
  if (auto why = unsupported_reason(s, p)) return Mismatch{6, *why};
  return std::nullopt;
}

base::Error bad_syntax(std::string detail) {
  return base::Error{base::ErrorCode::BadValue, base::NotifyType::BadProposalSyntax,
                     std::move(detail)};
}

}  // namespace

bool phase1_auth_method_supported(uint16_t method) noexcept {
  return method == static_cast<uint16_t>(wire::IkeAuthMethod::PreShared) ||
         method == static_cast<uint16_t>(wire::IkeAuthMethod::RsaSig) ||
         method == static_cast<uint16_t>(wire::IkeAuthMethod::EcdsaSha256) ||  // RFC 4754
         method == static_cast<uint16_t>(wire::IkeAuthMethod::EcdsaSha384) ||
         method == static_cast<uint16_t>(wire::IkeAuthMethod::EcdsaSha512);
}

base::Result<Phase1Suite> decode_phase1_transform(const wire::Transform& t) {
  using wire::IkeAttr;
  auto unsupported = [](std::string d) {
    return base::Error{base::ErrorCode::Unsupported, base::NotifyType::AttributesNotSupported,
                       std::move(d)};
  };
  if (t.transform_id != static_cast<uint8_t>(wire::IsakmpTransformId::KeyIke)) {
    return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::InvalidTransformId,
                            "transform id {} is not KEY_IKE", t.transform_id);
  }
  Phase1Suite s;
  s.transform_number = t.number;
  uint32_t seen = 0;  // bit per attribute class 1..17 (LIFE_* handled separately)
  bool have_enc = false, have_hash = false, have_auth = false, have_group = false;
  uint16_t pending_life = 0;  // a LIFE_TYPE awaiting its duration; 0 = none
  // (a plain value: GCC 12 -O3 reports a false -Wmaybe-uninitialized on optional<uint16_t>)
  bool seen_seconds = false, seen_kbytes = false;
  for (const auto& a : t.attributes) {
    // Named only on the error paths: building the name costs an allocation per attribute.
    auto name = [&a] { return reg_name(wire::Registry::IkeAttr, a.type); };
    auto n = a.as_number();
    if (!n) {
      return bad_syntax(fmt::format("{} has a {}-byte value", name(), a.long_value.size()));
    }
    if (pending_life != 0 && a.type != static_cast<uint16_t>(IkeAttr::LifeDuration)) {
      return bad_syntax(fmt::format("LIFE_TYPE {} not followed by LIFE_DURATION",
                                    reg_name(wire::Registry::LifeType, pending_life)));
    }
    const bool is_life = a.type == static_cast<uint16_t>(IkeAttr::LifeType) ||
                         a.type == static_cast<uint16_t>(IkeAttr::LifeDuration);
    if (!is_life && a.type < 32) {
      const uint32_t bit = 1u << a.type;
      if (seen & bit) return bad_syntax(fmt::format("duplicate {}", name()));
      seen |= bit;
    }
    switch (static_cast<IkeAttr>(a.type)) {
      case IkeAttr::EncryptionAlgorithm:
        if (*n > 0xffff) return unsupported(fmt::format("ENCRYPTION_ALGORITHM {}", *n));
        s.encryption = static_cast<wire::IkeEncryption>(*n);
        have_enc = true;
        break;
      case IkeAttr::HashAlgorithm: {
        auto h = hash_alg_from_ike(*n);
        if (!h) {
          return unsupported(fmt::format("HASH_ALGORITHM {} not supported",
                                         reg_name(wire::Registry::IkeHash, *n)));
        }
        s.hash = *h;
        have_hash = true;
        break;
      }
      case IkeAttr::AuthenticationMethod:
        if (*n > 0xffff) return unsupported(fmt::format("AUTHENTICATION_METHOD {}", *n));
        s.auth_method = static_cast<wire::IkeAuthMethod>(*n);
        if (auto base = xauth_base_method(static_cast<uint16_t>(*n))) {
          s.xauth_method = static_cast<uint16_t>(*n);  // draft-beaulieu-ike-xauth-02 §5
          s.auth_method = *base;
        }
        have_auth = true;
        break;
      case IkeAttr::GroupDescription:
        if (*n > 0xffff) return unsupported(fmt::format("GROUP_DESCRIPTION {}", *n));
        s.dh_group = static_cast<uint16_t>(*n);
        have_group = true;
        break;
      case IkeAttr::KeyLength:
        if (*n == 0 || *n > 0xffff) return unsupported(fmt::format("KEY_LENGTH {}", *n));
        s.key_length_bits = static_cast<uint16_t>(*n);
        break;
      case IkeAttr::LifeType:
        if (*n != static_cast<uint64_t>(wire::LifeType::Seconds) &&
            *n != static_cast<uint64_t>(wire::LifeType::Kilobytes)) {
          return unsupported(fmt::format("LIFE_TYPE {} not supported", *n));
        }
        pending_life = static_cast<uint16_t>(*n);
        break;
      case IkeAttr::LifeDuration: {
        if (pending_life == 0) return bad_syntax("LIFE_DURATION without a preceding LIFE_TYPE");
        if (*n == 0) return unsupported("LIFE_DURATION 0");
        const bool secs = pending_life == static_cast<uint16_t>(wire::LifeType::Seconds);
        bool& seen_type = secs ? seen_seconds : seen_kbytes;
        if (seen_type) {
          return bad_syntax(fmt::format("duplicate LIFE_TYPE {}",
                                        reg_name(wire::Registry::LifeType, pending_life)));
        }
        seen_type = true;
        (secs ? s.life_seconds : s.life_kbytes) = *n;
        pending_life = 0;
        break;
      }
      default:
        // PRF (isakmpd rejects it as incompatible), private groups (GROUP_TYPE..GROUP_ORDER),
        // BLOCK_SIZE and unknown classes.
        return unsupported(fmt::format("attribute {} not supported", name()));
    }
  }
  if (pending_life != 0) return bad_syntax("LIFE_TYPE not followed by LIFE_DURATION");
  // RFC 2409 §5: encryption algorithm, hash algorithm, authentication method and group are
  // mandatory in phase 1 ("MUST be negotiated").
  if (!have_enc) return bad_syntax("missing ENCRYPTION_ALGORITHM");
  if (!have_hash) return bad_syntax("missing HASH_ALGORITHM");
  if (!have_auth) return bad_syntax("missing AUTHENTICATION_METHOD");
  if (!have_group) return bad_syntax("missing GROUP_DESCRIPTION");
  return s;
}

std::string describe_phase1_transform(const wire::Transform& t) {
  std::string enc = "?", hash = "?", group = "?", auth = "?", key;
  uint64_t secs = 0, kb = 0;
  std::optional<uint64_t> life_type;
  for (const auto& a : t.attributes) {
    auto n = a.as_number();
    if (!n) continue;
    switch (static_cast<wire::IkeAttr>(a.type)) {
      case wire::IkeAttr::EncryptionAlgorithm: enc = reg_name(wire::Registry::IkeEncryption, *n); break;
      case wire::IkeAttr::HashAlgorithm: hash = reg_name(wire::Registry::IkeHash, *n); break;
      case wire::IkeAttr::GroupDescription: group = reg_name(wire::Registry::DhGroup, *n); break;
      case wire::IkeAttr::AuthenticationMethod: auth = reg_name(wire::Registry::IkeAuthMethod, *n); break;
      case wire::IkeAttr::KeyLength: key = fmt::format("-{}", *n); break;
      case wire::IkeAttr::LifeType: life_type = *n; break;
      case wire::IkeAttr::LifeDuration:
        if (life_type == 1) secs = *n;
        if (life_type == 2) kb = *n;
        break;
      default: break;
    }
  }
  std::string out = fmt::format("{}{}/{}/{}/{} ", enc, key, hash, group, auth);
  append_life_text(out, secs, kb);
  return out;
}

base::Result<Phase1Offer> build_phase1_offer(const conf::ConfDb& conf,
                                             std::string_view peer_section,
                                             const crypto::Provider& crypto) {
  Phase1Offer offer;
  IKE_TRY(auto locals, load_local_transforms(conf, peer_section, false, &offer.configuration));
  wire::Proposal prop;
  prop.number = 1;
  prop.protocol_id = static_cast<uint8_t>(wire::ProtocolId::Isakmp);
  uint8_t number = 0;
  for (const auto& l : locals) {
    ++number;
    auto need = [&](const ConfValue& v, const char* tag) -> base::Status {
      if (!v.present) return config_error(fmt::format("[{}]:{} missing", l.section, tag));
      return base::ok();
    };
    IKE_TRY_VOID(need(l.enc, "ENCRYPTION_ALGORITHM"));
    IKE_TRY_VOID(need(l.hash, "HASH_ALGORITHM"));
    IKE_TRY_VOID(need(l.auth, "AUTHENTICATION_METHOD"));
    IKE_TRY_VOID(need(l.group, "GROUP_DESCRIPTION"));
    Phase1Suite s;
    s.transform_number = number;
    s.encryption = static_cast<wire::IkeEncryption>(l.enc.value);
    auto h = hash_alg_from_ike(l.hash.value);
    if (!h) {
      return config_error(fmt::format("[{}]:HASH_ALGORITHM {} not supported", l.section,
                                      reg_name(wire::Registry::IkeHash, l.hash.value)));
    }
    s.hash = *h;
    s.auth_method = static_cast<wire::IkeAuthMethod>(l.auth.value);
    if (auto base = xauth_base_method(static_cast<uint16_t>(l.auth.value))) {
      s.xauth_method = static_cast<uint16_t>(l.auth.value);
      s.auth_method = *base;
    }
    s.dh_group = static_cast<uint16_t>(l.group.value);
    if (l.key_length) s.key_length_bits = static_cast<uint16_t>(l.key_length->offer);

    wire::Transform t;
    t.number = number;
    t.transform_id = static_cast<uint8_t>(wire::IsakmpTransformId::KeyIke);
    auto attr = [&](wire::IkeAttr a, uint64_t v) {
      t.attributes.push_back(wire::Attribute::number(static_cast<uint16_t>(a), v));
    };
    attr(wire::IkeAttr::EncryptionAlgorithm, l.enc.value);
    if (l.key_length) attr(wire::IkeAttr::KeyLength, l.key_length->offer);
    attr(wire::IkeAttr::HashAlgorithm, l.hash.value);
    attr(wire::IkeAttr::AuthenticationMethod, l.auth.value);
    attr(wire::IkeAttr::GroupDescription, l.group.value);
    for (const auto& life : l.lives.lives) {
      attr(wire::IkeAttr::LifeType, life.type);
      attr(wire::IkeAttr::LifeDuration, life.duration.offer);
      if (life.type == static_cast<uint16_t>(wire::LifeType::Seconds)) {
        s.life_seconds = life.duration.offer;
      } else {
        s.life_kbytes = life.duration.offer;
      }
    }
    if (auto why = unsupported_reason(s, crypto)) {
      return config_error(fmt::format("[{}]: {}", l.section, *why));
    }
    prop.transforms.push_back(std::move(t));
    offer.suites.push_back(s);
    offer.transform_sections.push_back(l.section);
  }
  offer.sa.doi = wire::kDoiIpsec;
  offer.sa.situation = wire::kSituationIdentityOnly;
  offer.sa.proposals.push_back(std::move(prop));
  return offer;
}

base::Result<Phase1Choice> select_phase1(const conf::ConfDb& conf, std::string_view peer_section,
                                         const wire::SaPayload& offer,
                                         const crypto::Provider& crypto,
                                         const Phase1Credentials* credentials,
                                         conf::ConfMemo* memo) {
  IKE_TRY_VOID(policy_detail::check_doi_situation(offer));
  // RFC 2409 §5: "for phase 1 exchanges there MUST NOT be multiple Proposal Payloads for a
  // single SA payload".
  if (offer.proposals.size() != 1) {
    return bad_syntax(fmt::format("phase-1 SA carries {} proposals, exactly one required",
                                  offer.proposals.size()));
  }
  const wire::Proposal& prop = offer.proposals.front();
  if (prop.protocol_id != static_cast<uint8_t>(wire::ProtocolId::Isakmp)) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidProtocolId,
                            "phase-1 proposal protocol {} is not PROTO_ISAKMP",
                            reg_name(wire::Registry::ProtocolId, prop.protocol_id));
  }
  if (prop.transforms.empty()) return bad_syntax("phase-1 proposal without transforms");

  std::optional<base::Result<LocalPhase1>> unmemoized;
  const auto& loaded = conf::memoized(memo, conf, peer_section, unmemoized,
                                      [&] { return load_local_phase1(conf, peer_section); });
  if (!loaded) return loaded.error();
  const std::string& configuration = loaded->configuration;
  const std::vector<LocalTransform>& locals = loaded->transforms;

  std::vector<std::string> reasons;
  for (const auto& t : prop.transforms) {
    // The transform's description is only needed when it is refused.
    auto decoded = decode_phase1_transform(t);
    if (!decoded) {
      reasons.push_back(fmt::format("peer transform #{} {}: {}", t.number,
                                    describe_phase1_transform(t), decoded.error().detail));
      continue;
    }
    if (credentials != nullptr && credentials->missing) {
      if (auto missing = credentials->missing(decoded->auth_method)) {
        reasons.push_back(fmt::format("peer transform #{} {}: {} not usable: {}", t.number,
                                      describe_phase1_transform(t),
                                      reg_name(wire::Registry::IkeAuthMethod,
                                               static_cast<uint64_t>(decoded->auth_method)),
                                      *missing));
        continue;
      }
    }
    std::optional<Mismatch> best;
    for (const auto& l : locals) {
      auto m = match_local(l, *decoded, crypto);
      if (!m) {
        Phase1Choice choice;
        choice.suite = *decoded;
        if (choice.suite.life_seconds == 0 && choice.suite.life_kbytes == 0) {
          // No lifetime offered: ours applies (the local seconds offer, if any).
          for (const auto& life : l.lives.lives) {
            if (life.type == static_cast<uint16_t>(wire::LifeType::Seconds) && !life.duration.any) {
              choice.suite.life_seconds = life.duration.offer;
            }
          }
        }
        choice.reply.doi = offer.doi;
        choice.reply.situation = offer.situation;
        wire::Proposal rp;
        rp.number = prop.number;
        rp.protocol_id = prop.protocol_id;
        rp.spi = prop.spi;
        rp.transforms.push_back(t);
        choice.reply.proposals.push_back(std::move(rp));
        choice.configuration = configuration;
        choice.transform_section = l.section;
        IKE_LOG_DEBUG(Policy, 20, "select_phase1: peer transform #{} {} accepted by [{}]",
                      t.number, choice.suite.to_string(), l.section);
        return choice;
      }
      if (!best || m->depth > best->depth) best = std::move(m);
    }
    reasons.push_back(fmt::format("peer transform #{} {}: {}", t.number,
                                  describe_phase1_transform(t),
                                  best ? best->text : std::string("no local transform")));
  }
  std::string local_desc;
  for (const auto& l : locals) {
    if (!local_desc.empty()) local_desc += ", ";
    local_desc += describe_local(l);
  }
  std::string detail;
  for (const auto& r : reasons) {
    if (!detail.empty()) detail += "; ";
    detail += r;
  }
  return base::make_error(base::ErrorCode::NoProposal, base::NotifyType::NoProposalChosen,
                          "no acceptable phase-1 transform for [{}] ([{}]): {}; local transforms: "
                          "{}",
                          peer_section, configuration, detail, local_desc);
}

base::Result<Phase1Suite> accept_phase1_reply(const Phase1Offer& offer,
                                              const wire::SaPayload& reply) {
  if (reply.doi != offer.sa.doi || reply.situation != offer.sa.situation) {
    return bad_syntax(fmt::format("reply SA DOI {} situation {:#x}, offered DOI {} situation {:#x}",
                                  reply.doi, reply.situation, offer.sa.doi, offer.sa.situation));
  }
  if (reply.proposals.size() != 1) {
    return bad_syntax(fmt::format("reply SA carries {} proposals, exactly one required",
                                  reply.proposals.size()));
  }
  const wire::Proposal& p = reply.proposals.front();
  if (p.protocol_id != static_cast<uint8_t>(wire::ProtocolId::Isakmp)) {
    return bad_syntax(fmt::format("reply proposal protocol {} is not PROTO_ISAKMP",
                                  reg_name(wire::Registry::ProtocolId, p.protocol_id)));
  }
  if (p.transforms.size() != 1) {
    return bad_syntax(fmt::format("reply proposal carries {} transforms, exactly one required",
                                  p.transforms.size()));
  }
  const wire::Transform& chosen = p.transforms.front();
  const auto& offered = offer.sa.proposals.front().transforms;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    const wire::Transform& o = offered[i];
    if (o.number == chosen.number && o.transform_id == chosen.transform_id &&
        policy_detail::same_attributes(o.attributes, chosen.attributes)) {
      return offer.suites[i];
    }
  }
  return base::make_error(base::ErrorCode::NoProposal, base::NotifyType::NoProposalChosen,
                          "responder chose a transform we did not offer: #{} {}", chosen.number,
                          describe_phase1_transform(chosen));
}

}  // namespace ike::engine
