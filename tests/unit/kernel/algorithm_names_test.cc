// ipsecctl algorithm spellings used by the backend dumps.
#include "kernel/algorithm_names.h"

#include <gtest/gtest.h>

namespace ike::kernel {
namespace {

TEST(AlgorithmNames, Encryption) {
  EXPECT_EQ(ipsecctl_enc_name(12, 128), "aes-128");
  EXPECT_EQ(ipsecctl_enc_name(12, 256), "aes-256");
  EXPECT_EQ(ipsecctl_enc_name(12, 0), "aes");
  EXPECT_EQ(ipsecctl_enc_name(3, 192), "3des");
  EXPECT_EQ(ipsecctl_enc_name(13, 128), "aes-128-ctr");
  EXPECT_EQ(ipsecctl_enc_name(20, 256), "aes-256-gcm");
  EXPECT_EQ(ipsecctl_enc_name(11, 0), "null");
  EXPECT_EQ(ipsecctl_enc_name(999, 0), "unknown-999");
}

TEST(AlgorithmNames, Authentication) {
  EXPECT_EQ(ipsecctl_auth_name(0), "none");
  EXPECT_EQ(ipsecctl_auth_name(1), "hmac-md5");
  EXPECT_EQ(ipsecctl_auth_name(2), "hmac-sha1");
  EXPECT_EQ(ipsecctl_auth_name(5), "hmac-sha2-256");
  EXPECT_EQ(ipsecctl_auth_name(7), "hmac-sha2-512");
  EXPECT_EQ(ipsecctl_auth_name(8), "hmac-ripemd160");
  EXPECT_EQ(ipsecctl_auth_name(4), "unknown-4");
}

}  // namespace
}  // namespace ike::kernel
