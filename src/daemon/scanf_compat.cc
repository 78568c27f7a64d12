// sscanf subset (see scanf_compat.h). The C standard (C11 §7.21.6.2) rules implemented here:
// white-space directive = skip any white space; %s = skip white space then read a maximal run
// of non-white-space up to the width; %[ = no skipping, read a maximal non-empty run of set
// members up to the width; %d = skip white space, optional sign, at least one digit.
#include "daemon/scanf_compat.h"

#include <cassert>
#include <climits>
#include <cstddef>

namespace ike::daemon {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

struct Cursor {
  std::string_view in;
  std::size_t pos = 0;
  bool at_end() const { return pos >= in.size(); }
  char peek() const { return in[pos]; }
  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos;
  }
};

struct CharSet {
  bool negated = false;
  std::string_view members;
  bool contains(char c) const {
    bool in = members.find(c) != std::string_view::npos;
    return negated ? !in : in;
  }
};

}  // namespace

ScanResult scan(std::string_view input, std::string_view format,
                std::initializer_list<ScanTarget> targets) {
  ScanResult r;
  Cursor cur{input};
  const ScanTarget* next_target = targets.begin();
  std::size_t f = 0;
  while (f < format.size()) {
    char fc = format[f];
    if (is_space(fc)) {
      while (f < format.size() && is_space(format[f])) ++f;
      cur.skip_space();
      continue;
    }
    if (fc != '%') {
      if (cur.at_end() || cur.peek() != fc) return r;
      ++cur.pos;
      ++f;
      continue;
    }
    ++f;  // past '%'
    bool suppress = false;
    if (f < format.size() && format[f] == '*') {
      suppress = true;
      ++f;
    }
    std::size_t width = 0;
    while (f < format.size() && format[f] >= '0' && format[f] <= '9') {
      width = width * 10 + static_cast<std::size_t>(format[f] - '0');
      ++f;
    }
    assert(f < format.size());
    char conv = format[f++];
    if (conv == 'd') {
      cur.skip_space();
      bool neg = false;
      if (!cur.at_end() && (cur.peek() == '+' || cur.peek() == '-')) {
        neg = cur.peek() == '-';
        ++cur.pos;
      }
      long long v = 0;
      bool any = false;
      while (!cur.at_end() && cur.peek() >= '0' && cur.peek() <= '9') {
        if (v <= static_cast<long long>(INT_MAX) + 1) v = v * 10 + (cur.peek() - '0');
        any = true;
        ++cur.pos;
      }
      if (!any) return r;
      if (neg) v = -v;
      if (v > INT_MAX || v < INT_MIN) {
        r.range_error = true;
        v = neg ? INT_MIN : INT_MAX;
      }
      if (!suppress) {
        assert(next_target != targets.end() && std::holds_alternative<int*>(*next_target));
        *std::get<int*>(*next_target++) = static_cast<int>(v);
        ++r.assigned;
      }
      continue;
    }
    CharSet set;
    bool is_string = conv == 's';
    if (conv == '[') {
      if (f < format.size() && format[f] == '^') {
        set.negated = true;
        ++f;
      }
      std::size_t start = f;
      if (f < format.size() && format[f] == ']') ++f;  // ']' first is a member
      while (f < format.size() && format[f] != ']') ++f;
      assert(f < format.size());
      set.members = format.substr(start, f - start);
      ++f;  // past ']'
    } else {
      assert(is_string);
      cur.skip_space();
    }
    auto accepts = [&](char c) { return is_string ? !is_space(c) : set.contains(c); };
    std::size_t begin = cur.pos;
    std::size_t limit = width == 0 ? SIZE_MAX : width;
    while (!cur.at_end() && cur.pos - begin < limit && accepts(cur.peek())) ++cur.pos;
    if (cur.pos == begin) return r;  // input or matching failure
    bool cut = width != 0 && cur.pos - begin == width && !cur.at_end() && accepts(cur.peek());
    if (!suppress) {
      assert(next_target != targets.end() && std::holds_alternative<std::string*>(*next_target));
      if (cut && r.truncated_field < 0) r.truncated_field = r.assigned;
      *std::get<std::string*>(*next_target++) = std::string(input.substr(begin, cur.pos - begin));
      ++r.assigned;
    }
  }
  return r;
}

}  // namespace ike::daemon
