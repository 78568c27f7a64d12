// OpenSslProvider (see openssl_provider.h): algorithm fetching and caching, HMAC PRF, digests,
// CBC ciphers and the dispatch to the per-group Diffie-Hellman engines of dh_impl.h.
//
// RFC 2409 §5 and App. B: prf(key, msg) is HMAC (RFC 2104) with the negotiated hash. HMAC's
// block size is the hash's own: 64 bytes for MD5/SHA-1/SHA-256, 128 for SHA-384/512 (RFC 4868
// §2.1.1; isakmpd used 64 for all until hash.c 1.25 in 2024 and did not interoperate).
#include "crypto/openssl_provider.h"

#include <array>
#include <climits>
#include <optional>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/dh_impl.h"
#include "crypto/evp.h"

namespace ike::crypto {
namespace {

constexpr std::size_t kHashCount = 5;
constexpr std::size_t kMaxHmacBlock = 128;  // SHA-384/512 (RFC 4868 §2.1.1)

std::optional<std::size_t> hash_index(HashAlg h) noexcept {
  switch (h) {
    case HashAlg::Md5: return 0;
    case HashAlg::Sha1: return 1;
    case HashAlg::Sha256: return 2;
    case HashAlg::Sha384: return 3;
    case HashAlg::Sha512: return 4;
  }
  return std::nullopt;
}

constexpr std::array<const char*, kHashCount> kDigestNames{"MD5", "SHA1", "SHA2-256",
                                                           "SHA2-384", "SHA2-512"};

const char* cipher_label(CipherAlg c) noexcept {
  switch (c) {
    case CipherAlg::Blowfish: return "BLOWFISH-CBC";
    case CipherAlg::TripleDes: return "3DES-CBC";
    case CipherAlg::Cast: return "CAST-CBC";
    case CipherAlg::Aes: return "AES-CBC";
  }
  return "unknown cipher";
}

base::Error setup_error(std::string_view what) {
  base::Error e = evp::crypto_failure(what);
  e.code = base::ErrorCode::Config;
  return e;
}

}  // namespace

struct OpenSslProvider::Impl {
  std::shared_ptr<const evp::LibContext> lib;
  std::array<evp::MdPtr, kHashCount> digests;
  std::array<std::size_t, kHashCount> hmac_blocks{};  // each digest's block size B (RFC 2104)
  evp::CipherPtr aes128, aes192, aes256, des3, blowfish, cast;
  // Parallel to dh_groups().
  std::array<std::shared_ptr<const detail::DhGroupImpl>, kDhGroupCount> groups;

  static base::Result<std::unique_ptr<Impl>> build(const Options& options);

  const detail::DhGroupImpl* group(uint16_t id) const noexcept {
    std::span<const DhGroupInfo, kDhGroupCount> all = dh_groups();
    for (std::size_t i = 0; i < kDhGroupCount; ++i) {
      if (all[i].id == id) {
        return groups[i].get();
      }
    }
    return nullptr;
  }
};

base::Result<std::unique_ptr<OpenSslProvider::Impl>> OpenSslProvider::Impl::build(
    const Options& options) {
  auto impl = std::make_unique<Impl>();
  auto lib = std::make_shared<evp::LibContext>(options.enable_legacy);
  if (lib->get() == nullptr || !lib->default_loaded()) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "OpenSSL: {}", lib->load_error());
  }
  impl->lib = lib;
  OSSL_LIB_CTX* ctx = lib->get();

  for (std::size_t i = 0; i < kHashCount; ++i) {
    impl->digests[i].reset(EVP_MD_fetch(ctx, kDigestNames[i], nullptr));
    if (!impl->digests[i]) {
      return setup_error(fmt::format("digest {}", kDigestNames[i]));
    }
    const int block = EVP_MD_get_block_size(impl->digests[i].get());
    const int size = EVP_MD_get_size(impl->digests[i].get());
    if (block <= 0 || static_cast<std::size_t>(block) > kMaxHmacBlock || size <= 0 ||
        static_cast<std::size_t>(size) > EVP_MAX_MD_SIZE) {
      return setup_error(fmt::format("digest {}: block size {}, output size {}",
                                     kDigestNames[i], block, size));
    }
    impl->hmac_blocks[i] = static_cast<std::size_t>(block);
  }

  impl->aes128.reset(EVP_CIPHER_fetch(ctx, "AES-128-CBC", nullptr));
  impl->aes192.reset(EVP_CIPHER_fetch(ctx, "AES-192-CBC", nullptr));
  impl->aes256.reset(EVP_CIPHER_fetch(ctx, "AES-256-CBC", nullptr));
  impl->des3.reset(EVP_CIPHER_fetch(ctx, "DES-EDE3-CBC", nullptr));
  if (!impl->aes128 || !impl->aes192 || !impl->aes256 || !impl->des3) {
    return setup_error("AES-CBC / DES-EDE3-CBC");
  }
  if (lib->legacy_loaded()) {
    impl->blowfish.reset(EVP_CIPHER_fetch(ctx, "BF-CBC", nullptr));
    impl->cast.reset(EVP_CIPHER_fetch(ctx, "CAST5-CBC", nullptr));
    if (!impl->blowfish || !impl->cast) {
      return setup_error("legacy provider: BF-CBC / CAST5-CBC");
    }
  }

  std::span<const DhGroupInfo, kDhGroupCount> all = dh_groups();
  for (std::size_t i = 0; i < kDhGroupCount; ++i) {
    const DhGroupInfo& info = all[i];
    base::Result<std::shared_ptr<const detail::DhGroupImpl>> g =
        info.kind == DhKind::Modp   ? detail::make_modp_group(info, lib)
        : info.kind == DhKind::Ecp ? detail::make_ecp_group(info, lib)
                                   : detail::make_x25519_group(info, lib);
    if (!g) {
      base::Error e = std::move(g).error();
      e.code = base::ErrorCode::Config;
      return e;
    }
    impl->groups[i] = std::move(g).value();
  }
  return impl;
}

