// EngineImpl: the engine's state and the services the exchange steps share (design §3.3). It
// owns the SA database, the exchange table, the connection manager and the output queue, and
// runs the datagram driver (parse header -> find exchange -> duplicate check -> transition row
// -> decrypt -> payload rules -> step) and the timers. The protocol steps themselves live in
// exchanges/*.cc and are reached through the transition table (transitions.h); the policy
// (proposals, IDs, keys) comes from the engine-policy files. No I/O, no clock, no rand().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/rate_limit.h"
#include "conf/conf_db.h"
#include "crypto/provider.h"
#include "engine/conf_cache.h"
#include "engine/connection_manager.h"
#include "engine/deadline_index.h"
#include "engine/dpd.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/half_open.h"
#include "engine/fragment_send.h"
#include "engine/io.h"
#include "engine/pki_store.h"
#include "engine/retransmit.h"
#include "engine/sa_db.h"
#include "engine/transitions.h"
#include "policy/ipsec_attributes.h"

namespace ike::engine {

// stats_reasons.cc: bounded categories for Stats.dropped_by_reason / failed_by_reason.
std::string_view drop_reason_category(std::string_view reason) noexcept;
std::string_view failure_reason_category(std::string_view reason) noexcept;

class EngineImpl {
 public:
  EngineImpl(const conf::ConfDb& conf, const crypto::Provider& crypto, base::Random& rng,
             EngineOptions options);

  // --- the public API (engine.h) ---
  void start(base::TimePoint now);
  void on_datagram(const Datagram& d, base::TimePoint now);
  void on_ui(const UiCommand& cmd, base::TimePoint now);
  void on_kernel_reply(const KernelReply& reply, base::TimePoint now);
  void on_tick(base::TimePoint now);
  void on_config_changed(base::TimePoint now);
  void on_config_reloaded(base::TimePoint now);
  void shutdown(base::TimePoint now, bool send_deletes);
  void set_passive(bool passive) { m_options.passive = passive; }
  void set_packet_log(bool on) { m_options.packet_log = on; }
  void set_credentials(std::shared_ptr<const PkiStore> pki) { m_pki = std::move(pki); }
  void set_policy(std::shared_ptr<const policy::PolicyContext> p) { m_policy = std::move(p); }
  std::optional<base::TimePoint> next_deadline() const;
  std::vector<Output> take_outputs();
  void recycle_outputs(std::vector<Output>&& used);
  std::string sa_status_report(base::TimePoint now) const;
  std::vector<std::string> report_lines(base::TimePoint now) const;
  Engine::Stats stats() const {
    Engine::Stats s = m_stats;
    s.started_by_exchange = m_exchanges.started();
    s.half_open = m_exchanges.half_open().size();
    s.log_suppressed = m_log_limit.total_suppressed();
    return s;
  }
  const std::string& last_drop_reason() const noexcept { return m_last_drop; }

  // --- services for the exchange steps ---
  const conf::ConfDb& conf() const noexcept { return m_conf; }
  // Configuration lookups cached per ConfDb::generation() (conf_cache.h).
  const ConfCache& conf_cache() const noexcept { return m_conf_cache; }
  // Parsed transform/suite sections per ConfDb::generation() (select_phase1/2).
  conf::ConfMemo& conf_memo() noexcept { return m_conf_memo; }
  const crypto::Provider& crypto() const noexcept { return m_crypto; }
  base::Random& rng() noexcept { return m_rng; }
  const PkiStore* pki() const noexcept { return m_pki.get(); }  // null without credentials
  const policy::PolicyContext* policy() const noexcept { return m_policy.get(); }  // null: off
  const EngineOptions& options() const noexcept { return m_options; }
  const RetransmitPolicy& retransmit_policy() const noexcept { return m_rtx_policy; }
  SaDb& sas() noexcept { return m_sas; }
  const SaDb& sas() const noexcept { return m_sas; }
  ExchangeTable& exchanges() noexcept { return m_exchanges; }
  const ExchangeTable& exchanges() const noexcept { return m_exchanges; }
  ConnectionManager& connections() noexcept { return m_connections; }
  const ConnectionManager& connections() const noexcept { return m_connections; }
  Engine::Stats& mutable_stats() noexcept { return m_stats; }
  DeadPeerDetector& dpd() noexcept { return m_dpd; }
  FragmentState& fragments() noexcept { return m_fragments; }
  const DeadPeerDetector& dpd() const noexcept { return m_dpd; }
  // ISAKMP SAs with an XAUTH round pending (XAuth-timeout): no scan of all SAs per tick.
  DeadlineIndex<base::CookiePair>& xauth_timers() const noexcept { return m_xauth_timers; }

