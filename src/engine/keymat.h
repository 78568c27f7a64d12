// IKEv1 key schedule (RFC 2409 §5, §5.5, §5.7 and Appendix B): SKEYID for pre-shared keys and
// signatures, SKEYID_d/_a/_e, the phase-1 encryption key (with the App. B expansion when SKEYID_e
// is too short), the phase-1 and phase-2 IVs, HASH_I/HASH_R, the Quick Mode HASH(1..3), the
// Informational HASH(1) and the IPsec KEYMAT. Pure functions over a crypto::Provider: no state,
// no I/O. The prf is always HMAC with the negotiated hash (isakmpd parity: the PRF attribute is
// not supported). Every secret result is SecureBytes; HASH values are not secret (they travel in
// the clear inside encrypted payloads) and are Bytes. Callers compare received HASH payloads with
// crypto::constant_time_equal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"
#include "crypto/provider.h"

namespace ike::engine {

using base::ByteView;
using base::Bytes;
using base::SecureBytes;

// --- SKEYID (RFC 2409 §5) ------------------------------------------------------------------

// RFC 2409 §5: for pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
// `ni_b`/`nr_b` are the nonce payload BODIES (without generic header).
SecureBytes skeyid_psk(const crypto::Provider& p, crypto::HashAlg h, ByteView psk,
                       ByteView ni_b, ByteView nr_b);

// RFC 2409 §5: for signatures: SKEYID = prf(Ni_b | Nr_b, g^xy)
SecureBytes skeyid_sig(const crypto::Provider& p, crypto::HashAlg h, ByteView ni_b,
                       ByteView nr_b, ByteView g_xy);

// RFC 2409 §5: SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
SecureBytes derive_skeyid_d(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid,
                            ByteView g_xy, const base::CookiePair& cookies);
// RFC 2409 §5: SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
SecureBytes derive_skeyid_a(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid,
                            ByteView skeyid_d, ByteView g_xy, const base::CookiePair& cookies);
// RFC 2409 §5: SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
SecureBytes derive_skeyid_e(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid,
                            ByteView skeyid_a, ByteView g_xy, const base::CookiePair& cookies);

// RFC 2409 App. B: the encryption key is the first `key_bytes` of SKEYID_e when SKEYID_e is
// long enough; otherwise Ka = K1 | K2 | K3 ..., K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1),
// K3 = prf(SKEYID_e, K2) ..., truncated to `key_bytes`. ("0" is one zero octet, as isakmpd,
// strongSwan and libreswan implement it.)
SecureBytes phase1_encryption_key(const crypto::Provider& p, crypto::HashAlg h,
                                  ByteView skeyid_e, std::size_t key_bytes);

// RFC 2409 App. B: IV = hash(g^xi | g^xr) truncated to the cipher block size. g^xi/g^xr are the
// KE payload bodies of initiator and responder (the public values). Fails (Crypto) only if the
// hash output is shorter than the block size (cannot happen for the supported hashes/ciphers).
[[nodiscard]] base::Result<Bytes> phase1_initial_iv(const crypto::Provider& p, crypto::HashAlg h,
                                                    ByteView g_xi, ByteView g_xr,
                                                    std::size_t block_size);

// Everything phase 1 derives once g^xy is known.
struct Phase1Keys {
  SecureBytes skeyid;
  SecureBytes skeyid_d;
  SecureBytes skeyid_a;
  SecureBytes skeyid_e;
  SecureBytes enc_key;  // `enc_key_bytes` long (App. B expansion applied)
  Bytes iv;             // phase-1 initial IV, one cipher block
};

// What an established ISAKMP SA keeps of its Phase1Keys (RFC 2409 §5): SKEYID_d derives every
// KEYMAT, SKEYID_a every HASH(n), the encryption key protects phase-2 and informational
// messages. SKEYID and SKEYID_e only derived them and the initial IV lives on in the IvChain, so
// they are wiped (fewer secrets in memory). The three live in one wiping buffer: one heap block
// per SA instead of three (issue #7: bytes per SA at 100,000 SAs).
class IsakmpSaKeys {
 public:
  IsakmpSaKeys() = default;
  // Takes SKEYID_d, SKEYID_a and the encryption key; `k` is left wiped and empty.
  explicit IsakmpSaKeys(Phase1Keys&& k);
  ByteView skeyid_d() const noexcept { return {m_keys.data(), m_d_len}; }
  ByteView skeyid_a() const noexcept { return {m_keys.data() + m_d_len, m_a_len}; }
  ByteView enc_key() const noexcept {
    return {m_keys.data() + m_d_len + m_a_len, m_keys.size() - m_d_len - m_a_len};
  }

