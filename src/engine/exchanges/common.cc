// Message building (cleartext, encrypted, HASH-first) shared by every exchange step.
#include "engine/exchanges/common.h"

#include <algorithm>

#include "engine/engine_impl.h"
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
  std::vector<wire::Payload> all;
  all.reserve(payloads.size() + 1);
  if (hash_len > 0) all.emplace_back(wire::HashPayload{base::Bytes(hash_len, 0)});
  all.insert(all.end(), payloads.begin(), payloads.end());
  wire::EncodedPayloads enc = wire::encode_payloads(all);
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
  out.datagram = wire::encode_header(h);
  base::append(out.datagram, base::view(sealed.ciphertext));
  out.last_block = std::move(sealed.last_block);
  return out;
}

base::Bytes cookie_spi(const base::CookiePair& c) {
  base::Bytes spi(c.initiator.bytes.begin(), c.initiator.bytes.end());
  spi.insert(spi.end(), c.responder.bytes.begin(), c.responder.bytes.end());
  return spi;
}

void end_exchange_iv(EngineImpl& e, const ExchangeKey& key) {
  if (key.message_id.value == 0) return;
  if (IsakmpSa* sa = e.sas().find_isakmp(key.cookies)) sa->iv.end_exchange(key.message_id);
}

}  // namespace ike::engine
