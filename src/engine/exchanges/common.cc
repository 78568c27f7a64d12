// Message building (cleartext, encrypted, HASH-first) shared by every exchange step.
#include "engine/exchanges/common.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "base/writer.h"
#include "engine/auth_signature.h"
#include "engine/engine_impl.h"
#include "engine/keymat.h"
#include "engine/negotiated.h"
#include "engine/transitions.h"
#include "engine/message_crypto.h"

namespace ike::engine {

base::Bytes build_clear(const wire::Header& h, std::span<const wire::Payload> payloads) {
  return wire::encode_message(h, payloads);
}

base::Result<Built> build_encrypted(const crypto::Provider& p, crypto::CipherAlg cipher,
                                    base::ByteView key, base::ByteView iv, wire::Header h,
                                    std::span<const wire::Payload> payloads,
                                    std::size_t hash_len,
                                    const std::function<base::Bytes(base::ByteView)>& hash_fn) {
  // RFC 2409 5.5: HASH, when there is one, is the first payload; its value (zeros here) is
  // filled in below. The payloads are written after it, not copied next to it (issue #7).
  wire::EncodedPayloads enc;
  base::ByteWriter w;
  w.reserve(wire::kTypicalMessageSize);
  if (hash_len > 0) {
    const wire::Payload hash = wire::HashPayload{base::Bytes(hash_len, 0)};
    wire::write_payloads(w, {&hash, 1},
                         payloads.empty() ? wire::PayloadType::None
                                          : wire::payload_type(payloads.front()));
  }
  const wire::PayloadType rest_first = wire::write_payloads(w, payloads);
  enc.first = hash_len > 0 ? wire::PayloadType::Hash : rest_first;
  enc.bytes = std::move(w).take();
  if (hash_len > 0) {
    // RFC 2409 §5.5: the HASH covers everything after the HASH payload (generic headers too).
    std::size_t hash_end = wire::kGenericHeaderSize + hash_len;
    base::Bytes value = hash_fn(base::ByteView(enc.bytes).subspan(hash_end));
    if (value.size() != hash_len) {
      return base::make_error(base::ErrorCode::Internal, base::NotifyType::None,
                              "HASH of {} bytes for a {}-byte HASH payload", value.size(),
                              hash_len);
    }
    std::copy(value.begin(), value.end(),
              enc.bytes.begin() + static_cast<std::ptrdiff_t>(wire::kGenericHeaderSize));
  }
  IKE_TRY(SealedBody sealed, seal(p, cipher, key, iv, base::view(enc.bytes)));
  h.next_payload = enc.first;
  h.flags |= wire::kFlagEncryption;
  h.length = static_cast<uint32_t>(wire::kHeaderSize + sealed.ciphertext.size());
  Built out;
  {
    wire::Header clear = h;
    clear.flags = static_cast<uint8_t>(clear.flags & ~wire::kFlagEncryption);
    clear.length = static_cast<uint32_t>(wire::kHeaderSize + enc.bytes.size());
    out.cleartext = wire::encode_header_and(clear, base::view(enc.bytes));
  }
  out.datagram = wire::encode_header_and(h, base::view(sealed.ciphertext));
  out.last_block = std::move(sealed.last_block);
  return out;
}

base::Bytes cookie_spi(const base::CookiePair& c) {
  base::Bytes spi(c.initiator.bytes.begin(), c.initiator.bytes.end());
  spi.insert(spi.end(), c.responder.bytes.begin(), c.responder.bytes.end());
  return spi;
}

void phase1_confirmed_by_peer(EngineImpl& e, const base::CookiePair& c) {
  const ExchangeKey phase1{c, base::MessageId{0}};
  if (const Exchange* x = e.exchanges().find(phase1);
      x != nullptr && x->finished && x->state == State::MmRDone) {
    e.exchanges().remove(phase1);
  }
}

void end_exchange_iv(EngineImpl& e, const ExchangeKey& key) {
  if (key.message_id.value == 0) return;
  if (IsakmpSa* sa = e.sas().find_isakmp(key.cookies)) sa->iv.end_exchange(key.message_id);
}

// ------------------------------------------------------------ phase-1 helpers (MM and AM)
wire::Header phase1_header(const base::CookiePair& c, wire::ExchangeType exchange) {
  wire::Header h;
  h.cookies = c;
  h.exchange = exchange;
  return h;
}

wire::VendorPayload dpd_vendor_id_payload() {
  return wire::VendorPayload{base::Bytes(std::begin(kDpdVendorId), std::end(kDpdVendorId))};
}

bool has_dpd_vendor_id(const Inbound& in) {
  for (const auto* v : in.all<wire::VendorPayload>()) {
    if (v->data == base::Bytes(std::begin(kDpdVendorId), std::end(kDpdVendorId))) return true;
  }
  return false;
}

base::Status check_phase1_nonce(const wire::NoncePayload& n) {
  constexpr std::size_t kMinNonce = 8;
  constexpr std::size_t kMaxNonce = 256;
  if (n.data.size() < kMinNonce || n.data.size() > kMaxNonce) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::PayloadMalformed,
                            "nonce of {} bytes (RFC 2409 §5: 8..256)", n.data.size());
  }
  return base::ok();
}

