// Two-engine tests of the mode-config Transaction exchange (exchanges/transaction.h,
// draft-dukes-ike-mode-cfg-02 §3.2, isakmpd Flags=ikecfg). Left 10.0.0.1 is the client
// (phase-1 initiator), right 10.0.0.2 the server (phase-1 responder):
//
//   push:  <-- HDR*, HASH(1), ATTR(SET: address, netmask, DNS...)
//              HDR*, HASH(2), ATTR(ACK) -->
//   pull:      HDR*, HASH(1), ATTR(REQUEST: zero-length attributes) -->
//          <-- HDR*, HASH(2), ATTR(REPLY: the configured values)
//
// HASH(n) = prf(SKEYID_a, M-ID | ATTR); each side checks it before acting.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/keymat.h"
#include "support/engine_pair.h"

namespace ike::test {
namespace {

using engine::ModeCfgEvent;
using Attrs = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kServerId =
    "\n[ipv4/10.0.0.1]\nAddress=10.1.0.5\nNetmask=255.255.255.0\n"
    "Nameserver=10.1.0.53,10.1.0.54\nWINS-server=10.1.0.137\nLifetime=3600\n";

struct CfgSetup {
  std::string client_extra;
  std::string server_extra;
  bool client_ikecfg = true;
  bool server_ikecfg = true;
};

EnginePair make_pair(const CfgSetup& s, engine::EngineOptions options = {}) {
  PeerConf l;
  PeerConf r = mirror(l);
  if (s.client_ikecfg) l.extra += "\n[peer-10.0.0.2]\nFlags=ikecfg\n";
  if (s.server_ikecfg) r.extra += "\n[peer-10.0.0.1]\nFlags=ikecfg\n";
  l.extra += s.client_extra;
  r.extra += s.server_extra;
  return EnginePair(l, r, options);
}

const ModeCfgEvent* find_event(const Side& s, ModeCfgEvent::Kind k) {
  for (const auto& e : s.mode_cfg) {
    if (e.kind == k) return &e;
  }
  return nullptr;
}

std::size_t count_transactions(const Side& s) {
  std::size_t n = 0;
  for (const auto& b : s.sent) n += b.size() > 18 && b[18] == 6 ? 1U : 0U;  // header exchange type
  return n;
}

TEST(Transaction, ServerPushesSetClientAcks) {
  EnginePair p = make_pair({"", kServerId});
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established() && !p.right.mode_cfg.empty(); }));
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->name, "peer-10.0.0.2");
  const Attrs want{{"INTERNAL_IP4_ADDRESS", "10.1.0.5"},
                   {"INTERNAL_ADDRESS_EXPIRY", "3600"},
                   {"INTERNAL_IP4_NETMASK", "255.255.255.0"},
                   {"INTERNAL_IP4_DNS", "10.1.0.53"},
                   {"INTERNAL_IP4_DNS", "10.1.0.54"},
                   {"INTERNAL_IP4_NBNS", "10.1.0.137"}};
  EXPECT_EQ(applied->attributes, want);
  const Attrs env{{"ISAKMPD_MODECFG_IP4_ADDRESS", "10.1.0.5"},
                  {"ISAKMPD_MODECFG_ADDRESS_EXPIRY", "3600"},
                  {"ISAKMPD_MODECFG_IP4_NETMASK", "255.255.255.0"},
                  {"ISAKMPD_MODECFG_IP4_DNS", "10.1.0.53 10.1.0.54"},
                  {"ISAKMPD_MODECFG_IP4_NBNS", "10.1.0.137"}};
  EXPECT_EQ(applied->environment, env);
  const auto* served = find_event(p.right, ModeCfgEvent::Kind::Served);
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(served->attributes, want);
  EXPECT_EQ(served->peer.address, p.left.address);
  // Exactly one SET and one ACK, both encrypted; nothing failed.
  EXPECT_EQ(count_transactions(p.right), 1u);
  EXPECT_EQ(count_transactions(p.left), 1u);
  EXPECT_EQ(p.left.count(engine::SaEvent::Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.right.count(engine::SaEvent::Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.left.engine->stats().started_by_exchange.count("TRANSACTION"), 1u);
}

// libreswan 4.10 as mode-config server CBC-encrypts the SET it pushes with the phase-1 IV
// itself, not RFC 2409 App. B's hash(phase-1 IV | M-ID) (interop zc-mode-config-libreswan-
// server, push). The middlebox turns the server's SET into pluto's encoding, and our client's
// ACK back (pluto continues its chain from its own SET's last block): the client must still
// decrypt the SET, verify HASH(1), apply it and ACK, and the server must accept that ACK.
TEST(Transaction, PushEncryptedWithPhase1IvLibreswan) {
  engine::EngineOptions options;
  options.emit_key_material = true;
  EnginePair p = make_pair({"", kServerId}, options);
  const crypto::Provider& cp = EnginePair::provider();
  constexpr std::size_t kBlock = 16;  // AES-128
  base::Bytes p1_last;                // last ciphertext block of the last Main Mode message
  base::Bytes set_orig_last, set_new_last;
  int sets = 0, acks = 0;
  p.middlebox = [&](Delivery& dv) {
    base::Bytes& b = dv.d.bytes;
    if (b.size() < 28 + kBlock || (b[19] & 1) == 0) return true;  // cleartext
    base::Bytes body(b.begin() + 28, b.end());
    if (b[18] == 2) {  // Main Mode: remember the phase-1 IV state
      p1_last.assign(b.end() - kBlock, b.end());
      return true;
    }
    if (b[18] != 6 || p.right.keys.empty()) return true;
    const auto key = base::view(p.right.keys.back().enc_key);
    uint32_t mid_value = 0;
    for (std::size_t i = 20; i < 24; ++i) mid_value = mid_value << 8 | b[i];
    const base::MessageId mid{mid_value};
    base::Bytes from_iv, to_iv;
    if (!dv.left_to_right) {  // SET: hash(p1 | M-ID) -> the phase-1 IV itself
      auto rfc_iv = engine::phase2_iv(cp, crypto::HashAlg::Sha1, base::view(p1_last), mid, kBlock);
      EXPECT_TRUE(rfc_iv);
      from_iv = *rfc_iv;
      to_iv = p1_last;
      set_orig_last.assign(b.end() - kBlock, b.end());
    } else {  // ACK: continues from the rewritten SET; the server expects its own SET's block
      from_iv = set_new_last;
      to_iv = set_orig_last;
    }
    auto plain = cp.cbc_decrypt(crypto::CipherAlg::Aes, key, base::view(from_iv), base::view(body));
    EXPECT_TRUE(plain);
    auto again = cp.cbc_encrypt(crypto::CipherAlg::Aes, key, base::view(to_iv), base::view(*plain));
    EXPECT_TRUE(again);
    std::copy(again->begin(), again->end(), b.begin() + 28);
    if (!dv.left_to_right) {
      set_new_last.assign(b.end() - kBlock, b.end());
      ++sets;
    } else {
      ++acks;
    }
    return true;
  };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established() && !p.right.mode_cfg.empty(); }));
  EXPECT_EQ(sets, 1);
  EXPECT_EQ(acks, 1);
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->attributes.front(),
            (std::pair<std::string, std::string>{"INTERNAL_IP4_ADDRESS", "10.1.0.5"}));
  ASSERT_NE(find_event(p.right, ModeCfgEvent::Kind::Served), nullptr);
  EXPECT_EQ(p.left.count(engine::SaEvent::Kind::ExchangeFailed), 0u);
  EXPECT_EQ(p.right.count(engine::SaEvent::Kind::ExchangeFailed), 0u);
}

