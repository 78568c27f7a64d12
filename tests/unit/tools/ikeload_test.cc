// ikeload (tools/ikeload): option parsing and source expansion, the initiator configuration,
// the shared-DH provider, percentiles, failure labels, /proc CPU accounting and the JSON report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "conf/conf_db.h"
#include "crypto/openssl_provider.h"
#include "crypto/openssl_random.h"
#include "initiator_conf.h"
#include "options.h"
#include "report.h"
#include "reused_dh.h"

namespace ike::ikeload {
namespace {

base::Result<Options> parse(std::vector<std::string> args) { return parse_options(args); }

std::string ip(const base::IpAddress& a) { return a.to_string(); }

TEST(IkeloadOptions, MinimalClosedLoopDefaults) {
  auto o = parse({"--target", "10.99.1.2", "--psk", "k", "--count", "10"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->concurrency, 1U);
  EXPECT_EQ(o->target.port, 500);
  EXPECT_EQ(o->group, 14);
  ASSERT_EQ(o->sources.size(), 1U);
  EXPECT_EQ(ip(o->sources[0]), "0.0.0.0");
  EXPECT_EQ(slot_count(*o), 1U);
  EXPECT_FALSE(o->busy_poll);
  EXPECT_FALSE(o->keep_sas);
  EXPECT_FALSE(o->dh_private_one);
}

TEST(IkeloadOptions, FlagsWithoutValues) {
  auto o = parse({"--target", "10.99.1.2", "--psk", "k", "--count", "1", "--busy-poll",
                  "--keep-sas", "--pfs", "--dh-private-one"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_TRUE(o->busy_poll);
  EXPECT_TRUE(o->keep_sas);
  EXPECT_TRUE(o->pfs);
  EXPECT_TRUE(o->dh_private_one);
  EXPECT_NE(help_text().find("[--busy-poll]"), std::string::npos);
  EXPECT_NE(help_text().find("[--dh-private-one]"), std::string::npos);
}

TEST(IkeloadOptions, ErrorsNameTheOption) {
  auto no_target = parse({"--psk", "k", "--count", "1"});
  ASSERT_FALSE(no_target);
  EXPECT_NE(no_target.error().detail.find("--target"), std::string::npos);
  auto no_psk = parse({"--target", "10.0.0.1", "--count", "1"});
  ASSERT_FALSE(no_psk);
  EXPECT_NE(no_psk.error().detail.find("--psk"), std::string::npos);
  auto both = parse({"--target", "10.0.0.1", "--psk", "k", "--count", "1", "--rate", "5",
                     "--concurrency", "2"});
  ASSERT_FALSE(both);
  auto group = parse({"--target", "10.0.0.1", "--psk", "k", "--count", "1", "--group", "99"});
  ASSERT_FALSE(group);
  EXPECT_NE(group.error().detail.find("--group '99'"), std::string::npos);
  auto rsa = parse({"--target", "10.0.0.1", "--auth", "rsa", "--count", "1"});
  ASSERT_FALSE(rsa);
  EXPECT_NE(rsa.error().detail.find("--key"), std::string::npos);
  auto unknown = parse({"--target", "10.0.0.1", "--bogus", "1"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().detail.find("--bogus"), std::string::npos);
}

TEST(IkeloadOptions, ConcurrencyNeedsEnoughSockets) {
  auto o = parse({"--target", "10.99.1.2", "--psk", "k", "--count", "10", "--source",
                  "10.9.0.1-10.9.0.4", "--concurrency", "9", "--ports", "500-501"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().detail.find("8 (address, port) sockets"), std::string::npos)
      << o.error().detail;
  auto ok = parse({"--target", "10.99.1.2", "--psk", "k", "--count", "10", "--source",
                   "10.9.0.1-10.9.0.4", "--concurrency", "8", "--ports", "500-501",
                   "--responder-pid", "12,34", "--pfs", "--group", "19", "--json"});
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(slot_count(*ok), 8U);
  EXPECT_EQ(ok->responder_pids, (std::vector<int>{12, 34}));
  EXPECT_TRUE(ok->pfs);
  EXPECT_TRUE(ok->json);
  EXPECT_EQ(ok->port_last, 501);
}

TEST(IkeloadOptions, OpenLoopSlotsFromRateAndTimeout) {
  auto o = parse({"--target", "10.99.1.2", "--psk", "k", "--duration", "2", "--rate", "100",
                  "--timeout", "2", "--source", "10.9.0.0/16"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->concurrency, 0U);
  EXPECT_EQ(slot_count(*o), 216U);  // 100/s x 2 s + 16
}

TEST(IkeloadSources, PrefixesRangesAndCap) {
  auto a = expand_sources("10.9.0.0/30", 100);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2U);  // network and broadcast skipped
  EXPECT_EQ(ip((*a)[0]), "10.9.0.1");
  EXPECT_EQ(ip((*a)[1]), "10.9.0.2");
  auto b = expand_sources("10.9.0.250-10.9.1.2,192.0.2.7/32", 100);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 10U);
  EXPECT_EQ(ip((*b)[5]), "10.9.0.255");
  EXPECT_EQ(ip((*b)[8]), "10.9.1.2");
  EXPECT_EQ(ip((*b)[9]), "192.0.2.7");
  auto capped = expand_sources("10.0.0.0/8", 1000);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->size(), 1000U);
  EXPECT_FALSE(expand_sources("10.9.0.9-10.9.0.1", 10));
  EXPECT_FALSE(expand_sources("10.9.0.1,,10.9.0.2", 10));
  EXPECT_FALSE(expand_sources("fd00::/64", 10));
  EXPECT_FALSE(expand_sources("10.9.0.0/33", 10));
}

TEST(IkeloadConf, TransformSuiteAndIdsFromOptions) {
  auto o = parse({"--target", "10.99.1.2", "--psk", "sekrit", "--count", "1", "--group", "19",
                  "--pfs", "--remote-net", "10.99.20.0/24", "--cipher", "AES-256", "--hash",
                  "SHA2-256"});
  ASSERT_TRUE(o) << o.error().detail;
  auto db = initiator_conf(*o, *base::IpAddress::parse("10.9.0.7"));
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ((*db)->get("p1-mm", "Transforms"), "AES-256-SHA2-256-GRP19");
  EXPECT_EQ((*db)->get("p2-qm", "Suites"), "QM-ESP-AES-256-SHA2-256-PFS-GRP19-SUITE");
  EXPECT_EQ((*db)->get("peer-target", "Local-address"), "10.9.0.7");
  EXPECT_EQ((*db)->get("peer-target", "Authentication"), "sekrit");
  EXPECT_EQ((*db)->get("id-local", "Address"), "10.9.0.7");
  EXPECT_EQ((*db)->get("id-remote", "Network"), "10.99.20.0");
  EXPECT_EQ((*db)->get("id-remote", "Netmask"), "255.255.255.0");
  EXPECT_EQ((*db)->get("Phase 2", "Connections"), kConnectionName);
  // The auto-generated transform the name refers to exists (built-in defaults loaded).
  EXPECT_TRUE((*db)->get("AES-256-SHA2-256-GRP19", "GROUP_DESCRIPTION").has_value());
}

TEST(IkeloadConf, RsaAndFqdnId) {
  auto o = parse({"--target", "10.99.1.2", "--auth", "rsa", "--cert", "c", "--key", "k",
                  "--count", "1", "--id-fqdn", "load.example.org"});
  ASSERT_TRUE(o) << o.error().detail;
  auto db = initiator_conf(*o, *base::IpAddress::parse("10.9.0.7"));
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ((*db)->get("p1-mm", "Transforms"), "AES-128-SHA-GRP14-RSA_SIG");
  EXPECT_EQ((*db)->get("AES-128-SHA-GRP14-RSA_SIG", "AUTHENTICATION_METHOD"), "RSA_SIG");
  EXPECT_FALSE((*db)->get("peer-target", "Authentication").has_value());
  EXPECT_EQ((*db)->get("p1-id", "Name"), "load.example.org");
  EXPECT_EQ((*db)->get("id-remote", "Address"), "10.99.1.2");
}

TEST(IkeloadConf, UnknownTransformIsASetUpError) {
  auto o = parse({"--target", "10.99.1.2", "--psk", "k", "--count", "1", "--cipher", "AES-100"});
  ASSERT_TRUE(o) << o.error().detail;
  auto db = initiator_conf(*o, *base::IpAddress::parse("10.9.0.7"));
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().detail.find("no such transform section [AES-100-SHA-GRP14]"),
            std::string::npos)
      << db.error().detail;
}

TEST(IkeloadReusedDh, OneKeyPairPerGroupAndCorrectSecrets) {
  crypto::OpenSslProvider inner;
  ReusedDhProvider p(inner);
  crypto::OpenSslRandom rng;
  for (uint16_t group : {uint16_t{14}, uint16_t{19}}) {
    auto a = p.dh_generate(group, rng);
    auto b = p.dh_generate(group, rng);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)->public_value(), (*b)->public_value());
    EXPECT_EQ((*a)->group(), group);
    // A real peer derives the same g^xy with the shared key pair.
    auto peer = inner.dh_generate(group, rng);
    ASSERT_TRUE(peer);
    auto ours = (*b)->shared_secret((*peer)->public_value());
    auto theirs = (*peer)->shared_secret((*a)->public_value());
    ASSERT_TRUE(ours && theirs);
    EXPECT_TRUE(base::view(*ours).size() > 0);
    EXPECT_EQ(crypto::SecureBytes(*ours), crypto::SecureBytes(*theirs));
  }
  EXPECT_EQ(p.generated(), 2U);
  EXPECT_EQ(p.handed_out(), 4U);
}

// --dh-private-one: the shared key pair has the private value 1, so the public value is the
// group's generator and g^xy is the peer's own public value (its x for ECP); the generator
// checks that value as a derivation would, and a real peer computes the same secret.
TEST(IkeloadReusedDh, PrivateOneGivesThePeersSecretWithoutExponentiation) {
  crypto::OpenSslProvider inner;
  ReusedDhProvider p(inner, true);
  crypto::OpenSslRandom rng;
  for (uint16_t group : {uint16_t{14}, uint16_t{19}}) {
    SCOPED_TRACE(group);
    auto a = p.dh_generate(group, rng);
    auto b = p.dh_generate(group, rng);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)->group(), group);
    const base::Bytes& pub = (*a)->public_value();
    EXPECT_EQ(pub, (*b)->public_value());
    auto one = inner.dh_from_private(group, base::Bytes{1});
    ASSERT_TRUE(one);
    EXPECT_EQ(pub, (*one)->public_value());
    if (group == 14) {
      // RFC 3526 §3: g = 2, left-padded to len(p).
      base::Bytes two(256, 0);
      two.back() = 2;
      EXPECT_EQ(pub, two);
    }
    auto peer = inner.dh_generate(group, rng);
    ASSERT_TRUE(peer);
    auto ours = (*a)->shared_secret((*peer)->public_value());
    auto theirs = (*peer)->shared_secret(pub);
    ASSERT_TRUE(ours && theirs);
    EXPECT_EQ(crypto::SecureBytes(*ours), crypto::SecureBytes(*theirs));
    // A peer value a derivation refuses is refused with the same error.
    base::Bytes bad((*peer)->public_value().size(), 0);
    auto refused = (*a)->shared_secret(bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().notify, base::NotifyType::InvalidKeyInformation);
    EXPECT_EQ(refused.error().detail, (*one)->shared_secret(bad).error().detail);
  }
  // Curve25519 clamps the private value (RFC 7748 §5): an ordinary reused key pair instead.
  auto x = p.dh_generate(31, rng);
  auto peer = inner.dh_generate(31, rng);
  ASSERT_TRUE(x && peer);
  auto ours = (*x)->shared_secret((*peer)->public_value());
  auto theirs = (*peer)->shared_secret((*x)->public_value());
  ASSERT_TRUE(ours && theirs);
  EXPECT_EQ(crypto::SecureBytes(*ours), crypto::SecureBytes(*theirs));
  EXPECT_EQ(p.generated(), 3U);
}

