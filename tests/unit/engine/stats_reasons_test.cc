// Reason categories of the engine counters (src/engine/stats_reasons.cc, docs/STATUS.md):
// the phrases the engine uses map to the fixed label set.
#include <gtest/gtest.h>

#include "engine/engine_impl.h"

namespace ike::engine {
namespace {

// Found by tests/interop/hostile: a Main Mode refused for its proposal (every weak-crypto MM1 of
// class 21) counted as failed_by_reason "other" instead of "no_proposal".
TEST(StatsReasons, RefusedPhase1ProposalIsNoProposal) {
  EXPECT_EQ(failure_reason_category(
                "no acceptable phase-1 transform for [peer-any] ([any-main-mode]): peer transform "
                "#1 DES_CBC/MD5/MODP_768/PRE_SHARED life 3600s: not offered; local transforms: "
                "AES-128-SHA-GRP14 AES_CBC-128/SHA/MODP_2048/PRE_SHARED"),
            "no_proposal");
  EXPECT_EQ(failure_reason_category("phase-1 proposal protocol IPSEC_ESP is not PROTO_ISAKMP"),
            "no_proposal");
  EXPECT_EQ(failure_reason_category("exchange timed out after 5 s (Exchange-max-time)"), "timeout");
  EXPECT_EQ(failure_reason_category("authentication failed for peer 192.0.2.9: HASH_I mismatch"),
            "authentication");
  EXPECT_EQ(failure_reason_category("peer phase-1 ID fqdn/x does not match [id]"), "invalid_id");
  EXPECT_EQ(failure_reason_category("MM3 from 192.0.2.9:500: MODP_2048 peer public value is 1"),
            "other");
  EXPECT_EQ(drop_reason_category("duplicate of the last message"), "duplicate");
  EXPECT_EQ(drop_reason_category("Main Mode: no acceptable proposal"), "no_proposal");
}

}  // namespace
}  // namespace ike::engine
