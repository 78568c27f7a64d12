// libFuzzer target for the isakmpd.conf parser and ConfDb (reliability.md F1 (i), class 20):
// parses arbitrary text, checks the database invariants (sections/tags/size agree, every
// listed tag is readable), parses again keeping only some sections (the monitor's filter),
// exercises every getter, reloads with the built-in defaults, and
// replays FIFO-style edits (`C set/add/rmv/rm/rms`) derived from the input on top of them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "conf/conf_db.h"
#include "conf/conf_parser.h"
#include "conf/config_file.h"

namespace {

using ike::conf::ConfDb;

void require(bool ok) {
  if (!ok) std::abort();  // an invariant broke: make it a crash the fuzzer reports
}

void exercise(const ConfDb& db, std::string_view section, std::string_view tag) {
  auto v = db.get(section, tag);
  require(v.has_value());
  auto list = db.get_list(section, tag);
  for (const auto& e : list) require(!e.empty() && e.find(',') == std::string::npos);
  (void)db.get_num_checked(section, tag);
  (void)db.is_default(section, tag);
  (void)ike::conf::parse_offer_range(*v);
}

// The explicit content only (no defaults): full consistency check.
void check_all(const ConfDb& db) {
  std::size_t entries = 0;
  for (const auto& s : db.sections()) {
    require(db.has_section(s));
    auto tags = db.tags(s);
    require(!tags.empty());
    for (const auto& t : tags) exercise(db, s, t);
    entries += tags.size();
  }
  require(entries == db.size());
  (void)db.dump_non_default();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    ike::base::Logger::instance().set_sink(ike::base::null_sink());
    return true;
  }();
  (void)quiet;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  // 1. Parse + commit without defaults.
  ConfDb db;
  auto parsed = ike::conf::parse_config(text, "fuzz", db);
  if (!parsed) {
    require(db.size() == 0);
    require(parsed.error().detail.rfind("fuzz:", 0) == 0);
    return 0;  // the reload below would fail the same way
  }
  require(db.commit(parsed->tx).has_value());
  check_all(db);

  // 1b. The monitor's parse (SectionFilter): accepted exactly when the full parse is, and it
  // holds the kept sections as the full parse has them, nothing else.
  auto keep = [](std::string_view s) { return !s.empty() && (s.front() & 1) == 0; };
  ConfDb some;
  auto filtered = ike::conf::parse_config(text, "fuzz", some, {}, keep);
  require(filtered.has_value());
  require(filtered->tags == parsed->tags && filtered->sections == parsed->sections);
  require(some.commit(filtered->tx).has_value());
  for (const auto& s : db.sections()) {
    require(some.has_section(s) == keep(s));
    if (keep(s)) require(some.tags(s) == db.tags(s));
  }

  // 2. The reload path: file + defaults, all or nothing.
  ConfDb live;
  auto loaded = ike::conf::load_config_text(text, "fuzz", live);
  if (!loaded) {
    require(live.size() == 0);
    return 0;
  }
  require(live.has_section("Phase 1"));
  std::vector<std::string> sections = db.sections();
  sections.emplace_back("QM-ESP-AES-SHA2-256-PFS-GRP14-XF");
  sections.emplace_back("AES-SHA");
  for (const auto& s : sections) require(live.tags(s).size() >= db.tags(s).size());

  // 3. FIFO-style edits on top of the defaults, driven by the input bytes.
  ike::conf::TxId tx = live.begin();
  std::size_t i = 0;
  for (const auto& s : sections) {
    if (i >= size) break;
    const auto op = static_cast<unsigned>(data[i++] % 5);
    auto tags = live.tags(s);
    std::string tag = tags.empty() ? std::string("Tag") : tags[i % tags.size()];
    std::string value(text.substr(i % (size + 1), 8));
    switch (op) {
      case 0: live.set(tx, s, tag, value, (data[i - 1] & 8) != 0); break;
      case 1: live.add_to_list(tx, s, tag, value); break;
      case 2: live.remove_from_list(tx, s, tag, value); break;
      case 3: live.remove(tx, s, tag); break;
      default: live.remove_section(tx, s); break;
    }
  }
  require(live.commit(tx).has_value());
  for (const auto& s : sections) {
    auto tags = live.tags(s);
    require(tags.empty() != live.has_section(s));
    for (const auto& t : tags) exercise(live, s, t);
  }
  (void)live.dump_non_default();
  return 0;
}
