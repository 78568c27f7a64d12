// The exchange driver's transition table (design §5 rule 5: "Exchanges are tables"; libreswan
// v1_state_microcode_table, isakmpd script_*): one row per (exchange type, role, state) with
// the payload rule the incoming message must satisfy, the step that consumes it, and what a
// failure does (drop the datagram and keep waiting, or fail the exchange). Rows with state None
// create a responder exchange (MM1, QM1) or handle a one-message Informational exchange.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "engine/exchange.h"
#include "engine/io.h"
#include "engine/payload_rules.h"
#include "wire/message.h"

namespace ike::engine {

class EngineImpl;

// A validated incoming message as a step sees it.
struct Inbound {
  const Datagram* datagram = nullptr;
  wire::Header header;
  std::vector<wire::PayloadEntry> payloads;
  base::Bytes area;            // cleartext payload area (decrypted; padding included)
  std::size_t area_end = 0;    // end of the last payload inside `area`
  bool encrypted = false;
  base::Bytes last_block;      // encrypted: last ciphertext block (the next IV once accepted)

  template <class T>
  const T* find() const {
    for (const auto& e : payloads) {
      if (const T* p = std::get_if<T>(&e.value)) return p;
    }
    return nullptr;
  }
  // Every payload of type T, in message order. Up to kInline of them are held without
  // allocating (the usual case: an MM1's vendor IDs, a QM1's two IDs); more spill to the heap.
  // A contiguous range: converts to std::span<const T* const>.
  template <class T>
  class PayloadPtrs {
   public:
    static constexpr std::size_t kInline = 8;
    void push_back(const T* p) {
      if (m_size < kInline) {
        m_inline[m_size] = p;
      } else {
        if (m_heap.empty()) m_heap.assign(m_inline.begin(), m_inline.end());
        m_heap.push_back(p);
      }
      ++m_size;
    }
    const T* const* data() const noexcept {
      return m_size <= kInline ? m_inline.data() : m_heap.data();
    }
    std::size_t size() const noexcept { return m_size; }
    bool empty() const noexcept { return m_size == 0; }
    const T* operator[](std::size_t i) const noexcept { return data()[i]; }
    const T* const* begin() const noexcept { return data(); }
    const T* const* end() const noexcept { return data() + m_size; }

   private:
    std::array<const T*, kInline> m_inline{};
    std::vector<const T*> m_heap;
    std::size_t m_size = 0;
  };
  template <class T>
  PayloadPtrs<T> all() const {
    PayloadPtrs<T> out;
    for (const auto& e : payloads) {
      if (const T* p = std::get_if<T>(&e.value)) out.push_back(p);
    }
    return out;
  }
  const wire::PayloadEntry* entry(wire::PayloadType t) const;
  // The exact body bytes of `e` (one of `payloads`), a view into `area`.
  base::ByteView body_of(const wire::PayloadEntry& e) const {
    return wire::payload_body(base::view(area), e);
  }
  // The area after the (first) HASH payload up to the end of the last payload: what HASH(1),
  // HASH(2) and the informational HASH(1) cover (RFC 2409 §5.5, §5.7).
  base::ByteView after_hash() const;
};

// Existing-exchange step: validate, then accept(x, in), then act.
using StepFn = base::Status (*)(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
// New-exchange entry (state None): creates the exchange itself.
using StartFn = base::Status (*)(EngineImpl&, const Inbound&, base::TimePoint);

// Either way, an error before the step's commit point (accept()) drops the message with no
// state change and is remembered by the exchange (unverifiable.cc): a forged or corrupted
// message must not kill state. The rows differ only after the commit point.
enum class OnError : uint8_t {
  Drop,  // count, log, keep waiting
  Fail,  // after accept(): fail the exchange (ExchangeFailed, notify if the error carries one)
};

struct Transition {
  wire::ExchangeType exchange;
  Role role;
  State state;
  const PayloadRule* rule;
  StepFn step;    // existing exchange (state != None)
  StartFn start;  // new exchange (state == None)
  OnError on_error;
  bool auth_step;  // failure means "authentication failed for peer X"
  std::string_view diagram;
};

// The row for an incoming message, or nullptr (the message is unexpected in that state).
const Transition* find_transition(wire::ExchangeType exchange, Role role, State state);
const std::vector<Transition>& transition_table();

// The commit point of a step: records the datagram as the exchange's last received message
// (duplicate detection), stops the retransmit timer and advances the IV chain with the
// message's last ciphertext block. Call only after every check passed.
[[nodiscard]] base::Status accept(EngineImpl& e, Exchange& x, const Inbound& in);

// --- steps (exchanges/*.cc) ---
base::Status mm_r_recv1(EngineImpl&, const Inbound&, base::TimePoint);
base::Status mm_i_recv2(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status mm_r_recv3(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status mm_i_recv4(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status mm_r_recv5(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status mm_i_recv6(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status qm_r_recv1(EngineImpl&, const Inbound&, base::TimePoint);
base::Status qm_i_recv2(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status qm_r_recv3(EngineImpl&, Exchange&, const Inbound&, base::TimePoint);
base::Status info_recv(EngineImpl&, const Inbound&, base::TimePoint);

}  // namespace ike::engine
