// Logger: isakmpd class/level semantics, class-name parsing, sanitising hostile strings.
#include "base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ike::base {
namespace {

TEST(Logger, LevelSemantics) {
  auto& log = Logger::instance();
  std::vector<std::string> lines;
  log.set_sink([&](const LogRecord& r) { lines.emplace_back(r.text); });
  log.set_all_levels(0);
  IKE_LOG_DEBUG(Exchange, 10, "hidden {}", 1);
  log.set_level(LogClass::Exchange, 20);
  IKE_LOG_DEBUG(Exchange, 10, "shown {}", 2);
  IKE_LOG_DEBUG(Exchange, 30, "hidden {}", 3);
  log.toggle();
  IKE_LOG_DEBUG(Exchange, 10, "hidden {}", 4);
  log.toggle();
  IKE_LOG_DEBUG(Exchange, 10, "shown {}", 5);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "shown 2");
  EXPECT_EQ(lines[1], "shown 5");
  log.set_all_levels(0);
  log.set_sink(stderr_sink());
}

TEST(Logger, ClassNames) {
  EXPECT_EQ(parse_log_class("A"), -1);
  EXPECT_EQ(parse_log_class("7"), 7);
  EXPECT_EQ(parse_log_class("10"), 10);
  EXPECT_EQ(parse_log_class("11"), std::nullopt);
  EXPECT_EQ(parse_log_class("Exch"), 7);
  EXPECT_EQ(parse_log_class("sa"), 6);
  EXPECT_EQ(log_class_tag(LogClass::Ui), "UI  ");
}

TEST(Logger, Sanitize) {
  EXPECT_EQ(sanitize_for_log("a\nb%s"), "a\\x0ab%s");
  EXPECT_EQ(sanitize_for_log(std::string(10, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace ike::base
