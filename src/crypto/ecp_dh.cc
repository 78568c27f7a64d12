// ECP Diffie-Hellman for IKE (RFC 5903 groups 19-21, RFC 5114 groups 25-26, RFC 6932 Brainpool
// groups 27-30) on OpenSSL EC_GROUP / EC_POINT arithmetic.
//
// RFC 5903 §7: the KE payload is x || y, each coordinate a fixed-length field element ("the
// length of each is ... the length of the field in octets"), with no point-format octet.
// RFC 5903 §9: "the Diffie-Hellman shared secret value consists of the x value of the
// Diffie-Hellman common value", also left-padded to the field length. The private scalar is
// drawn uniformly from [1, n-1] by rejection sampling from the injected base::Random, so an
// exchange replays byte for byte. Every curve here has cofactor 1, so a peer point that is on
// the curve and not at infinity has full order: no small-subgroup confinement is possible.
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <algorithm>

#include "crypto/dh_impl.h"

namespace ike::crypto::detail {
namespace {

class EcpGroup;

class EcpPrivate final : public DhPrivate {
 public:
  EcpPrivate(std::shared_ptr<const EcpGroup> group, SecureBytes scalar, Bytes pub)
      : m_group(std::move(group)), m_scalar(std::move(scalar)), m_public(std::move(pub)) {}
  uint16_t group() const noexcept override;
  const Bytes& public_value() const noexcept override { return m_public; }
  base::Result<SecureBytes> shared_secret(ByteView peer_public) const override;

 private:
  std::shared_ptr<const EcpGroup> m_group;
  SecureBytes m_scalar;  // big-endian, order length
  Bytes m_public;        // x || y
};

class EcpGroup final : public DhGroupImpl, public std::enable_shared_from_this<EcpGroup> {
 public:
  EcpGroup(const DhGroupInfo& info, LibPtr lib) : m_info(info), m_lib(std::move(lib)) {}

  base::Status init() {
    std::string curve(m_info.curve);
    int nid = OBJ_sn2nid(curve.c_str());
    if (nid == NID_undef) {
      return base::make_error(base::ErrorCode::Unsupported, base::NotifyType::None,
                              "{}: curve {} unknown to OpenSSL", m_info.name, curve);
    }
    m_group.reset(EC_GROUP_new_by_curve_name_ex(m_lib->get(), nullptr, nid));
    evp::BnCtxPtr ctx(BN_CTX_new_ex(m_lib->get()));
    m_p.reset(BN_new());
    if (!m_group || !ctx || !m_p ||
        EC_GROUP_get_curve(m_group.get(), m_p.get(), nullptr, nullptr, ctx.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: curve {}", m_info.name, curve));
    }
    const BIGNUM* order = EC_GROUP_get0_order(m_group.get());
    const BIGNUM* cofactor = EC_GROUP_get0_cofactor(m_group.get());
    if (order == nullptr || cofactor == nullptr || !BN_is_one(cofactor)) {
      return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                              "{}: curve {} must have prime order (cofactor 1)", m_info.name,
                              curve);
    }
    m_field_len = (static_cast<std::size_t>(EC_GROUP_get_degree(m_group.get())) + 7) / 8;
    m_order_bits = static_cast<std::size_t>(BN_num_bits(order));
    m_order_len = (m_order_bits + 7) / 8;
    m_order_bytes.resize(m_order_len);
    BN_bn2binpad(order, m_order_bytes.data(), static_cast<int>(m_order_len));
    if (2 * m_field_len != m_info.public_length()) {
      return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                              "{}: field length {} disagrees with the group table",
                              m_info.name, m_field_len);
    }
    return base::ok();
  }

  const DhGroupInfo& info() const noexcept override { return m_info; }