OpenSslProvider::OpenSslProvider() : OpenSslProvider(Options{}) {}

OpenSslProvider::OpenSslProvider(Options options) {
  auto impl = Impl::build(options);
  if (!impl) {
    evp::fatal(impl.error().detail);
  }
  m_impl = std::move(impl).value();
}

OpenSslProvider::OpenSslProvider(PassKey, std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

OpenSslProvider::~OpenSslProvider() = default;

base::Result<std::unique_ptr<OpenSslProvider>> OpenSslProvider::create(Options options) {
  IKE_TRY(std::unique_ptr<Impl> impl, Impl::build(options));
  if (options.enable_legacy && !impl->lib->legacy_loaded()) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "OpenSSL: {} (needed for BLOWFISH_CBC and CAST_CBC)",
                            impl->lib->load_error());
  }
  return std::make_unique<OpenSslProvider>(PassKey{}, std::move(impl));
}

bool OpenSslProvider::legacy_enabled() const noexcept {
  return m_impl->blowfish != nullptr && m_impl->cast != nullptr;
}

// ---- Diffie-Hellman -----------------------------------------------------------------------

bool OpenSslProvider::dh_group_supported(uint16_t group) const noexcept {
  return m_impl->group(group) != nullptr;
}

std::size_t OpenSslProvider::dh_public_length(uint16_t group) const noexcept {
  const detail::DhGroupImpl* g = m_impl->group(group);
  return g != nullptr ? g->info().public_length() : 0;
}

namespace {

base::Error unsupported_group(uint16_t group) {
  return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::AttributesNotSupported,
                          "Diffie-Hellman group {} not supported", group);
}

}  // namespace

base::Result<std::unique_ptr<DhPrivate>> OpenSslProvider::dh_generate(uint16_t group,
                                                                      base::Random& rng) const {
  const detail::DhGroupImpl* g = m_impl->group(group);
  if (g == nullptr) {
    return unsupported_group(group);
  }
  return g->generate(rng);
}

base::Result<std::unique_ptr<DhPrivate>> OpenSslProvider::dh_from_private(
    uint16_t group, ByteView private_value) const {
  const detail::DhGroupImpl* g = m_impl->group(group);
  if (g == nullptr) {
    return unsupported_group(group);
  }
  return g->from_private(private_value);
}

base::Status OpenSslProvider::dh_check_public(uint16_t group, ByteView peer_public) const {
  const detail::DhGroupImpl* g = m_impl->group(group);
  if (g == nullptr) {
    return unsupported_group(group);
  }
  return g->check_peer_public(peer_public);
}

// ---- PRF and hash -------------------------------------------------------------------------

namespace {

// The two pads of RFC 2104 and the inner hash, wiped whatever way prf() leaves.
struct HmacScratch {
  std::array<uint8_t, kMaxHmacBlock> pad{};
  std::array<uint8_t, EVP_MAX_MD_SIZE> inner{};
  HmacScratch() = default;
  HmacScratch(const HmacScratch&) = delete;
  HmacScratch& operator=(const HmacScratch&) = delete;
  ~HmacScratch() {
    base::secure_wipe(pad.data(), pad.size());
    base::secure_wipe(inner.data(), inner.size());
  }
};

void digest_init(EVP_MD_CTX* ctx, const EVP_MD* md) {
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1) {
    evp::fatal("HMAC: digest init");
  }
}

