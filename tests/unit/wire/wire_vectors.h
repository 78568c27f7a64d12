// Realistic ISAKMP test vectors shared by the wire tests and the fuzz corpus generator: typed
// payload values for a strongSwan-like Main Mode MM1/MM3, Aggressive Mode, a Quick Mode QM1
// cleartext chain, informational, mode-cfg and certificate exchanges. Their encodings were
// cross-checked with tshark's ISAKMP dissector and are frozen as hex in wire_vectors.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wire/message.h"

namespace ike::wire::test {

struct Vector {
  std::string name;
  Header header;               // next_payload/length filled by encode_message
  std::vector<Payload> payloads;
  std::string_view golden_hex;  // the expected encode_message() output
};

// Cleartext messages (parse_message must accept them and encode them back byte for byte).
const std::vector<Vector>& message_vectors();

// Header with the given exchange and fixed cookies (icookie 0x0102..08, rcookie per flag).
Header make_header(ExchangeType x, bool responder_cookie, uint32_t message_id = 0);

Bytes from_hex_or_die(std::string_view hex);
Bytes repeat_bytes(uint8_t start, std::size_t n);  // start, start+1, ... (mod 256)

// Individual payloads used by several tests.
SaPayload mm_sa();   // PROTO_ISAKMP, 2 transforms (AES-256/SHA2-256/MODP2048, 3DES/SHA/MODP1024)
SaPayload qm_sa();   // IPSEC_ESP + IPCOMP bundle and an AH alternative
AttributePayload modecfg_request();

}  // namespace ike::wire::test