  // PacketLog output (only with options().packet_log) for a cleartext message; for an
  // encrypted one, `header` is its header and `area` the decrypted payload chain of which the
  // first `area_len` bytes are logged (packet_capture.cc).
  void log_packet(const base::SockAddr& src, const base::SockAddr& dst, base::ByteView message);
  void log_packet(const base::SockAddr& src, const base::SockAddr& dst, base::ByteView header,
                  base::ByteView area);
  // Sends a datagram (counted).
  void send(const base::SockAddr& local, const base::SockAddr& peer, base::Bytes bytes);
  // Sends `bytes` as the exchange's new last message (cached for retransmission).
  void send_exchange_message(Exchange& x, base::Bytes bytes, base::TimePoint now,
                             bool expect_answer);
  // Queues a kernel request; returns its id.
  uint64_t kernel(decltype(KernelRequest::op) op);
  // ADD SA requests of an established pair (by our inbound SPI): a refusal deletes the pair.
  void track_sa_install(uint64_t request_id, base::Spi in_spi) {
    m_sa_installs.emplace(request_id, in_spi);
  }
  void event(SaEvent ev);
  void emit(Output o) { m_outputs.push_back(std::move(o)); }

  base::Cookie new_cookie();
  // RFC 2408 §3.1: a random, non-zero message id unique within the ISAKMP SA.
  base::MessageId new_message_id(IsakmpSa& sa);

  // Drops the current datagram: Stats.dropped, debug log, last_drop_reason.
  void drop(std::string reason);
  // --- floods (half_open_engine.cc, reliability.md class 18) ---
  const HalfOpenLimits& half_open_limits() const noexcept { return m_half_open_limits; }
  // Before any state is made for an MM1/AM1 from `peer`: TooMany (counted, "half-open" in the
  // detail) when the address already holds Max-half-open-per-peer half-open exchanges.
  [[nodiscard]] base::Status half_open_admit(const base::IpAddress& peer);
  // Right before a new half-open exchange is added: evicts HalfOpenTable::victim() while the
  // table holds Max-half-open exchanges. Returns the new exchange's deadline
  // (now + Half-open-max-time).
  base::TimePoint half_open_make_room(base::TimePoint now);
  // A log line through the per-key rate limit (`key`: a bounded category, never peer text);
  // a summary of the lines suppressed before it comes first. Debug lines use class Message.
  void log_limited(base::LogSeverity sev, std::string_view key, const std::string& text);
  void flush_log_summaries(base::TimePoint now);
  std::optional<base::TimePoint> next_log_summary() const { return m_log_limit.next_summary_due(); }

  // Fails an exchange: ExchangeFailed event, counter, removal (IV chain of a QM ended).
  void fail_exchange(const ExchangeKey& key, const std::string& reason);
  // A message for exchange x that did not verify (unverifiable.cc): dropped with no state
  // change, counted, logged (rate-limited) and remembered on x; fails x early once
  // [General]:Max-unverifiable-messages is reached.
  void drop_unverifiable(std::string_view row, Exchange& x, const Datagram& d, bool encrypted,
                         const base::Error& e);
  // Fails an exchange; when it dropped unverifiable messages, the reason names them
  // ("<lead> after N unverifiable MM5 from P (HASH_I mismatch...); <why>") and their notify is
  // sent once (phase 1, in the clear).
  void fail_unverifiable(const ExchangeKey& key, std::string_view lead, const std::string& why);
  // Marks an exchange done; lingering (kept for duplicates) when `linger`.
  void finish_exchange(const ExchangeKey& key, base::TimePoint now, bool linger);

 private:
  void dispatch(const Datagram& d, const wire::Header& h, base::TimePoint now);
  void dispatch_phase1(const Datagram& d, const wire::Header& h, base::TimePoint now);
  void dispatch_to_exchange(Exchange& x, const Datagram& d, const wire::Header& h,
                            base::TimePoint now);
  void run_row(const Transition& row, Exchange* x, const Datagram& d, const wire::Header& h,
               base::TimePoint now);
  void handle_row_error(const Transition& row, Exchange* x, bool committed, const Datagram& d,
                        const wire::Header& h, bool encrypted, const base::Error& e,
                        base::TimePoint now);
  void expire_exchanges(base::TimePoint now);
  void expire_sas(base::TimePoint now);

  const conf::ConfDb& m_conf;
  const crypto::Provider& m_crypto;
  base::Random& m_rng;
  EngineOptions m_options;
  RetransmitPolicy m_rtx_policy;
  SaDb m_sas;
  ExchangeTable m_exchanges;
  ConnectionManager m_connections;
  DeadPeerDetector m_dpd;
  mutable DeadlineIndex<base::CookiePair> m_xauth_timers;
  FragmentState m_fragments;
  std::vector<Output> m_outputs;
  std::vector<Output> m_spare_outputs;  // empty, with capacity (recycle_outputs)
  Engine::Stats m_stats;
  std::string m_last_drop;
  uint64_t m_next_request = 1;
  std::map<uint64_t, base::Spi> m_sa_installs;  // pending ADD SA request -> pair's inbound SPI
  std::shared_ptr<const PkiStore> m_pki;
  HalfOpenLimits m_half_open_limits;
  base::LogRateLimiter m_log_limit;
  base::TimePoint m_now{};  // of the current entry point (on_datagram, on_tick, ...)
  std::shared_ptr<const policy::PolicyContext> m_policy;
  ConfCache m_conf_cache;
  conf::ConfMemo m_conf_memo;
};

}  // namespace ike::engine