void digest_update(EVP_MD_CTX* ctx, ByteView part) {
  if (!part.empty() && EVP_DigestUpdate(ctx, part.data(), part.size()) != 1) {
    evp::fatal("HMAC: digest update");
  }
}

unsigned int digest_final(EVP_MD_CTX* ctx, uint8_t* out) {
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    evp::fatal("HMAC: digest final");
  }
  return len;
}

}  // namespace

// RFC 2104 §2: HMAC(K, text) = H(K' XOR opad, H(K' XOR ipad, text)), where K' is K padded
// with zeros to the hash's block size B, or H(K) padded when K is longer than B; ipad is
// B bytes of 0x36, opad B bytes of 0x5c.
// Built on EVP digests instead of EVP_MAC: OpenSSL 3.0's HMAC duplicates and keys three
// digest contexts per call (EVP_MAC_CTX_dup + EVP_MAC_init: 680-935 ns per SHA-1 PRF on the
// benchmark machine against ~470 ns here, and a Main Mode + Quick Mode responder makes 15 PRF
// calls). HmacVectors.PrfMatchesOpenSslHmacForEveryHashKeyLengthAndSplit checks every hash, key
// length (empty, shorter than, equal to and longer than B) and message split against EVP_MAC's
// HMAC; the RFC 2202 and RFC 4231 vectors check the same function. Nothing keyed outlives the
// call: the pads and the inner hash are wiped, and the digest context (holding at most the
// state that produced the output) is freed by OpenSSL's cleansing free.
SecureBytes OpenSslProvider::prf(HashAlg h, ByteView key, std::span<const ByteView> parts) const {
  std::optional<std::size_t> i = hash_index(h);
  if (!i) {
    evp::fatal(fmt::format("prf: hash {} is not a HashAlg", static_cast<unsigned>(h)));
  }
  const EVP_MD* md = m_impl->digests[*i].get();
  const std::size_t block = m_impl->hmac_blocks[*i];  // checked once, in Impl::build
  evp::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) {
    evp::fatal("HMAC: EVP_MD_CTX_new");
  }
  HmacScratch s;
  if (key.size() > block) {
    digest_init(ctx.get(), md);  // K' = H(K)
    digest_update(ctx.get(), key);
    (void)digest_final(ctx.get(), s.pad.data());
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), s.pad.begin());
  }
  for (std::size_t b = 0; b < block; ++b) {
    s.pad[b] ^= 0x36;  // K' XOR ipad
  }
  digest_init(ctx.get(), md);
  digest_update(ctx.get(), ByteView(s.pad.data(), block));
  for (ByteView part : parts) {
    digest_update(ctx.get(), part);
  }
  const unsigned int inner_len = digest_final(ctx.get(), s.inner.data());
  for (std::size_t b = 0; b < block; ++b) {
    s.pad[b] ^= 0x36 ^ 0x5c;  // K' XOR opad
  }
  SecureBytes out(inner_len);  // the digest's own output size (hash_length(h))
  digest_init(ctx.get(), md);
  digest_update(ctx.get(), ByteView(s.pad.data(), block));
  digest_update(ctx.get(), ByteView(s.inner.data(), inner_len));
  (void)digest_final(ctx.get(), out.data());
  return out;
}

Bytes OpenSslProvider::hash(HashAlg h, std::span<const ByteView> parts) const {
  std::optional<std::size_t> i = hash_index(h);
  if (!i) {
    evp::fatal(fmt::format("hash: {} is not a HashAlg", static_cast<unsigned>(h)));
  }
  evp::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), m_impl->digests[*i].get(), nullptr) != 1) {
    evp::fatal("digest init");
  }
  for (ByteView part : parts) {
    if (!part.empty() && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) {
      evp::fatal("digest update");
    }
  }
  Bytes out(hash_length(h));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    evp::fatal("digest final");
  }
  return out;
}

// ---- CBC ----------------------------------------------------------------------------------

bool OpenSslProvider::cipher_supported(CipherAlg c) const noexcept {
  switch (c) {
    case CipherAlg::Aes:
    case CipherAlg::TripleDes: return true;
    case CipherAlg::Blowfish: return m_impl->blowfish != nullptr;
    case CipherAlg::Cast: return m_impl->cast != nullptr;
  }
  return false;
}

