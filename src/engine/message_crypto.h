// Encryption and decryption of ISAKMP message bodies (RFC 2408 §3.1 "Encryption", RFC 2409
// Appendix B): everything after the 28-byte header is CBC-encrypted with the SA's key and the IV
// from IvChain; the header stays in the clear and its Length covers the ciphertext. Padding
// choice: the RFCs only require the encrypted area to be a whole number of cipher blocks; we
// append zero octets up to the block size and none when already aligned (isakmpd
// message_encrypt behaviour). strongSwan and libreswan accept such padding, and every receiver
// ignores bytes after the last payload because the chain ends with next-payload NONE.
// Returns the new chain block so the caller updates IvChain per its documented discipline.
// Owns no state.
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/provider.h"

namespace ike::engine {

struct SealedBody {
  base::Bytes ciphertext;  // a multiple of the block size, >= plaintext size
  base::Bytes last_block;  // last ciphertext block: the next IV of this chain
};

// Pads `plaintext` (the encoded payload chain) with zeros to a multiple of the block size of
// `cipher` (no padding when aligned; an empty plaintext becomes one zero block) and
// CBC-encrypts it with `key` and `iv` (iv must be one block).
// Errors: Internal if iv is not one block; Crypto from the provider (bad key size, ...).
[[nodiscard]] base::Result<SealedBody> seal(const crypto::Provider& p, crypto::CipherAlg cipher,
                                            base::ByteView key, base::ByteView iv,
                                            base::ByteView plaintext);

struct OpenedBody {
  base::Bytes plaintext;   // padding left in place (parse_payloads(..., allow_padding=true))
  base::Bytes last_block;  // last ciphertext block: the next IV once the message is accepted
};

// Checks then CBC-decrypts an encrypted body (the datagram after the header).
// Errors: BadLength (notify PAYLOAD_MALFORMED) if `ciphertext` is empty ("encrypted
// body is empty") or not a multiple of the block size ("encrypted body of 37 bytes is not a
// multiple of the 16-byte AES block"); Internal if iv is not one block; Crypto from the
// provider. The caller must NOT advance the IV chain on any error, and must only advance it
// with `last_block` after the decrypted message was accepted.
[[nodiscard]] base::Result<OpenedBody> open(const crypto::Provider& p, crypto::CipherAlg cipher,
                                            base::ByteView key, base::ByteView iv,
                                            base::ByteView ciphertext);

}  // namespace ike::engine
