// CBC sealing/opening of ISAKMP message bodies (RFC 2408 §3.1, RFC 2409 App. B). See
// message_crypto.h for the padding choice.
#include "engine/message_crypto.h"

#include "wire/registry.h"

namespace ike::engine {

namespace {

std::string cipher_name(crypto::CipherAlg c) {
  return wire::registry_name_or_number(wire::Registry::IkeEncryption, static_cast<uint32_t>(c));
}

base::Status check_iv(crypto::CipherAlg cipher, std::size_t block, base::ByteView iv) {
  if (iv.size() != block) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "IV of {} bytes for {} ({}-byte block)", iv.size(),
                            cipher_name(cipher), block);
  }
  return base::ok();
}

base::Bytes last_block_of(const base::Bytes& ct, std::size_t block) {
  return base::Bytes(ct.end() - static_cast<std::ptrdiff_t>(block), ct.end());
}

}  // namespace

base::Result<SealedBody> seal(const crypto::Provider& p, crypto::CipherAlg cipher,
                              base::ByteView key, base::ByteView iv, base::ByteView plaintext) {
  const std::size_t block = crypto::cipher_block_size(cipher);
  if (block == 0) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "cipher {} has no block size", cipher_name(cipher));
  }
  IKE_TRY_VOID(check_iv(cipher, block, iv));
  base::Bytes padded(plaintext.begin(), plaintext.end());
  // Zero padding to the block size (none when aligned; an empty body still needs one block).
  std::size_t pad = (block - padded.size() % block) % block;
  if (padded.empty()) pad = block;
  padded.insert(padded.end(), pad, 0);
  IKE_TRY(base::Bytes ct, p.cbc_encrypt(cipher, key, iv, padded));
  if (ct.size() != padded.size()) {
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{} encryption returned {} bytes for {}", cipher_name(cipher),
                            ct.size(), padded.size());
  }
  SealedBody out;
  out.last_block = last_block_of(ct, block);
  out.ciphertext = std::move(ct);
  return out;
}

base::Result<OpenedBody> open(const crypto::Provider& p, crypto::CipherAlg cipher,
                              base::ByteView key, base::ByteView iv, base::ByteView ciphertext) {
  const std::size_t block = crypto::cipher_block_size(cipher);
  if (block == 0) {
    return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                            "cipher {} has no block size", cipher_name(cipher));
  }
  if (ciphertext.empty()) {
    return base::make_error(base::ErrorCode::BadLength, base::NotifyType::PayloadMalformed,
                            "encrypted body is empty");
  }
  if (ciphertext.size() % block != 0) {
    return base::make_error(base::ErrorCode::BadLength, base::NotifyType::PayloadMalformed,
                            "encrypted body of {} bytes is not a multiple of the {}-byte {} "
                            "block",
                            ciphertext.size(), block, cipher_name(cipher));
  }
  IKE_TRY_VOID(check_iv(cipher, block, iv));
  IKE_TRY(base::Bytes pt, p.cbc_decrypt(cipher, key, iv, ciphertext));
  if (pt.size() != ciphertext.size()) {
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{} decryption returned {} bytes for {}", cipher_name(cipher),
                            pt.size(), ciphertext.size());
  }
  OpenedBody out;
  out.plaintext = std::move(pt);
  out.last_block = base::Bytes(ciphertext.end() - static_cast<std::ptrdiff_t>(block),
                               ciphertext.end());
  return out;
}

}  // namespace ike::engine
