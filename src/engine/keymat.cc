// IKEv1 key schedule (RFC 2409 §5, §5.5, §5.7, App. B): SKEYID*, encryption key expansion,
// IVs, HASH_I/HASH_R, Quick Mode / Informational hashes and KEYMAT. See keymat.h.
#include "engine/keymat.h"

#include <fmt/core.h>

#include "base/bytes.h"

namespace ike::engine {

namespace {

// One-octet constants of the formulas ("| 0", "| 1", "| 2").
constexpr uint8_t kZero[1] = {0};
constexpr uint8_t kOne[1] = {1};
constexpr uint8_t kTwo[1] = {2};

Bytes to_plain(SecureBytes s) { return Bytes(s.begin(), s.end()); }

base::Result<Bytes> truncate_to_block(Bytes digest, std::size_t block_size, const char* what) {
  if (block_size == 0 || digest.size() < block_size) {
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{}: hash output of {} bytes is shorter than the {}-byte block", what,
                            digest.size(), block_size);
  }
  digest.resize(block_size);
  return digest;
}

}  // namespace

std::array<uint8_t, 4> message_id_bytes(base::MessageId mid) noexcept {
  return {static_cast<uint8_t>(mid.value >> 24), static_cast<uint8_t>(mid.value >> 16),
          static_cast<uint8_t>(mid.value >> 8), static_cast<uint8_t>(mid.value)};
}

SecureBytes skeyid_psk(const crypto::Provider& p, crypto::HashAlg h, ByteView psk,
                       ByteView ni_b, ByteView nr_b) {
  // RFC 2409 §5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
  return p.prf(h, psk, {ni_b, nr_b});
}

SecureBytes skeyid_sig(const crypto::Provider& p, crypto::HashAlg h, ByteView ni_b,
                       ByteView nr_b, ByteView g_xy) {
  // RFC 2409 §5: SKEYID = prf(Ni_b | Nr_b, g^xy)
  SecureBytes key;
  key.reserve(ni_b.size() + nr_b.size());
  base::append(key, ni_b);
  base::append(key, nr_b);
  return p.prf(h, base::view(key), {g_xy});
}

SecureBytes derive_skeyid_d(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid,
                            ByteView g_xy, const base::CookiePair& cookies) {
  // RFC 2409 §5: SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
  return p.prf(h, skeyid,
               {g_xy, ByteView(cookies.initiator.bytes), ByteView(cookies.responder.bytes),
                ByteView(kZero)});
}

SecureBytes derive_skeyid_a(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid,
                            ByteView skeyid_d, ByteView g_xy, const base::CookiePair& cookies) {
  // RFC 2409 §5: SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
  return p.prf(h, skeyid,
               {skeyid_d, g_xy, ByteView(cookies.initiator.bytes),
                ByteView(cookies.responder.bytes), ByteView(kOne)});
}

SecureBytes derive_skeyid_e(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid,
                            ByteView skeyid_a, ByteView g_xy, const base::CookiePair& cookies) {
  // RFC 2409 §5: SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
  return p.prf(h, skeyid,
               {skeyid_a, g_xy, ByteView(cookies.initiator.bytes),
                ByteView(cookies.responder.bytes), ByteView(kTwo)});
}

SecureBytes phase1_encryption_key(const crypto::Provider& p, crypto::HashAlg h,
                                  ByteView skeyid_e, std::size_t key_bytes) {
  SecureBytes out;
  if (skeyid_e.size() >= key_bytes) {
    // RFC 2409 App. B: the key is the first bits of SKEYID_e when it is long enough.
    out.assign(skeyid_e.begin(), skeyid_e.begin() + static_cast<std::ptrdiff_t>(key_bytes));
    return out;
  }
  // RFC 2409 App. B: Ka = K1 | K2 | K3 ..., K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1),
  // K3 = prf(SKEYID_e, K2), ...; Ka is truncated to the key length.
  out.reserve(key_bytes + crypto::hash_length(h));
  SecureBytes k = p.prf(h, skeyid_e, {ByteView(kZero)});
  base::append(out, base::view(k));
  while (out.size() < key_bytes) {
    k = p.prf(h, skeyid_e, {base::view(k)});
    base::append(out, base::view(k));
  }
  out.resize(key_bytes);
  return out;
}

base::Result<Bytes> phase1_initial_iv(const crypto::Provider& p, crypto::HashAlg h,
                                      ByteView g_xi, ByteView g_xr, std::size_t block_size) {
  // RFC 2409 App. B: IV = hash(g^xi | g^xr), truncated to the cipher block size.
  return truncate_to_block(p.hash(h, {g_xi, g_xr}), block_size, "phase-1 IV");
}