 private:
  SecureBytes m_keys;  // SKEYID_d | SKEYID_a | enc key
  uint8_t m_d_len = 0, m_a_len = 0;  // prf outputs: at most 64 bytes (SHA-512)
};

struct Phase1KeyInputs {
  crypto::HashAlg hash = crypto::HashAlg::Sha1;
  std::size_t enc_key_bytes = 0;  // Phase1Suite::enc_key_bytes()
  std::size_t block_size = 0;     // crypto::cipher_block_size(Phase1Suite::cipher())
  ByteView skeyid;                // from skeyid_psk() / skeyid_sig()
  ByteView g_xy;                  // the DH shared secret
  ByteView g_xi;                  // initiator KE body
  ByteView g_xr;                  // responder KE body
  base::CookiePair cookies;
};

// Derives SKEYID_d, SKEYID_a, SKEYID_e, the encryption key and the initial IV (copies SKEYID).
// Errors: Internal if enc_key_bytes or block_size is 0, or skeyid/g_xy is empty (caller bug);
// Crypto from phase1_initial_iv.
[[nodiscard]] base::Result<Phase1Keys> derive_phase1_keys(const crypto::Provider& p,
                                                          const Phase1KeyInputs& in);

// --- Phase-1 authentication (RFC 2409 §5) ---------------------------------------------------
// `sai_b` is the body of the INITIATOR's SA payload (as sent/received, without the generic
// header) -- both HASH_I and HASH_R use SAi_b. `idii_b`/`idir_b` are the ID payload bodies.

// RFC 2409 §5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
Bytes hash_i(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid, ByteView g_xi,
             ByteView g_xr, const base::CookiePair& cookies, ByteView sai_b, ByteView idii_b);
// RFC 2409 §5: HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
Bytes hash_r(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid, ByteView g_xi,
             ByteView g_xr, const base::CookiePair& cookies, ByteView sai_b, ByteView idir_b);

// --- Quick Mode and Informational (RFC 2409 §5.5, §5.7) ------------------------------------
// `after_hash` is the decrypted message area FOLLOWING the HASH payload: every generic header
// and body of the payloads after HASH, up to the end of the last payload (padding EXCLUDED: the
// caller cuts at the end of the last payload, e.g. using PayloadEntry offsets). M-ID is encoded
// as 4 octets in network order.

// RFC 2409 §5.5: HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
Bytes qm_hash1(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
               base::MessageId mid, ByteView after_hash);
// RFC 2409 §5.5: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
Bytes qm_hash2(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
               base::MessageId mid, ByteView ni_b, ByteView after_hash);
// RFC 2409 §5.5: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
Bytes qm_hash3(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
               base::MessageId mid, ByteView ni_b, ByteView nr_b);
// RFC 2409 §5.7: HASH(1) = prf(SKEYID_a, M-ID | N/D)
Bytes informational_hash(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_a,
                         base::MessageId mid, ByteView after_hash);

// RFC 2409 §5.5 KEYMAT for one SA (one direction, one protocol):
//   KEYMAT = prf(SKEYID_d, [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
// expanded when more is needed:
//   KEYMAT = K1 | K2 | K3 | ...
//   K1 = prf(SKEYID_d, [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
//   K2 = prf(SKEYID_d, K1 | [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b) ...
// `g_qm_xy` is empty without PFS. `protocol` is the RFC 2407 protocol id (2 AH, 3 ESP, 4 IPCOMP).
// `spi` is the SPI as carried in the proposal (4 octets; 2 for an IPCOMP CPI) of THE SA BEING
// KEYED: the inbound SA uses the SPI we allocated, the outbound SA the peer's SPI (RFC 2409 §5.5:
// "the SPI ... of the SA the keys are for", each direction differs). `ni_b`/`nr_b` are the
// Quick Mode nonce bodies (initiator's first, whatever our role). Returns exactly `length` bytes.
SecureBytes derive_keymat(const crypto::Provider& p, crypto::HashAlg h, ByteView skeyid_d,
                          ByteView g_qm_xy, uint8_t protocol, ByteView spi, ByteView ni_b,
                          ByteView nr_b, std::size_t length);

// RFC 2409 App. B: IV of a Quick Mode / Informational exchange =
//   hash(last phase-1 CBC output block | M-ID) truncated to the block size.
// `last_phase1_block` is the phase-1 IV state when the exchange starts (IvChain::phase1_iv()).
// Errors: Crypto if the hash output is shorter than the block size.
[[nodiscard]] base::Result<Bytes> phase2_iv(const crypto::Provider& p, crypto::HashAlg h,
                                            ByteView last_phase1_block, base::MessageId mid,
                                            std::size_t block_size);

// M-ID as the 4 network-order octets the formulas above use.
std::array<uint8_t, 4> message_id_bytes(base::MessageId mid) noexcept;

}  // namespace ike::engine
