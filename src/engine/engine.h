// The IKEv1 engine: the only public entry point of src/engine. Sans-I/O (design §3.3): inputs
// are datagrams, ticks, UI commands, kernel replies and config changes, each with `now`;
// outputs are drained with take_outputs(); the daemon arms one timer at next_deadline().
// Randomness and crypto are injected, so a whole exchange replays byte for byte in tests.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "conf/conf_db.h"
#include "crypto/provider.h"
#include "engine/io.h"
#include "engine/status.h"

namespace ike::engine {

struct EngineOptions {
  bool emit_key_material = false;  // --keylog
  bool verbose = false;            // -v / Logverbose: log completed exchanges
  bool passive = false;            // -S / M passive: do not initiate
  bool install_flows = true;       // false with -a / Acquire-Only
  bool nat_traversal = true;       // false with -T (issue 3)
  uint16_t listen_port = 500;      // -p
  uint16_t nat_t_port = 4500;      // -N: the port IKE floats to (RFC 3947 §4)
  bool packet_log = false;         // -L/-l, FIFO `p on`: emit PacketLog outputs
};

class EngineImpl;
struct PkiStore;
}  // namespace ike::engine
namespace ike::policy {
struct PolicyContext;
}  // namespace ike::policy
namespace ike::engine {

class Engine {
 public:
  // `conf` must outlive the engine; the daemon mutates it only between engine calls and then
  // calls on_config_changed().
  Engine(const conf::ConfDb& conf, const crypto::Provider& crypto, base::Random& rng,
         EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the [Phase 2]:Connections (isakmpd connection_init) and arms the watchdog.
  void start(base::TimePoint now);
  void on_datagram(const Datagram& d, base::TimePoint now);
  void on_ui(const UiCommand& cmd, base::TimePoint now);
  void on_kernel_reply(const KernelReply& reply, base::TimePoint now);
  // The answer to an XauthVerify output (xauth_exchange.h); stale or unknown ids are ignored.
  void on_xauth_verdict(const XauthVerdict& verdict, base::TimePoint now);
  // ACQUIRE (start the matching connection), soft EXPIRE (rekey), hard EXPIRE (delete + DELETE)
  // from the kernel backend (kernel_events.cc).
  void on_kernel_event(const base::KernelEvent& ev, base::TimePoint now);
  // Call when a deadline passed (or any time: it processes every expired timer).
  void on_tick(base::TimePoint now);
  // After `C` commands or a reload: re-reads Connections (isakmpd: re-init 5 s later).
  void on_config_changed(base::TimePoint now);
  // After a reload of the whole file (SIGHUP, FIFO `R`): on_config_changed(), then IPsec SAs
  // whose connection section is gone or now describes other selectors are deleted (DELETE
  // sent); SAs that still match the new configuration are kept. Not done for `C` commands,
  // which change one tag at a time (isakmpd keeps SAs across them).
  void on_config_reloaded(base::TimePoint now);
  // Clean shutdown: DELETE for every SA (IPsec first, then ISAKMP) unless delete_sas is false.
  void shutdown(base::TimePoint now, bool send_deletes);
  void set_passive(bool passive);
  // FIFO `p on` / `p off`: start or stop emitting PacketLog outputs.
  void set_packet_log(bool on);
  // RSA_SIG credentials (pki_store.h), built by the daemon from the key/certificate files;
  // replaced on reload (exchanges in flight use the new snapshot). Null: none.
  void set_credentials(std::shared_ptr<const PkiStore> pki);
  // KeyNote policy (isakmpd.policy(5), phase2_keynote.h): every phase 2 is checked against it
  // (responder: each acceptable proposal; initiator: the reply). Null: no policy check (-K,
  // Use-Keynote=no). Replaced on reload.
  void set_policy(std::shared_ptr<const policy::PolicyContext> policy);

  std::optional<base::TimePoint> next_deadline() const;
  std::vector<Output> take_outputs();
  // Hands a vector returned by take_outputs() back once its outputs are handled: the engine
  // clears it and collects the next outputs in it, so a busy caller does not grow a fresh
  // vector for every event (issue #7: 1 % of a handshake).
  void recycle_outputs(std::vector<Output>&& used);

  // `S`: the isakmpd.result per-SA block format (isakmpd-features.md §1.18).
  std::string sa_status_report(base::TimePoint now) const;
  // `r` / SIGUSR1: report lines (sa_report, exchange_report, connection_report, ...).
  std::vector<std::string> report_lines(base::TimePoint now) const;
  // Counters for tests and the report (datagrams dropped for each reason, exchanges, ...).
  struct Stats {
    uint64_t datagrams_in = 0, datagrams_out = 0, dropped = 0, retransmits = 0;
    uint64_t phase1_done = 0, phase2_done = 0, exchanges_failed = 0;
    // Bounded label sets (engine/stats_reasons.cc): exchanges started by exchange type,
    // failed exchanges and dropped datagrams by reason category (JSON status, metrics).
    std::map<std::string, uint64_t> started_by_exchange, failed_by_reason, dropped_by_reason;
    // Floods (half_open.h): half-open responder phase-1 exchanges now (gauge), MM1/AM1 refused
    // by Max-half-open-per-peer, exchanges evicted by Max-half-open; log lines suppressed by
    // the rate limit (the counters above still count every datagram and failure).
    uint64_t half_open = 0, half_open_refused = 0, half_open_evicted = 0, log_suppressed = 0;
  };
  Stats stats() const;
  // Operator status (status.h, docs/STATUS.md): SAs, exchanges, connections, timers.
  struct Status {
    std::vector<StatusPhase1> phase1;
    std::vector<StatusPhase2> phase2;
    std::vector<StatusExchange> exchanges;
    std::vector<StatusConnection> connections;
    std::vector<StatusTimer> timers;
    Stats stats;
    // How many SAs and exchanges there are, in both details (Summary leaves the vectors of
    // SAs, exchanges and timers empty).
    std::size_t phase1_count = 0, phase2_count = 0, exchange_count = 0;
  };
  // Full: everything (JSON status, report). Summary: the counts, the stats and each
  // connection's name, type, up and held, without its IDs (the metrics file every 5 s: a full
  // snapshot of 100 000 connections and SAs cost 0.5 s of CPU each time, issue #7).
  enum class StatusDetail : uint8_t { Full, Summary };
  Status status(base::TimePoint now, StatusDetail detail = StatusDetail::Full) const;
  std::size_t phase1_sa_count() const;
  std::size_t phase2_sa_count() const;
  std::size_t exchange_count() const;
  // RFC 3706: sends R-U-THERE (sequence `seq`) over the ISAKMP SA `cookies`; false if there is
  // no such SA. The ACK is recorded on the SA (report line "sa_report: dpd ack seq N").
  bool send_r_u_there(const base::CookiePair& cookies, uint32_t seq, base::TimePoint now);
  // Why the last dropped datagram was dropped (tests, `r` report). Added by the engine core.
  std::string last_drop_reason() const;

 private:
  std::unique_ptr<EngineImpl> m_impl;
};

}  // namespace ike::engine
