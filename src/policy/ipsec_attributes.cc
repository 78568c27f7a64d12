// isakmpd's KeyNote action attributes (isakmpd.policy(5), OpenBSD policy.c
// policy_callback): names, value spellings and the zero-padded address forms.
#include "policy/ipsec_attributes.h"

#include <ctime>

#include "policy/signature.h"

namespace ike::policy {

std::string padded_address(const base::IpAddress& a) {
  base::ByteView b = a.bytes();
  if (a.is_v4()) return fmt::format("{:03}.{:03}.{:03}.{:03}", b[0], b[1], b[2], b[3]);
  std::string out;
  for (std::size_t i = 0; i < 16; i += 2) {
    if (i != 0) out += ':';
    out += fmt::format("{:02x}{:02x}", b[i], b[i + 1]);
  }
  return out;
}

namespace {

const char* family_name(const base::IpAddress& a) { return a.is_v4() ? "IPv4" : "IPv6"; }

base::IpAddress with_mask(const base::IpAddress& a, const base::IpAddress& mask, bool upper) {
  base::Bytes out(a.bytes().begin(), a.bytes().end());
  base::ByteView m = mask.bytes();
  for (std::size_t i = 0; i < out.size() && i < m.size(); ++i) {
    out[i] = upper ? static_cast<uint8_t>(out[i] | static_cast<uint8_t>(~m[i]))
                   : static_cast<uint8_t>(out[i] & m[i]);
  }
  return a.is_v4() ? base::IpAddress::v4_bytes(base::view(out))
                   : base::IpAddress::v6(base::view(out));
}

std::string time_of_day(int64_t now, bool gmt) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  if (gmt) {
    gmtime_r(&t, &tm);
  } else {
    localtime_r(&t, &tm);
  }
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

void put_id(std::map<std::string, std::string>& m, const std::string& prefix,
            const IpsecId& id) {
  m[prefix + "_type"] = id.type;
  m[prefix] = id.value;
  if (!id.addr_lower.empty()) {
    m[prefix + "_addr_lower"] = id.addr_lower;
    m[prefix + "_addr_upper"] = id.addr_upper;
  }
  m[prefix + "_port"] = std::to_string(id.port);
  m[prefix + "_proto"] = std::to_string(id.proto);
}

void put_protocol(std::map<std::string, std::string>& m, const std::string& p,
                  const IpsecProtocolAttributes& a, const char* alg_name) {
  m[p + "_present"] = a.present ? "yes" : "no";
  if (!a.present) return;
  m[p + alg_name] = a.alg;
  if (!a.auth_alg.empty()) m[p + "_auth_alg"] = a.auth_alg;
  m[p + "_encapsulation"] = a.encapsulation;
  if (a.life_seconds != 0) m[p + "_life_seconds"] = std::to_string(a.life_seconds);
  if (a.life_kbytes != 0) m[p + "_life_kbytes"] = std::to_string(a.life_kbytes);
  if (a.key_length != 0) m[p + "_key_length"] = std::to_string(a.key_length);
  if (a.group != 0) m[p + "_group_desc"] = std::to_string(a.group);
}

}  // namespace

IpsecId address_id(const base::IpAddress& a) {
  std::string padded = padded_address(a);
  return IpsecId{fmt::format("{} address", family_name(a)), padded, padded, padded};
}

IpsecId subnet_id(const base::IpAddress& a, const base::IpAddress& mask) {
  std::string lo = padded_address(with_mask(a, mask, false));
  std::string hi = padded_address(with_mask(a, mask, true));
  return IpsecId{fmt::format("{} subnet", family_name(a)), lo + "-" + hi, lo, hi};
}

IpsecId range_id(const base::IpAddress& lower, const base::IpAddress& upper) {
  std::string lo = padded_address(lower), hi = padded_address(upper);
  return IpsecId{fmt::format("{} range", family_name(lower)), lo + "-" + hi, lo, hi};
}

std::map<std::string, std::string> ipsec_action_attributes(const IpsecPolicyInput& in) {
  std::map<std::string, std::string> m;
  m["app_domain"] = "IPsec policy";
  m["doi"] = "ipsec";
  m["initiator"] = in.initiator ? "yes" : "no";
  m["phase_1"] = in.aggressive ? "aggressive" : "main";
  if (in.phase1_group != 0) m["phase1_group_desc"] = std::to_string(in.phase1_group);
  bool pfs = in.esp.group != 0 || in.ah.group != 0 || in.comp.group != 0;
  m["pfs"] = pfs ? "yes" : "no";
  put_protocol(m, "ah", in.ah, "_hash_alg");
  put_protocol(m, "esp", in.esp, "_enc_alg");
  put_protocol(m, "comp", in.comp, "_alg");
  if (in.remote_id) put_id(m, "remote_id", *in.remote_id);
  if (in.local_id) put_id(m, "local_id", *in.local_id);
  put_id(m, "remote_filter", in.remote_filter);
  put_id(m, "local_filter", in.local_filter);
  m["remote_ike_address"] = in.remote_ike_address;
  m["local_ike_address"] = in.local_ike_address;
  m["remote_negotiation_address"] = in.remote_ike_address;
  m["local_negotiation_address"] = in.local_ike_address;
  m["GMTTimeOfDay"] = time_of_day(in.now_unix, true);
  m["LocalTimeOfDay"] = time_of_day(in.now_unix, false);
  return m;
}

std::vector<std::string> passphrase_principals(std::string_view psk) {
  return {fmt::format("passphrase:{}", psk),
          fmt::format("passphrase-md5-hex:{}", digest_hex(psk, false)),
          fmt::format("passphrase-sha1-hex:{}", digest_hex(psk, true))};
}

}  // namespace ike::policy