base::Status check_phase1_ke(EngineImpl& e, uint16_t group, const wire::KePayload& ke) {
  std::size_t want = e.crypto().dh_public_length(group);
  if (ke.data.size() != want) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::InvalidKeyInformation,
                            "KE of {} bytes, group {} needs {}", ke.data.size(),
                            dh_group_name(group), want);
  }
  return base::ok();
}

bool phase1_uses_signatures(const MainModeData& mm) {
  return is_signature_method(mm.suite.auth_method);  // RSA_SIG, ECDSA_256/384/521
}

std::vector<wire::CertReqPayload> peer_cert_requests(const Inbound& in) {
  std::vector<wire::CertReqPayload> out;
  for (const auto* cr : in.all<wire::CertReqPayload>()) out.push_back(*cr);
  return out;
}

Phase1Credentials phase1_credentials(EngineImpl& e, const PeerConfig& peer,
                                     const wire::IdPayload& our_id, bool psk_checked_later) {
  Phase1Credentials c;
  c.missing = [&e, &peer, &our_id,
               psk_checked_later](wire::IkeAuthMethod m) -> std::optional<std::string> {
    switch (m) {
      case wire::IkeAuthMethod::PreShared:
        if (peer.has_psk || psk_checked_later) return std::nullopt;
        return fmt::format("no pre-shared key ([{}]:Authentication)", peer.section);
      case wire::IkeAuthMethod::RsaSig:
        if (e.pki() == nullptr) return "no RSA credentials loaded ([X509-certificates])";
        return e.pki()->missing_signature_credential(our_id);
      case wire::IkeAuthMethod::EcdsaSha256:  // RFC 4754
      case wire::IkeAuthMethod::EcdsaSha384:
      case wire::IkeAuthMethod::EcdsaSha512:
        if (e.pki() == nullptr) return "no EC credentials loaded ([X509-certificates])";
        return e.pki()->missing_signature_credential(our_id, static_cast<uint16_t>(m));
      default:
        return std::nullopt;
    }
  };
  return c;
}

base::Result<Phase1Keys> derive_phase1_exchange_keys(EngineImpl& e, MainModeData& mm,
                                                     const base::CookiePair& c,
                                                     base::ByteView peer_ke) {
  IKE_TRY(base::SecureBytes g_xy, mm.dh->shared_secret(peer_ke));
  // RFC 2409 §5: for signatures: SKEYID = prf(Ni_b | Nr_b, g^xy)
  //              for pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
  base::SecureBytes skeyid =
      phase1_uses_signatures(mm)
          ? skeyid_sig(e.crypto(), mm.suite.hash, base::view(mm.ni_b), base::view(mm.nr_b),
                       base::view(g_xy))
          : skeyid_psk(e.crypto(), mm.suite.hash, base::view(mm.peer.psk), base::view(mm.ni_b),
                       base::view(mm.nr_b));
  IKE_TRY(std::size_t key_bytes, mm.suite.enc_key_bytes());
  Phase1KeyInputs in;
  in.hash = mm.suite.hash;
  in.enc_key_bytes = key_bytes;
  in.block_size = crypto::cipher_block_size(mm.cipher);
  in.skeyid = base::view(skeyid);
  in.g_xy = base::view(g_xy);
  in.g_xi = base::view(mm.g_xi);
  in.g_xr = base::view(mm.g_xr);
  in.cookies = c;
  return derive_phase1_keys(e.crypto(), in);
}

void refuse_phase1_offer(EngineImpl& e, const Inbound& in, std::string_view exchange_name,
                         const std::string& section, const base::Error& err) {
  const Datagram& d = *in.datagram;
  // Rate-limited per failure category: a flood of unacceptable MM1/AM1s (reliability.md class 18).
  e.log_limited(base::LogSeverity::Warning,
                fmt::format("refused:{}", failure_reason_category(err.detail)),
                fmt::format("{} from {} ({}): {}", exchange_name, d.peer.to_string(), section,
                            err.detail));
  base::CookiePair c{in.header.cookies.initiator, base::Cookie{}};
  if (err.notify != base::NotifyType::None) send_notify_clear(e, d.local, d.peer, c, err.notify);
  ++e.mutable_stats().exchanges_failed;
  ++e.mutable_stats().failed_by_reason[std::string(failure_reason_category(err.detail))];
  e.event(SaEvent{SaEvent::Kind::ExchangeFailed, section, d.local, d.peer, c, base::MessageId{},
                  {}, err.detail});
}

Exchange new_phase1_responder(EngineImpl& e, const Inbound& in, wire::ExchangeType type,
                              State state, const std::string& section, base::TimePoint now) {
  const Datagram& d = *in.datagram;
  Exchange x;
  x.key = ExchangeKey{base::CookiePair{in.header.cookies.initiator, e.new_cookie()},
                      base::MessageId{0}};
  x.type = type;
  x.role = Role::Responder;
  x.state = state;
  x.name = section;
  x.local = d.local;
  x.peer = d.peer;
  x.started = now;
  x.expires = now + e.retransmit_policy().exchange_max_time;
  x.mm = std::make_unique<MainModeData>();
  return x;
}

}  // namespace ike::engine
