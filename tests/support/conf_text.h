// Test helpers: a ConfDb loaded from isakmpd.conf text through the real loader (defaults +
// parser), failing the test with the loader's detail when the text is rejected, and a terse
// IP address literal.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "base/address.h"
#include "conf/config_file.h"
#include "conf/conf_db.h"

namespace ike::test {

inline conf::ConfDb load_conf_text(std::string_view text) {
  conf::ConfDb db;
  auto r = conf::load_config_text(text, "test.conf", db);
  EXPECT_TRUE(r) << (r ? "" : r.error().detail);
  return db;
}

inline base::IpAddress ip(std::string_view s) { return *base::IpAddress::parse(s); }

}  // namespace ike::test