TEST(IkeloadReport, PercentilesNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(percentile(v, 50), 50);
  EXPECT_EQ(percentile(v, 99), 99);
  EXPECT_EQ(percentile(v, 100), 100);
  EXPECT_EQ(percentile({7.0}, 99), 7);
  EXPECT_EQ(percentile({}, 50), 0);
}

TEST(IkeloadReport, FailureReasonsAreBounded) {
  EXPECT_EQ(failure_reason("peer 10.99.1.2:500 sent NO_PROPOSAL_CHOSEN"),
            "notify NO_PROPOSAL_CHOSEN");
  EXPECT_EQ(failure_reason("peer [fd00::2]:500 sent INVALID-ID-INFORMATION (x)"),
            "notify INVALID-ID-INFORMATION");
  EXPECT_EQ(failure_reason("HASH_R mismatch: expected 20 bytes"), "failed: HASH_R mismatch");
  EXPECT_EQ(failure_reason(""), "failed: unknown");
  EXPECT_LE(failure_reason(std::string(500, 'x')).size(), 8U + 48U);
}

TEST(IkeloadReport, ProcCpuOfThisProcess) {
  volatile double sink = 0;
  for (int i = 0; i < 20000000; ++i) sink = sink + i * 0.5;
  auto cpu = process_cpu_seconds(getpid());
  ASSERT_TRUE(cpu.has_value());
  EXPECT_GT(*cpu, 0.0);
  EXPECT_FALSE(process_cpu_seconds(0x7ffffff).has_value());
  // Nanosecond run time agrees with utime + stime (clock ticks, adjusted by the kernel to the
  // same run time) within a few ticks.
  auto ticks = process_cpu_seconds_from_stat(getpid());
  auto precise = process_cpu_seconds(getpid());
  ASSERT_TRUE(ticks.has_value());
  EXPECT_NEAR(*precise, *ticks, 0.05);
  EXPECT_FALSE(process_cpu_seconds_from_stat(0x7ffffff).has_value());
  auto pids = with_children({getpid(), getpid()});
  ASSERT_GE(pids.size(), 1U);
  EXPECT_EQ(pids[0], getpid());
  EXPECT_GE(total_cpu_seconds(pids), *cpu);
}