base::Result<Bytes> OpenSslProvider::cbc_encrypt(CipherAlg c, ByteView key, ByteView iv,
                                                 ByteView plaintext) const {
  return cbc(c, key, iv, plaintext, true);
}

base::Result<Bytes> OpenSslProvider::cbc_decrypt(CipherAlg c, ByteView key, ByteView iv,
                                                 ByteView ciphertext) const {
  return cbc(c, key, iv, ciphertext, false);
}

base::Result<Bytes> OpenSslProvider::cbc(CipherAlg c, ByteView key, ByteView iv, ByteView input,
                                         bool encrypt) const {
  const char* label = cipher_label(c);
  const EVP_CIPHER* cipher = nullptr;
  bool variable_key = false;
  bool key_ok = false;
  const char* allowed = "";
  switch (c) {
    case CipherAlg::Aes:
      cipher = key.size() == 16   ? m_impl->aes128.get()
               : key.size() == 24 ? m_impl->aes192.get()
                                  : m_impl->aes256.get();
      key_ok = key.size() == 16 || key.size() == 24 || key.size() == 32;
      allowed = "16, 24 or 32";
      break;
    case CipherAlg::TripleDes:
      cipher = m_impl->des3.get();
      key_ok = key.size() == 24;
      allowed = "24";
      break;
    case CipherAlg::Blowfish:
      cipher = m_impl->blowfish.get();
      variable_key = true;
      key_ok = key.size() >= 5 && key.size() <= 56;
      allowed = "5..56";
      break;
    case CipherAlg::Cast:
      cipher = m_impl->cast.get();
      variable_key = true;
      key_ok = key.size() >= 5 && key.size() <= 16;
      allowed = "5..16";
      break;
  }
  if (cipher == nullptr) {
    return base::make_error(base::ErrorCode::Unsupported,
                            base::NotifyType::AttributesNotSupported, "{} not available{}",
                            label,
                            c == CipherAlg::Blowfish || c == CipherAlg::Cast
                                ? " (OpenSSL legacy provider not enabled)"
                                : "");
  }
  if (!key_ok) {
    return base::make_error(base::ErrorCode::BadLength, base::NotifyType::None,
                            "{}: key has {} bytes, expected {}", label, key.size(), allowed);
  }
  const std::size_t block = cipher_block_size(c);
  if (iv.size() != block) {
    return base::make_error(base::ErrorCode::BadLength, base::NotifyType::None,
                            "{}: IV has {} bytes, expected {}", label, iv.size(), block);
  }
  if (input.size() % block != 0) {
    return base::make_error(base::ErrorCode::BadLength, base::NotifyType::PayloadMalformed,
                            "{}: {} has {} bytes, not a multiple of the {}-byte block", label,
                            encrypt ? "plaintext" : "ciphertext", input.size(), block);
  }
  if (input.size() > static_cast<std::size_t>(INT_MAX) - block) {
    return base::make_error(base::ErrorCode::BadLength, base::NotifyType::None,
                            "{}: input of {} bytes is too long", label, input.size());
  }
  const int enc = encrypt ? 1 : 0;
  // No padding: IKE pads itself (RFC 2409 App. B). Passed with the key, so a fixed-key cipher
  // is set up by one init (a second init and a separate set_padding each cost a parameter
  // round trip through the provider: issue #7).
  unsigned int no_padding = 0;
  const std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_PADDING, &no_padding), OSSL_PARAM_END};
  evp::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  bool ready = false;
  if (ctx && !variable_key) {
    ready = EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv.data(), enc, params.data()) == 1;
  } else if (ctx) {
    // Blowfish and CAST: the key length is set between choosing the cipher and keying it.
    ready = EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, enc, nullptr) == 1 &&
            EVP_CIPHER_CTX_set_key_length(ctx.get(), static_cast<int>(key.size())) == 1 &&
            EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), iv.data(), enc, params.data()) == 1;
  }
  if (!ready) return evp::crypto_failure(fmt::format("{}: cipher init", label));
  Bytes out(input.size() + block);
  int len = 0;
  if (!input.empty() && EVP_CipherUpdate(ctx.get(), out.data(), &len, input.data(),
                                         static_cast<int>(input.size())) != 1) {
    return evp::crypto_failure(fmt::format("{}: cipher update", label));
  }
  int final_len = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    return evp::crypto_failure(fmt::format("{}: cipher final", label));
  }
  out.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len));
  if (out.size() != input.size()) {
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{}: output has {} bytes, expected {}", label, out.size(),
                            input.size());
  }
  return out;
}

}  // namespace ike::crypto