// A Transaction the peer starts that decrypts to garbage under both IVs is still dropped
// (the fallback adds no way around HASH(1)): the SET's body is corrupted in its first block.
TEST(Transaction, PushGarbageUnderBothIvsDropped) {
  EnginePair p = make_pair({"", kServerId});
  p.middlebox = [&](Delivery& dv) {
    base::Bytes& b = dv.d.bytes;
    if (b.size() > 28 + 16 && b[18] == 6 && !dv.left_to_right) b[28 + 3] ^= 0x5a;
    return true;
  };
  p.start();
  p.run_for(base::Seconds{20});
  EXPECT_EQ(find_event(p.left, ModeCfgEvent::Kind::Applied), nullptr);
  EXPECT_EQ(count_transactions(p.left), 0u);  // no ACK for a message we could not verify
}

TEST(Transaction, ClientPullsRequestServerReplies) {
  EnginePair p = make_pair({"\n[ipv4/10.0.0.2]\nMode=PULL\n"
                            "Attributes=INTERNAL_IP4_ADDRESS,INTERNAL_IP4_NETMASK,"
                            "INTERNAL_IP4_DNS\n",
                            std::string(kServerId) + "Mode=PULL\n"});
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established() && !p.left.mode_cfg.empty(); }));
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->attributes, (Attrs{{"INTERNAL_IP4_ADDRESS", "10.1.0.5"},
                                        {"INTERNAL_IP4_NETMASK", "255.255.255.0"},
                                        {"INTERNAL_IP4_DNS", "10.1.0.53"},
                                        {"INTERNAL_IP4_DNS", "10.1.0.54"}}));
  const auto* served = find_event(p.right, ModeCfgEvent::Kind::Served);
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(served->attributes, applied->attributes);
  // The server did not also push (its ID section says PULL).
  EXPECT_EQ(find_event(p.right, ModeCfgEvent::Kind::Applied), nullptr);
  EXPECT_EQ(count_transactions(p.left), 1u);
  EXPECT_EQ(count_transactions(p.right), 1u);
}

