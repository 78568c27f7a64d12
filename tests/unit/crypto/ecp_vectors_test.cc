// ECP known answers, checked in both directions: from each private value the public KE value
// (x || y, RFC 5903 §7) and, against the other side's public value, the shared secret (the x
// coordinate of g^ir, RFC 5903 §9). RFC 5903 §8 for groups 19-21, RFC 6932 Appendix A for the
// Brainpool groups 27-30, and RFC 7027 Appendix A as a second source for 28-30. (RFC 5114 gives
// no ECDH data for groups 25-26 in IKE form; they are covered by the property tests.)
#include <gtest/gtest.h>

#include "crypto/dh_groups.h"
#include "test_util.h"

namespace ike::crypto {
namespace {

using testing::field;
using testing::load;
using testing::provider;
using testing::hexstr;

int check_file(std::string_view file) {
  test::VecFile vf = load(file);
  int checked = 0;
  for (const test::VecBlock& b : vf.blocks) {
    auto group = static_cast<uint16_t>(b.number("Group").value());
    SCOPED_TRACE(b.where(file) + " " + dh_group_label(group));
    base::Bytes gi = field(b, "GIX");
    base::Bytes giy = field(b, "GIY");
    gi.insert(gi.end(), giy.begin(), giy.end());
    base::Bytes gr = field(b, "GRX");
    base::Bytes gry = field(b, "GRY");
    gr.insert(gr.end(), gry.begin(), gry.end());
    base::Bytes girx = field(b, "GIRX");
    EXPECT_EQ(provider().dh_public_length(group), gi.size());

    auto initiator = provider().dh_from_private(group, field(b, "I"));
    auto responder = provider().dh_from_private(group, field(b, "R"));
    EXPECT_TRUE(initiator.has_value()) << (initiator ? "" : initiator.error().detail);
    EXPECT_TRUE(responder.has_value()) << (responder ? "" : responder.error().detail);
    if (!initiator || !responder) {
      continue;
    }
    EXPECT_EQ((*initiator)->group(), group);
    EXPECT_EQ(hexstr((*initiator)->public_value()), hexstr(gi)) << "g^i";
    EXPECT_EQ(hexstr((*responder)->public_value()), hexstr(gr)) << "g^r";
    auto s_i = (*initiator)->shared_secret(gr);
    auto s_r = (*responder)->shared_secret(gi);
    EXPECT_TRUE(s_i.has_value()) << (s_i ? "" : s_i.error().detail);
    EXPECT_TRUE(s_r.has_value()) << (s_r ? "" : s_r.error().detail);
    if (!s_i || !s_r) {
      continue;
    }
    EXPECT_EQ(hexstr(*s_i), hexstr(girx)) << "g^ir x, initiator side";
    EXPECT_EQ(hexstr(*s_r), hexstr(girx)) << "g^ir x, responder side";
    ++checked;
  }
  return checked;
}

TEST(EcpVectors, Rfc5903Section8Groups19To21) { EXPECT_EQ(check_file("ecp_rfc5903.vec"), 3); }

TEST(EcpVectors, Rfc6932AppendixABrainpoolGroups27To30) {
  EXPECT_EQ(check_file("ecp_brainpool_rfc6932.vec"), 4);
}

TEST(EcpVectors, Rfc7027AppendixABrainpoolGroups28To30) {
  EXPECT_EQ(check_file("ecp_brainpool_rfc7027.vec"), 3);
}

}  // namespace
}  // namespace ike::crypto
