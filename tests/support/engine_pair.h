// Test support: two engines wired back to back (design §4.5 "two-engine exchange tests",
// strongSwan exchange_test_helper): left 10.0.0.1 and right 10.0.0.2, each with its own ConfDb
// (isakmpd.conf text through the conf parser + built-in defaults), deterministic random stream
// and recording kernel that answers every request immediately; one LossyLink between them and a
// shared FakeClock that jumps to the next engine deadline when nothing is in flight.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/address.h"
#include "conf/conf_db.h"
#include "crypto/provider.h"
#include "engine/engine.h"
#include "support/fake_clock.h"
#include "support/lossy_link.h"
#include "support/recording_kernel.h"
#include "support/scripted_random.h"

namespace ike::test {

// Parameters of the standard test configuration (one peer, one connection "conn").
struct PeerConf {
  std::string local = "10.0.0.1";
  std::string peer = "10.0.0.2";
  std::string psk = "s3cr3t-psk";                // empty: no Authentication tag
  std::string p1_transforms = "AES-128-SHA";       // [p1-conf]:Transforms
  std::string p2_suites = "QM-ESP-AES-SHA-SUITE";  // [p2-conf]:Suites
  std::string local_net = "192.168.1.0";           // empty: no Local-ID/Remote-ID
  std::string remote_net = "192.168.2.0";
  bool active = true;  // [Phase 2]:Connections (else Passive-connections)
  std::string p1_exchange = "ID_PROT";             // [p1-conf]:EXCHANGE_TYPE
  std::string net_type = "IPV4_ADDR_SUBNET";       // ID-type of net-local / net-remote
  std::string net_mask = "255.255.255.0";
  std::string extra;   // appended verbatim
};
std::string make_conf(const PeerConf& p);

// The mirror image of `left` for the right side (addresses and networks swapped, passive).
PeerConf mirror(PeerConf left);

struct Side {
  std::string label;
  base::IpAddress address;
  conf::ConfDb conf;
  ScriptedRandom rng;
  RecordingKernel kernel;
  std::unique_ptr<engine::Engine> engine;
  std::vector<engine::SaEvent> events;
  std::vector<engine::KeyMaterial> keys;
  std::vector<engine::ModeCfgEvent> mode_cfg;  // completed mode-config Transactions
  std::vector<engine::XauthVerify> xauth_requests;  // XAUTH server: credentials to check
  std::vector<engine::XauthEvent> xauth;            // XAUTH outcomes
  // Answers each XauthVerify at once (nullopt: leaves it unanswered); unset: none answered.
  std::function<std::optional<bool>(const engine::XauthVerify&)> xauth_verifier;
  std::vector<base::Bytes> sent;  // every datagram this side sent
  bool auto_kernel = true;        // answer kernel requests at once

  Side(std::string l, std::string_view addr, uint64_t seed, uint32_t spi_base);
  std::size_t count(engine::SaEvent::Kind k) const;
  const engine::SaEvent* last(engine::SaEvent::Kind k) const;
};

class EnginePair {
 public:
  EnginePair(const PeerConf& left, const PeerConf& right, engine::EngineOptions options = {});
  // Default: left initiates "conn" to right, AES-128/SHA, ESP AES/SHA tunnel between subnets.
  EnginePair() : EnginePair(PeerConf{}, mirror(PeerConf{})) {}

  static const crypto::Provider& provider();

  Side left{"left", "10.0.0.1", 11, 0x11110000};
  Side right{"right", "10.0.0.2", 22, 0x22220000};
  LossyLink link;
  FakeClock clock;
  // Applied to every datagram after the link (e.g. SimulatedNat::translate); false drops it.
  std::function<bool(Delivery&)> middlebox;

  void start();  // start() both engines (left first) and pump
  // Delivers datagrams and kernel replies until nothing is in flight.
  void pump();
  // Jumps to the earliest engine deadline if within `limit` of now, ticks both, pumps.
  bool step_time(base::Duration limit);
  // Pumps and steps time until `pred` holds or `limit` elapsed; returns pred().
  bool run_until(const std::function<bool()>& pred, base::Duration limit = base::Seconds{300});
  // Steps time until `d` has elapsed (processing every deadline on the way).
  void run_for(base::Duration d);
  bool established() const;  // both sides have phase-1 and phase-2 SAs

  void ui(Side& s, const engine::UiCommand& cmd);

 private:
  bool drain(Side& s, std::vector<Delivery>& inflight);
  void deliver(const Delivery& dv);
};

// Left's connection "conn" is passive (not started at start()): only an ACQUIRE or `c` starts it.
EnginePair passive_pair();
// A kernel ACQUIRE from src/src_prefix to dst/24 between the pair's addresses (10.0.0.1 ->
// 10.0.0.2), as the XFRM or PF_KEY backend reports it.
base::KernelEvent acquire_event(const char* src, uint8_t src_prefix, const char* dst);

}  // namespace ike::test