bool is_type(const Delivery& dv, uint8_t exchange_type) {
  return dv.d.bytes.size() > 18 && dv.d.bytes[18] == exchange_type;
}

// The pull holds phase 2 until the REPLY (transaction.h): with the server's first REPLY lost,
// the client retransmits its REQUEST and sends no QM1 (not even for a `c` of the connection)
// until the retransmitted REQUEST is answered.
//
//   HDR*, HASH(1), ATTR(REQUEST) -->
//                                <-- HDR*, HASH(2), ATTR(REPLY)   (lost)
//   HDR*, HASH(1), ATTR(REQUEST) -->                              (retransmission)
//                                <-- HDR*, HASH(2), ATTR(REPLY)   (from the server's cache)
//   HDR*, HASH(1), SA, Ni, IDci, IDcr -->                          (QM1, only now)
TEST(Transaction, PullHoldsQuickModeUntilReply) {
  EnginePair p =
      make_pair({"\n[ipv4/10.0.0.2]\nMode=PULL\n", std::string(kServerId) + "Mode=PULL\n"});
  bool reply_dropped = false;
  std::size_t qm1_before_reply = 0;
  std::size_t qm1_sent = 0;
  p.middlebox = [&](Delivery& dv) {
    if (!dv.left_to_right && is_type(dv, 6) && !reply_dropped) {
      reply_dropped = true;
      return false;
    }
    if (dv.left_to_right && is_type(dv, 32)) {
      ++qm1_sent;
      if (find_event(p.left, ModeCfgEvent::Kind::Applied) == nullptr) ++qm1_before_reply;
    }
    return true;
  };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return reply_dropped; }));
  p.ui(p.left, engine::UiConnect{"conn"});  // held as well, not started beside the pull
  EXPECT_EQ(qm1_sent, 0u);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_NE(find_event(p.left, ModeCfgEvent::Kind::Applied), nullptr);
  EXPECT_EQ(qm1_before_reply, 0u);
  EXPECT_GE(qm1_sent, 1u);
  EXPECT_EQ(count_transactions(p.left), 2u);  // REQUEST + its retransmission
  EXPECT_EQ(p.left.count(engine::SaEvent::Kind::ExchangeFailed), 0u);
}