  base::Result<std::unique_ptr<DhPrivate>> generate(base::Random& rng) const override {
    // Rejection sampling (FIPS 186-4 B.4.2 "testing candidates"): draw bitlen(n) random bits
    // and retry unless 1 <= k <= n-1. Each try succeeds with probability > 1/2.
    SecureBytes k(m_order_len);
    const auto top_mask = static_cast<uint8_t>(0xffu >> (m_order_len * 8 - m_order_bits));
    for (int attempt = 0; attempt < 128; ++attempt) {
      rng.fill(k);
      k[0] &= top_mask;
      if (in_scalar_range(k)) {
        return make(std::move(k));
      }
    }
    return base::make_error(base::ErrorCode::Crypto, base::NotifyType::None,
                            "{}: random source produced no scalar in [1, n-1] in 128 tries",
                            m_info.name);
  }

  base::Result<std::unique_ptr<DhPrivate>> from_private(ByteView d) const override {
    if (d.empty() || d.size() > m_order_len) {
      return bad_private(m_info, "has {} bytes, expected 1..{}", d.size(), m_order_len);
    }
    SecureBytes k(m_order_len - d.size(), 0);
    k.insert(k.end(), d.begin(), d.end());
    if (!in_scalar_range(k)) {
      return bad_private(m_info, "is outside [1, n-1]");
    }
    return make(std::move(k));
  }

  base::Status check_peer_public(ByteView peer) const override {
    evp::BnCtxPtr ctx(BN_CTX_new_ex(m_lib->get()));
    if (!ctx) {
      return evp::crypto_failure(fmt::format("{}: check setup", m_info.name));
    }
    base::Result<evp::EcPointPtr> q = decode_peer(peer, ctx.get());
    if (!q) {
      return q.error();
    }
    return base::ok();
  }