TEST(IkeloadReport, JsonAndTable) {
  Report r;
  r.description = "MM \"PSK\"";
  r.started = 4;
  r.succeeded = 3;
  r.failed = 1;
  r.wall_s = 1.5;
  r.latencies_ms = {3.0, 1.0, 2.0};
  r.failures["timeout"] = 1;
  r.responder_pids = {42};
  r.responder_cpu_s = 0.006;
  r.generator_cpu_s = 0.003;
  r.finish();
  EXPECT_DOUBLE_EQ(r.handshakes_per_s(), 2.0);
  EXPECT_DOUBLE_EQ(*r.responder_cpu_ms_per_handshake(), 2.0);
  std::string j = format_json(r);
  EXPECT_NE(j.find("\"description\":\"MM \\\"PSK\\\"\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"succeeded\":3"), std::string::npos);
  EXPECT_NE(j.find("\"p50\":2.000,\"p99\":3.000,\"max\":3.000"), std::string::npos) << j;
  EXPECT_NE(j.find("\"responder_cpu_ms_per_handshake\":2.0000"), std::string::npos) << j;
  EXPECT_NE(j.find("\"failures\":{\"timeout\":1}"), std::string::npos) << j;
  std::string t = format_table(r);
  EXPECT_NE(t.find("handshakes/s"), std::string::npos);
  EXPECT_NE(t.find("failure timeout"), std::string::npos);
  Report none;
  EXPECT_NE(format_json(none).find("\"responder_cpu_ms_per_handshake\":null"), std::string::npos);
}

}  // namespace
}  // namespace ike::ikeload