TEST(Transaction, PullWithDaemonOptions) {
  // The daemon's options (key log, packet log, verbose) and only INTERNAL_IP4_ADDRESS asked
  // for, as strongSwan's `vips = 0.0.0.0` client does ("CPRQ(ADDR)").
  engine::EngineOptions o;
  o.emit_key_material = true;
  o.verbose = true;
  o.packet_log = true;
  EnginePair p = make_pair({"\n[ipv4/10.0.0.2]\nMode=PULL\nAttributes=INTERNAL_IP4_ADDRESS\n",
                            std::string(kServerId) + "Mode=PULL\n"},
                           o);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established() && !p.left.mode_cfg.empty(); }));
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->attributes, (Attrs{{"INTERNAL_IP4_ADDRESS", "10.1.0.5"}}));
}

TEST(Transaction, PullEveryAttribute) {
  EnginePair p = make_pair(
      {"\n[ipv4/10.0.0.2]\nMode=PULL\nAttributes=INTERNAL_IP4_ADDRESS,INTERNAL_IP4_NETMASK,"
       "INTERNAL_IP4_DNS,INTERNAL_IP4_NBNS,INTERNAL_ADDRESS_EXPIRY,INTERNAL_IP4_DHCP,"
       "APPLICATION_VERSION,INTERNAL_IP6_ADDRESS,INTERNAL_IP6_NETMASK,INTERNAL_IP6_DNS,"
       "INTERNAL_IP6_NBNS,INTERNAL_IP6_DHCP,INTERNAL_IP4_SUBNET,SUPPORTED_ATTRIBUTES,"
       "INTERNAL_IP6_SUBNET\n",
       "\n[ipv4/10.0.0.1]\nMode=PULL\nAddress=10.1.0.5\nNetmask=255.255.0.0\n"
       "Nameserver=10.1.0.53,fd00::53\nWINS-server=10.1.0.137,fd00::137\n"
       "DHCP-server=10.1.0.67,fd00::67\nSubnet=10.2.0.0/16,fd01::/48\n"});
  p.start();
  ASSERT_TRUE(p.run_until([&] { return !p.left.mode_cfg.empty(); }));
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  const Attrs want{
      {"INTERNAL_IP4_ADDRESS", "10.1.0.5"},
      {"INTERNAL_IP4_NETMASK", "255.255.0.0"},
      {"INTERNAL_IP4_DNS", "10.1.0.53"},
      {"INTERNAL_IP4_NBNS", "10.1.0.137"},
      {"INTERNAL_ADDRESS_EXPIRY", "1200"},
      {"INTERNAL_IP4_DHCP", "10.1.0.67"},
      {"APPLICATION_VERSION", "isakmpd for Linux"},
      {"INTERNAL_IP6_DNS", "fd00::53"},
      {"INTERNAL_IP6_NBNS", "fd00::137"},
      {"INTERNAL_IP6_DHCP", "fd00::67"},
      {"INTERNAL_IP4_SUBNET", "10.2.0.0/16"},
      {"SUPPORTED_ATTRIBUTES",
       "INTERNAL_IP4_ADDRESS,INTERNAL_IP4_NETMASK,INTERNAL_IP4_DNS,INTERNAL_IP4_NBNS,"
       "INTERNAL_ADDRESS_EXPIRY,INTERNAL_IP4_DHCP,APPLICATION_VERSION,INTERNAL_IP6_ADDRESS,"
       "INTERNAL_IP6_NETMASK,INTERNAL_IP6_DNS,INTERNAL_IP6_NBNS,INTERNAL_IP6_DHCP,"
       "INTERNAL_IP4_SUBNET,SUPPORTED_ATTRIBUTES,INTERNAL_IP6_SUBNET"},
      {"INTERNAL_IP6_SUBNET", "fd01::/48"}};
  EXPECT_EQ(applied->attributes, want);
}

