// Algorithm facts of provider.h that need no OpenSSL: hash output lengths, cipher block sizes and
// the KEY_LENGTH attribute rules (RFC 2409 Appendix A; RFC 3602 §5 for AES; RFC 2144 for CAST-128
// 40..128 bits; Blowfish 40..448 bits as isakmpd accepts them).
#include "crypto/provider.h"

namespace ike::crypto {

std::size_t hash_length(HashAlg h) noexcept {
  switch (h) {
    case HashAlg::Md5: return 16;
    case HashAlg::Sha1: return 20;
    case HashAlg::Sha256: return 32;
    case HashAlg::Sha384: return 48;
    case HashAlg::Sha512: return 64;
  }
  return 0;
}

bool hash_supported(uint16_t ike_hash) noexcept {
  // TIGER (3) is not implemented, as in isakmpd.
  return ike_hash == 1 || ike_hash == 2 || ike_hash == 4 || ike_hash == 5 || ike_hash == 6;
}

std::size_t cipher_block_size(CipherAlg c) noexcept {
  switch (c) {
    case CipherAlg::Aes: return 16;
    case CipherAlg::Blowfish:
    case CipherAlg::TripleDes:
    case CipherAlg::Cast: return 8;
  }
  return 0;
}

namespace {

base::Error bad_key_length(const char* cipher, uint16_t bits, const char* allowed) {
  return base::make_error(base::ErrorCode::BadValue, base::NotifyType::AttributesNotSupported,
                          "{}: KEY_LENGTH {} bits not allowed ({})", cipher, bits, allowed);
}

}  // namespace

base::Result<std::size_t> cipher_key_bytes(CipherAlg c, uint16_t bits) {
  switch (c) {
    case CipherAlg::Aes:
      // RFC 3602 §5 / isakmpd: 128 bits when KEY_LENGTH is absent.
      if (bits == 0) return std::size_t{16};
      if (bits == 128 || bits == 192 || bits == 256) return std::size_t{bits / 8u};
      return bad_key_length("AES-CBC", bits, "128, 192 or 256");
    case CipherAlg::TripleDes:
      // Fixed-length cipher (RFC 2409 App. A): KEY_LENGTH, if sent at all, must say 192.
      if (bits == 0 || bits == 192) return std::size_t{24};
      return bad_key_length("3DES-CBC", bits, "192 only");
    case CipherAlg::Blowfish:
      if (bits == 0) return std::size_t{16};
      if (bits >= 40 && bits <= 448 && bits % 8 == 0) return std::size_t{bits / 8u};
      return bad_key_length("BLOWFISH-CBC", bits, "40..448, a multiple of 8");
    case CipherAlg::Cast:
      if (bits == 0) return std::size_t{16};
      if (bits >= 40 && bits <= 128 && bits % 8 == 0) return std::size_t{bits / 8u};
      return bad_key_length("CAST-CBC", bits, "40..128, a multiple of 8");
  }
  return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::AttributesNotSupported,
                          "encryption algorithm {} not supported", static_cast<unsigned>(c));
}

}  // namespace ike::crypto