base::Result<Phase1Keys> derive_phase1_keys(const crypto::Provider& p,
                                            const Phase1KeyInputs& in) {
  if (in.enc_key_bytes == 0 || in.block_size == 0 || in.skeyid.empty() || in.g_xy.empty()) {
    return base::make_error(
        base::ErrorCode::Internal, base::NotifyType::None,
        "derive_phase1_keys: key {} bytes, block {} bytes, SKEYID {} bytes, g^xy {} bytes",
        in.enc_key_bytes, in.block_size, in.skeyid.size(), in.g_xy.size());
  }
  Phase1Keys k;
  k.skeyid = base::to_secure(in.skeyid);
  k.skeyid_d = derive_skeyid_d(p, in.hash, in.skeyid, in.g_xy, in.cookies);
  k.skeyid_a = derive_skeyid_a(p, in.hash, in.skeyid, base::view(k.skeyid_d), in.g_xy, in.cookies);
  k.skeyid_e = derive_skeyid_e(p, in.hash, in.skeyid, base::view(k.skeyid_a), in.g_xy, in.cookies);
  k.enc_key = phase1_encryption_key(p, in.hash, base::view(k.skeyid_e), in.enc_key_bytes);
  IKE_TRY(k.iv, phase1_initial_iv(p, in.hash, in.g_xi, in.g_xr, in.block_size));
  return k;
}

Bytes hash_i(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid, ByteView g_xi,
             ByteView g_xr, const base::CookiePair& cookies, ByteView sai_b, ByteView idii_b) {
  // RFC 2409 §5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
  return to_plain(p.prf(h, skeyid,
                        {g_xi, g_xr, ByteView(cookies.initiator.bytes),
                         ByteView(cookies.responder.bytes), sai_b, idii_b}));
}

Bytes hash_r(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid, ByteView g_xi,
             ByteView g_xr, const base::CookiePair& cookies, ByteView sai_b, ByteView idir_b) {
  // RFC 2409 §5: HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
  return to_plain(p.prf(h, skeyid,
                        {g_xr, g_xi, ByteView(cookies.responder.bytes),
                         ByteView(cookies.initiator.bytes), sai_b, idir_b}));
}

Bytes qm_hash1(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
               base::MessageId mid, ByteView after_hash) {
  // RFC 2409 §5.5: HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
  const auto m = message_id_bytes(mid);
  return to_plain(p.prf(h, skeyid_a, {ByteView(m), after_hash}));
}

Bytes qm_hash2(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
               base::MessageId mid, ByteView ni_b, ByteView after_hash) {
  // RFC 2409 §5.5: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
  const auto m = message_id_bytes(mid);
  return to_plain(p.prf(h, skeyid_a, {ByteView(m), ni_b, after_hash}));
}

Bytes qm_hash3(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
               base::MessageId mid, ByteView ni_b, ByteView nr_b) {
  // RFC 2409 §5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
  const auto m = message_id_bytes(mid);
  return to_plain(p.prf(h, skeyid_a, {ByteView(kZero), ByteView(m), ni_b, nr_b}));
}

Bytes informational_hash(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
                         base::MessageId mid, ByteView after_hash) {
  // RFC 2409 §5.7: HASH(1) = prf(SKEYID_a, M-ID | N/D)
  const auto m = message_id_bytes(mid);
  return to_plain(p.prf(h, skeyid_a, {ByteView(m), after_hash}));
}

IsakmpSaKeys::IsakmpSaKeys(Phase1Keys&& k)
    : m_d_len(static_cast<uint8_t>(k.skeyid_d.size())),
      m_a_len(static_cast<uint8_t>(k.skeyid_a.size())) {
  m_keys.reserve(k.skeyid_d.size() + k.skeyid_a.size() + k.enc_key.size());
  base::append(m_keys, base::view(k.skeyid_d));
  base::append(m_keys, base::view(k.skeyid_a));
  base::append(m_keys, base::view(k.enc_key));
  k = Phase1Keys{};  // SecureBytes wipe what they release
}

SecureBytes derive_keymat(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_d,
                          ByteView g_qm_xy, uint8_t protocol, ByteView spi, ByteView ni_b,
                          ByteView nr_b, std::size_t length) {
  const uint8_t proto[1] = {protocol};
  SecureBytes out;
  out.reserve(length + crypto::hash_length(h));
  // RFC 2409 §5.5: K1 = prf(SKEYID_d, [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
  // (with an empty g_qm_xy the optional part simply contributes nothing).
  SecureBytes k = p.prf(h, skeyid_d, {g_qm_xy, ByteView(proto), spi, ni_b, nr_b});
  base::append(out, base::view(k));
  while (out.size() < length) {
    // RFC 2409 §5.5: K(n+1) = prf(SKEYID_d, Kn | [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
    k = p.prf(h, skeyid_d, {base::view(k), g_qm_xy, ByteView(proto), spi, ni_b, nr_b});
    base::append(out, base::view(k));
  }
  out.resize(length);
  return out;
}

base::Result<Bytes> phase2_iv(const crypto::Provider& p, crypto::HashAlg h,
                              ByteView last_phase1_block, base::MessageId mid,
                              std::size_t block_size) {
  // RFC 2409 App. B: IV = hash(last phase-1 CBC output block | M-ID), truncated to the block.
  const auto m = message_id_bytes(mid);
  return truncate_to_block(p.hash(h, {last_phase1_block, ByteView(m)}), block_size,
                           "phase-2 IV");
}

}  // namespace ike::engine