  base::Result<SecureBytes> derive(ByteView scalar, ByteView peer) const {
    evp::BnCtxPtr ctx(BN_CTX_secure_new_ex(m_lib->get()));
    if (!ctx) {
      return evp::crypto_failure(fmt::format("{}: derive setup", m_info.name));
    }
    IKE_TRY(evp::EcPointPtr q, decode_peer(peer, ctx.get()));
    evp::EcPointPtr shared(EC_POINT_new(m_group.get()));
    evp::SecretBnPtr k(BN_secure_new());
    evp::SecretBnPtr sx(BN_new());  // x of g^ir: the shared secret
    if (!shared || !k || !sx) {
      return evp::crypto_failure(fmt::format("{}: derive setup", m_info.name));
    }
    if (BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), k.get()) == nullptr) {
      return evp::crypto_failure(fmt::format("{}: scalar", m_info.name));
    }
    BN_set_flags(k.get(), BN_FLG_CONSTTIME);
    // g^ir = [k]Q; RFC 5903 §9: the shared secret is its x coordinate.
    if (EC_POINT_mul(m_group.get(), shared.get(), nullptr, q.get(), k.get(), ctx.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: EC_POINT_mul", m_info.name));
    }
    if (EC_POINT_is_at_infinity(m_group.get(), shared.get()) == 1) {
      return invalid_key(m_info, "shared point is at infinity");
    }
    if (EC_POINT_get_affine_coordinates(m_group.get(), shared.get(), sx.get(), nullptr,
                                        ctx.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: shared x", m_info.name));
    }
    SecureBytes out(m_field_len);
    BN_bn2binpad(sx.get(), out.data(), static_cast<int>(out.size()));
    return out;
  }

 private:
  // The peer's x || y as a point: exactly two field lengths, not all zero, x and y below p, on
  // the curve and not at infinity (INVALID_KEY_INFORMATION otherwise).
  base::Result<evp::EcPointPtr> decode_peer(ByteView peer, BN_CTX* ctx) const {
    // RFC 5903 §7: x || y, each exactly the field length.
    if (peer.size() != 2 * m_field_len) {
      return invalid_key(m_info, "peer public value has {} bytes, expected {}", peer.size(),
                         2 * m_field_len);
    }
    // x || y = 0 || 0 is how some implementations write the point at infinity (SEC 1 §2.3.3
    // uses a single zero octet); it is never a valid KE value.
    if (std::all_of(peer.begin(), peer.end(), [](uint8_t b) { return b == 0; })) {
      return invalid_key(m_info, "peer public value is the point at infinity (all zero)");
    }
    evp::BnPtr x(BN_bin2bn(peer.data(), static_cast<int>(m_field_len), nullptr));
    evp::BnPtr y(BN_bin2bn(peer.data() + m_field_len, static_cast<int>(m_field_len), nullptr));
    evp::EcPointPtr q(EC_POINT_new(m_group.get()));
    if (!x || !y || !q) {
      return evp::crypto_failure(fmt::format("{}: peer point", m_info.name));
    }
    if (BN_cmp(x.get(), m_p.get()) >= 0) {
      return invalid_key(m_info, "peer public value has x >= p");
    }
    if (BN_cmp(y.get(), m_p.get()) >= 0) {
      return invalid_key(m_info, "peer public value has y >= p");
    }
    // EC_POINT_set_affine_coordinates refuses points that are not on the curve: it runs
    // EC_POINT_is_on_curve itself (OpenSSL >= 1.1.1), so a second check would only repeat it.
    if (EC_POINT_set_affine_coordinates(m_group.get(), q.get(), x.get(), y.get(), ctx) != 1) {
      (void)evp::drain_errors();
      return invalid_key(m_info, "peer public value is not a point on the curve");
    }
    if (EC_POINT_is_at_infinity(m_group.get(), q.get()) == 1) {
      return invalid_key(m_info, "peer public value is the point at infinity");
    }
    return q;
  }

  bool in_scalar_range(ByteView k) const {
    bool zero = std::all_of(k.begin(), k.end(), [](uint8_t b) { return b == 0; });
    if (zero) {
      return false;
    }
    return compare_be(k, m_order_bytes) < 0;
  }

  base::Result<std::unique_ptr<DhPrivate>> make(SecureBytes scalar) const {
    evp::BnCtxPtr ctx(BN_CTX_secure_new_ex(m_lib->get()));
    evp::SecretBnPtr k(BN_secure_new());
    evp::EcPointPtr pub(EC_POINT_new(m_group.get()));
    evp::BnPtr x(BN_new());
    evp::BnPtr y(BN_new());
    if (!ctx || !k || !pub || !x || !y ||
        BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), k.get()) == nullptr) {
      return evp::crypto_failure(fmt::format("{}: key setup", m_info.name));
    }
    BN_set_flags(k.get(), BN_FLG_CONSTTIME);
    // g^i = [k]G (constant-time fixed-base multiplication).
    if (EC_POINT_mul(m_group.get(), pub.get(), k.get(), nullptr, nullptr, ctx.get()) != 1 ||
        EC_POINT_get_affine_coordinates(m_group.get(), pub.get(), x.get(), y.get(),
                                        ctx.get()) != 1) {
      return evp::crypto_failure(fmt::format("{}: [k]G", m_info.name));
    }
    Bytes pub_bytes(2 * m_field_len);
    BN_bn2binpad(x.get(), pub_bytes.data(), static_cast<int>(m_field_len));
    BN_bn2binpad(y.get(), pub_bytes.data() + m_field_len, static_cast<int>(m_field_len));
    return std::unique_ptr<DhPrivate>(std::make_unique<EcpPrivate>(
        shared_from_this(), std::move(scalar), std::move(pub_bytes)));
  }

  DhGroupInfo m_info;
  LibPtr m_lib;
  evp::EcGroupPtr m_group;
  evp::BnPtr m_p;
  Bytes m_order_bytes;  // n, big-endian
  std::size_t m_field_len = 0;
  std::size_t m_order_bits = 0;
  std::size_t m_order_len = 0;
};

uint16_t EcpPrivate::group() const noexcept { return m_group->info().id; }

base::Result<SecureBytes> EcpPrivate::shared_secret(ByteView peer_public) const {
  return m_group->derive(m_scalar, peer_public);
}

}  // namespace

base::Result<std::shared_ptr<const DhGroupImpl>> make_ecp_group(const DhGroupInfo& info,
                                                                 LibPtr lib) {
  auto group = std::make_shared<EcpGroup>(info, std::move(lib));
  IKE_TRY_VOID(group->init());
  return std::shared_ptr<const DhGroupImpl>(std::move(group));
}

}  // namespace ike::crypto::detail
