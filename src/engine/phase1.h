// Shared phase-1 helpers (design §3.2 phase1.{h,cc}): the completion of Main Mode in either role
// -- storing the ISAKMP SA with its negotiated lifetime, emitting Phase1Established and the
// optional KeyMaterial (wireshark ikev1_decryption_table names), honouring a received
// INITIAL-CONTACT and starting the Quick Modes queued on the exchange.
#pragma once

#include <string>

#include "crypto/provider.h"

namespace ike::engine {

// "AES-CBC-128", "3DES-CBC", "BLOWFISH-CBC", "CAST-CBC" (key length in bits for AES).
std::string keylog_cipher_name(crypto::CipherAlg c, std::size_t key_bytes);

}  // namespace ike::engine
