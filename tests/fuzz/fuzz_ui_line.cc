// Fuzz target: FIFO bytes -> LineReader (small line limit so the overlong path is reached,
// the input fed in two chunks split at a data-derived offset) -> parse_ui_line on every line.
// Invariants checked (trap on violation): stored fields never exceed 200 characters, no field
// contains a blank where ui.c's %s would have stopped, lines never exceed the reader's limit,
// and parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/fifo_ui.h"

namespace {

using namespace ike::daemon;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool has_blank(const std::string& s) {
  return s.find_first_of(" \t\n\v\f\r") != std::string::npos;
}

void check_field(const std::string& s, bool token) {
  check(s.size() <= kUiFieldMax);
  check(!s.empty() || !token);
  if (token) check(!has_blank(s));
}

void check_line(const UiLine& l) {
  if (auto* s = std::get_if<UiConfSet>(&l)) {
    check_field(s->section, false);
    check_field(s->tag, false);
    check_field(s->value, true);
  } else if (auto* a = std::get_if<UiConfAdd>(&l)) {
    check_field(a->section, false);
    check_field(a->value, true);
  } else if (auto* r = std::get_if<UiConfRemoveValue>(&l)) {
    check_field(r->value, true);
  } else if (auto* g = std::get_if<UiConfGet>(&l)) {
    check_field(g->section, false);
    check_field(g->tag, true);
  } else if (auto* c = std::get_if<ike::engine::UiConnect>(&l)) {
    check_field(c->name, true);
  } else if (auto* t = std::get_if<ike::engine::UiTeardown>(&l)) {
    check_field(t->name, true);
    check(t->phase == 1 || t->phase == 2);
  } else if (auto* d = std::get_if<UiDebugLevel>(&l)) {
    check(d->cls >= -1 && d->cls <= 10 && d->level >= 0 && d->level <= 99);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kLimit = 512;
  LineReader reader(kLimit);
  std::vector<LineReader::Event> events;
  std::size_t split = size == 0 ? 0 : data[0] % size;
  reader.feed(in.substr(0, split), events);
  reader.feed(in.substr(split), events);
  if (auto last = reader.finish()) events.push_back(std::move(*last));
  for (const auto& ev : events) {
    if (ev.kind == LineReader::Event::Kind::Overlong) {
      check(ev.text.size() <= 64);
      continue;
    }
    check(ev.text.size() <= kLimit);
    check(ev.text.find('\n') == std::string::npos);
    auto first = parse_ui_line(ev.text);
    auto second = parse_ui_line(ev.text);
    check(first.has_value() == second.has_value());
    if (first) {
      check(first->index() == second->index());
      check_line(*first);
    } else {
      check(!first.error().detail.empty());
    }
  }
  // The whole input as one line too (the production limit is 4 KiB).
  if (size <= kUiLineMax) {
    auto whole = parse_ui_line(in);
    if (whole) check_line(*whole);
  }
  return 0;
}
