// Shared fixtures of the kernel backend tests: address/selector shorthands and the keyed ESP
// SA the XFRM builder and parser tests install (198.51.100.1 -> .2, 10.9/16 <-> 10.8/16).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/ipsec_types.h"

namespace ike::kernel::fixtures {

inline base::IpAddress ip(const char* s) { return base::IpAddress::parse(s).value(); }

inline base::TrafficSelector ts(const char* net, uint8_t prefix) {
  return base::TrafficSelector{ip(net), prefix, 0, 0};
}

// ESP with transform `enc_id`, a `bits`-bit key of `key_bytes` bytes (salt included) and
// AUTHENTICATION_ALGORITHM `auth` (0: none); lifetimes 1000 s / 4000 KB, default replay window.
inline base::SaInstall esp_sa(uint16_t enc_id, uint16_t bits, std::size_t key_bytes,
                              uint16_t auth) {
  base::SaInstall sa;
  sa.ref = {base::IpsecProtocol::Esp, ip("198.51.100.2"), base::Spi{0xc0ffee01}};
  sa.src = ip("198.51.100.1");
  sa.enc_transform_id = enc_id;
  sa.enc_key_bits = bits;
  sa.enc_key = base::SecureBytes(key_bytes, 0x42);
  sa.auth_algorithm = auth;
  sa.auth_key = base::SecureBytes(auth == 0 ? 0 : 32, 0x17);
  sa.life_seconds = 1000;
  sa.life_kbytes = 4000;
  sa.replay_window = 0;  // "default"
  sa.src_ts = ts("10.9.0.0", 16);
  sa.dst_ts = ts("10.8.0.0", 16);
  return sa;
}

}  // namespace ike::kernel::fixtures