TEST(Transaction, PushIpv6AddressWithPrefix) {
  EnginePair p = make_pair({"", "\n[ipv4/10.0.0.1]\nAddress=fd00::5\nPrefix=64\n"
                                "Netmask=ffff:ffff:ffff:ffff::\nNameserver=fd00::53\n"});
  p.start();
  ASSERT_TRUE(p.run_until([&] { return !p.right.mode_cfg.empty(); }));
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->attributes, (Attrs{{"INTERNAL_IP6_ADDRESS", "fd00::5/64"},
                                        {"INTERNAL_ADDRESS_EXPIRY", "1200"},
                                        {"INTERNAL_IP6_NETMASK", "ffff:ffff:ffff:ffff::"},
                                        {"INTERNAL_IP6_DNS", "fd00::53"}}));
  EXPECT_EQ(applied->environment.at(0),
            (std::pair<std::string, std::string>{"ISAKMPD_MODECFG_IP6_ADDRESS", "fd00::5/64"}));
}

TEST(Transaction, UnknownRequestedAttributeIgnored) {
  EnginePair p = make_pair({"\n[ipv4/10.0.0.2]\nMode=PULL\n"
                            "Attributes=16000,INTERNAL_IP4_ADDRESS,XAUTH_TYPE\n",
                            std::string(kServerId) + "Mode=PULL\n"});
  p.start();
  ASSERT_TRUE(p.run_until([&] { return !p.left.mode_cfg.empty(); }));
  const auto* applied = find_event(p.left, ModeCfgEvent::Kind::Applied);
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->attributes, (Attrs{{"INTERNAL_IP4_ADDRESS", "10.1.0.5"}}));
  EXPECT_EQ(p.right.count(engine::SaEvent::Kind::ExchangeFailed), 0u);
}

TEST(Transaction, RequestRefusedWithoutIkecfgOnServer) {
  CfgSetup s{"\n[ipv4/10.0.0.2]\nMode=PULL\n", kServerId};
  s.server_ikecfg = false;
  EnginePair p = make_pair(s);
  // QM1 waits for the REQUEST exchange to fail (transaction.h), then runs with the configured
  // IDs.
  std::size_t qm1_before_failure = 0;
  p.middlebox = [&](Delivery& dv) {
    if (dv.left_to_right && is_type(dv, 32) &&
        p.left.count(engine::SaEvent::Kind::ExchangeFailed) == 0) {
      ++qm1_before_failure;
    }
    return true;
  };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.left.count(engine::SaEvent::Kind::ExchangeFailed) > 0; },
                          base::Seconds{300}));
  EXPECT_TRUE(p.left.mode_cfg.empty());
  EXPECT_TRUE(p.right.mode_cfg.empty());
  EXPECT_NE(p.right.engine->last_drop_reason().find("Flags=ikecfg not set on [peer-10.0.0.1]"),
            std::string::npos)
      << p.right.engine->last_drop_reason();
  // Phase 2 follows the failed configuration exchange.
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  EXPECT_EQ(qm1_before_failure, 0u);
}

TEST(Transaction, NoIkecfgNoTransaction) {
  CfgSetup s{"", kServerId};
  s.client_ikecfg = false;
  s.server_ikecfg = false;
  EnginePair p = make_pair(s);
  p.start();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  p.run_for(base::Seconds{30});
  EXPECT_EQ(count_transactions(p.left) + count_transactions(p.right), 0u);
  EXPECT_TRUE(p.left.mode_cfg.empty());
}

TEST(Transaction, LostAckAnsweredFromCacheOnRetransmit) {
  EnginePair p = make_pair({"", kServerId});
  // Drop the client's first ACK: the server retransmits the SET, the client resends its ACK
  // from the lingering exchange (no second Applied event).
  bool dropped = false;
  p.middlebox = [&](Delivery& dv) {
    if (!dropped && dv.left_to_right && dv.d.bytes.size() > 18 && dv.d.bytes[18] == 6) {
      dropped = true;
      return false;
    }
    return true;
  };
  p.start();
  ASSERT_TRUE(p.run_until([&] { return !p.right.mode_cfg.empty(); }));
  EXPECT_TRUE(dropped);
  EXPECT_EQ(p.left.mode_cfg.size(), 1u);
  EXPECT_EQ(p.right.mode_cfg.size(), 1u);
  EXPECT_EQ(count_transactions(p.right), 2u);  // SET + its retransmission
  EXPECT_EQ(count_transactions(p.left), 2u);   // ACK + the cached ACK
}

}  // namespace
}  // namespace ike::test
