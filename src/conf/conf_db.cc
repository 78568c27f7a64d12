// ConfDb implementation (isakmpd conf.c semantics, see conf_db.h): case-insensitive, verbatim
// section/tag storage with insertion order, queued transactions applied in order at commit, the
// default/non-default precedence rules, strict typed getters, the FIFO list edits (`C add` /
// `C rmv`, isakmpd ui.c), the conf_report dump, and the offer/accept range syntax "X,Y:Z".
#include "conf/conf_db.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

#include "base/log.h"

namespace ike::conf {

namespace {

constexpr unsigned char fold(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'A' && u <= 'Z') ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

// Splits a comma list the isakmpd way (conf_get_list): trim each element, drop empty ones.
std::vector<std::string_view> split_list(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t comma = s.find(',');
    std::string_view field = trim(s.substr(0, comma));
    if (!field.empty()) out.push_back(field);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string quote(std::string_view s) { return base::sanitize_for_log(s, 80); }

// Unsigned decimal, whitespace around allowed; nullopt on anything else (incl. overflow).
std::optional<uint64_t> parse_u64(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::size_t CaseHash::operator()(std::string_view s) const noexcept {
  // FNV-1a over the folded bytes: equal under CaseEqual, equal hash.
  uint64_t h = 0xcbf29ce484222325u;
  for (char c : s) {
    h ^= fold(c);
    h *= 0x100000001b3u;
  }
  return static_cast<std::size_t>(h);
}

bool CaseEqual::operator()(std::string_view a, std::string_view b) const noexcept {
  return iequals(a, b);
}

void ConfDb::Layer::index_sections() {
  by_name.clear();
  by_name.reserve(sections.size());
  for (const auto& [name, sec] : sections) by_name.emplace(std::string_view(name), &sec);
}

bool CaseLess::operator()(std::string_view a, std::string_view b) const noexcept {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = fold(a[i]);
    unsigned char y = fold(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

base::Result<OfferRange> parse_offer_range(std::string_view text) {
  std::string_view t = trim(text);
  if (iequals(t, "ANY")) {
    OfferRange r;
    r.any = true;
    return r;
  }
  auto bad = [&](std::string_view why) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "offer/accept range \"{}\": {} (expected \"X\", \"X,MIN:MAX\" or ANY)",
                            quote(text), why);
  };
  std::size_t comma = t.find(',');
  if (comma == std::string_view::npos) {
    if (t.find(':') != std::string_view::npos) return bad("':' without an offer and ','");
    auto v = parse_u64(t);
    if (!v) return bad("not an unsigned decimal number");
    return OfferRange{*v, *v, *v, false};
  }
  std::string_view rest = t.substr(comma + 1);
  std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return bad("missing ':' between MIN and MAX");
  auto offer = parse_u64(t.substr(0, comma));
  auto lo = parse_u64(rest.substr(0, colon));
  auto hi = parse_u64(rest.substr(colon + 1));
  if (!offer) return bad("offer is not an unsigned decimal number");
  if (!lo) return bad("MIN is not an unsigned decimal number");
  if (!hi) return bad("MAX is not an unsigned decimal number");
  if (*lo > *hi) return bad("MIN is greater than MAX");
  if (*offer < *lo || *offer > *hi) return bad("the offer lies outside MIN:MAX");
  return OfferRange{*offer, *lo, *hi, false};
}

// --- lookup --------------------------------------------------------------------------------

const ConfDb::Section* ConfDb::base_section(std::string_view name) const {
  if (!m_base) return nullptr;
  auto it = m_base->by_name.find(name);
  return it == m_base->by_name.end() ? nullptr : it->second;
}

const ConfDb::Section* ConfDb::find_section(std::string_view name) const {
  auto it = m_section_index.find(name);
  if (it != m_section_index.end()) return it->second;
  const Section* base = base_section(name);
  if (base != nullptr && m_shadowed.find(name) == m_shadowed.end()) return base;
  return nullptr;
}

const ConfDb::Value* ConfDb::find_value(std::string_view section, std::string_view tag) const {
  const Section* s = find_section(section);
  if (s == nullptr) return nullptr;
  auto it = s->tags.find(tag);
  return it == s->tags.end() ? nullptr : &it->second;
}

void ConfDb::shadow(const std::string& name, const Section& base) {
  if (m_shadowed.insert(name).second) m_shadowed_entries += base.tags.size();
}

ConfDb::Section& ConfDb::materialize(const std::string& name, const Section& base) {
  auto it = m_sections.emplace(name, Section{}).first;
  Section& sec = it->second;
  index_section(it->first, sec);
  sec.seq = m_next_seq++;
  std::vector<std::pair<uint64_t, const std::pair<const std::string, Value>*>> order;
  order.reserve(base.tags.size());
  for (const auto& t : base.tags) order.emplace_back(t.second.seq, &t);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [seq, t] : order) {
    sec.tags.emplace(t->first, Value{t->second.text, t->second.is_default, m_next_seq++});
  }
  m_entries += base.tags.size();
  shadow(name, base);
  return sec;
}

void ConfDb::erase_section(std::map<std::string, Section, CaseLess>::iterator it) {
  // A shadowed base section stays shadowed: removing the copy removes the section.
  m_entries -= it->second.tags.size();
  m_section_index.erase(std::string_view(it->first));
  m_sections.erase(it);
}

ConfDb::Section& ConfDb::section_for_write(std::string_view name) {
  auto found = m_section_index.find(name);
  if (found != m_section_index.end()) return *found->second;
  if (m_base && m_shadowed.find(name) == m_shadowed.end()) {
    auto bit = m_base->by_name.find(name);
    if (bit != m_base->by_name.end()) return materialize(std::string(bit->first), *bit->second);
  }
  auto it = m_sections.emplace(std::string(name), Section{}).first;
  index_section(it->first, it->second);
  it->second.seq = m_next_seq++;
  return it->second;
}

void ConfDb::index_section(const std::string& name, Section& sec) {
  m_section_index.emplace(std::string_view(name), &sec);
}

ConfDb::ConfDb(const ConfDb& other)
    : m_sections(other.m_sections),
      m_pending(other.m_pending),
      m_generation(other.m_generation),
      m_next_tx(other.m_next_tx),
      m_next_seq(other.m_next_seq),
      m_entries(other.m_entries),
      m_base(other.m_base),
      m_shadowed(other.m_shadowed),
      m_shadowed_entries(other.m_shadowed_entries) {
  for (auto& [name, sec] : m_sections) index_section(name, sec);
}

ConfDb& ConfDb::operator=(const ConfDb& other) {
  if (this != &other) {
    ConfDb copy(other);
    *this = std::move(copy);
  }
  return *this;
}

std::optional<std::string> ConfDb::get(std::string_view section, std::string_view tag) const {
  const Value* v = find_value(section, tag);
  if (v == nullptr) return std::nullopt;
  return v->text;
}

base::Result<std::optional<int64_t>> ConfDb::get_num_checked(std::string_view section,
                                                             std::string_view tag) const {
  const Value* v = find_value(section, tag);
  if (v == nullptr) return std::optional<int64_t>{};
  std::string_view s = trim(v->text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n, 10);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "[{}]:{}: \"{}\" is not a decimal integer", quote(section),
                            quote(tag), quote(v->text));
  }
  return std::optional<int64_t>{n};
}

std::optional<int64_t> ConfDb::get_num(std::string_view section, std::string_view tag) const {
  auto r = get_num_checked(section, tag);
  if (!r) {
    IKE_LOG_WARN("conf_get_num: {}, ignoring it", r.error().detail);
    return std::nullopt;
  }
  return *r;
}

int64_t ConfDb::get_num_or(std::string_view section, std::string_view tag,
                           int64_t fallback) const {
  return get_num(section, tag).value_or(fallback);
}

std::vector<std::string> ConfDb::get_list(std::string_view section, std::string_view tag) const {
  std::vector<std::string> out;
  const Value* v = find_value(section, tag);
  if (v == nullptr) return out;
  for (std::string_view f : split_list(v->text)) out.emplace_back(f);
  return out;
}

bool ConfDb::has_section(std::string_view section) const {
  return find_section(section) != nullptr;
}

bool ConfDb::is_default(std::string_view section, std::string_view tag) const {
  const Value* v = find_value(section, tag);
  return v != nullptr && v->is_default;
}

std::vector<std::string> ConfDb::sections() const {
  std::vector<std::string> out;
  out.reserve(m_sections.size() + (m_base ? m_base->sections.size() : 0));
  auto a = m_sections.begin();
  CaseLess less;
  auto emit_base = [&](const std::string& name) {
    if (m_shadowed.find(name) == m_shadowed.end()) out.push_back(name);
  };
  if (m_base) {
    for (const auto& [name, sec] : m_base->sections) {
      while (a != m_sections.end() && less(a->first, name)) out.push_back((a++)->first);
      if (a != m_sections.end() && !less(name, a->first)) {
        out.push_back((a++)->first);  // same name: the explicit copy
        continue;
      }
      emit_base(name);
    }
  }
  for (; a != m_sections.end(); ++a) out.push_back(a->first);
  return out;
}

std::size_t ConfDb::size() const noexcept {
  return m_entries + (m_base ? m_base->entries : 0) - m_shadowed_entries;
}

std::vector<std::string> ConfDb::tags(std::string_view section) const {
  std::vector<std::string> out;
  const Section* s = find_section(section);
  if (s == nullptr) return out;
  std::vector<std::pair<uint64_t, const std::string*>> order;
  order.reserve(s->tags.size());
  for (const auto& [tag, v] : s->tags) order.emplace_back(v.seq, &tag);
  std::sort(order.begin(), order.end());
  out.reserve(order.size());
  for (const auto& [seq, name] : order) out.push_back(*name);
  return out;
}

std::string ConfDb::dump_non_default() const {
  std::vector<std::pair<uint64_t, const std::pair<const std::string, Section>*>> secs;
  for (const auto& entry : m_sections) {
    for (const auto& [tag, v] : entry.second.tags) {
      if (!v.is_default) {
        secs.emplace_back(entry.second.seq, &entry);
        break;
      }
    }
  }
  std::sort(secs.begin(), secs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [seq, entry] : secs) {
    if (!out.empty()) out += '\n';
    out += fmt::format("[{}]\n", entry->first);
    std::vector<std::pair<uint64_t, const std::pair<const std::string, Value>*>> tags;
    for (const auto& t : entry->second.tags) {
      if (!t.second.is_default) tags.emplace_back(t.second.seq, &t);
    }
    std::sort(tags.begin(), tags.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [tseq, t] : tags) out += fmt::format("{}=\t{}\n", t->first, t->second.text);
  }
  return out;
}

// --- immediate operations --------------------------------------------------------------------

bool ConfDb::set_now(std::string_view section, std::string_view tag, std::string_view value,
                     bool override, bool is_default) {
  Section& sec = section_for_write(section);
  auto it = sec.tags.find(tag);
  if (it == sec.tags.end()) {
    Value v{std::string(value), is_default, m_next_seq++};
    sec.tags.emplace(std::string(tag), std::move(v));
    ++m_entries;
    return true;
  }
  Value& cur = it->second;
  if (is_default) {
    if (!cur.is_default) return true;  // defaults never override file/FIFO values (silent)
    cur.text.assign(value);            // refresh a default (e.g. a new Default-phase-1-lifetime)
    cur.list.reset();
    return true;
  }
  if (!override && !cur.is_default) return false;  // duplicate: first value kept
  cur.text.assign(value);
  cur.list.reset();
  cur.is_default = false;
  return true;
}

void ConfDb::add_now(std::string_view section, std::string_view tag, std::string_view value) {
  const Value* cur = find_value(section, tag);
  if (cur == nullptr) {
    set_now(section, tag, value, true, false);
    return;
  }
  if (!cur->is_default && (cur->list.get() != nullptr || ListIndex::worth_indexing(cur->text))) {
    // A long list: the same outcome as below from a hash lookup and an append (list_index.h).
    // Non-default values live in m_sections (the defaults image holds defaults only).
    Value& v = section_for_write(section).tags.find(tag)->second;
    if (v.list.get() == nullptr) v.list.emplace().add_elements(v.text, 0);
    if (v.list.get()->contains(v.text, value)) return;
    // The list trimmed as trim() below; leading blanks (a `C set` left them) move every offset.
    std::size_t lead = 0;
    while (lead < v.text.size() && is_space(v.text[lead])) ++lead;
    if (lead > 0) {
      v.text.erase(0, lead);
      v.list.emplace().add_elements(v.text, 0);
    }
    while (!v.text.empty() && is_space(v.text.back())) v.text.pop_back();
    if (!v.text.empty() && v.text.back() != ',') v.text += ',';
    const std::size_t from = v.text.size();
    v.text.append(value);
    v.list.get()->add_elements(v.text, from);
    return;
  }
  for (std::string_view f : split_list(cur->text)) {
    if (f == value) return;
  }
  std::string next(trim(cur->text));
  if (!next.empty() && next.back() != ',') next += ',';
  next.append(value);
  set_now(section, tag, next, true, false);
}

void ConfDb::rmv_now(std::string_view section, std::string_view tag, std::string_view value) {
  const Value* cur = find_value(section, tag);
  if (cur == nullptr) return;
  std::string next;
  for (std::string_view f : split_list(cur->text)) {
    if (f == value) continue;
    if (!next.empty()) next += ',';
    next.append(f);
  }
  if (next.empty()) {
    remove_now(section, tag);
  } else {
    set_now(section, tag, next, true, false);
  }
}

void ConfDb::remove_now(std::string_view section, std::string_view tag) {
  const Section* visible = find_section(section);
  if (visible == nullptr || visible->tags.find(tag) == visible->tags.end()) return;
  section_for_write(section);  // materialises a base section
  auto sit = m_sections.find(section);
  sit->second.tags.erase(sit->second.tags.find(tag));
  --m_entries;
  if (sit->second.tags.empty()) erase_section(sit);  // no empty sections, as isakmpd
}

void ConfDb::remove_section_now(std::string_view section) {
  auto sit = m_sections.find(section);
  if (sit != m_sections.end()) erase_section(sit);
  if (m_base) {
    auto bit = m_base->sections.find(section);
    if (bit != m_base->sections.end()) shadow(bit->first, bit->second);
  }
}

// --- transactions ------------------------------------------------------------------------------

TxId ConfDb::begin() {
  TxId tx = m_next_tx++;
  if (m_next_tx == 0) m_next_tx = 1;  // 0 is never a valid transaction id
  m_pending[tx];                      // a stale tx with the same id after wrap is reused
  return tx;
}

std::vector<ConfDb::Op>* ConfDb::pending(TxId tx, std::string_view what) {
  auto it = m_pending.find(tx);
  if (it == m_pending.end()) {
    IKE_LOG_ERROR("conf: {} on unknown transaction {}, dropped", what, tx);
    return nullptr;
  }
  return &it->second;
}

void ConfDb::set(TxId tx, std::string_view section, std::string_view tag, std::string_view value,
                 bool override, bool is_default) {
  if (auto* ops = pending(tx, "set")) {
    ops->push_back(Op{Op::Set, std::string(section), std::string(tag), std::string(value),
                      override, is_default});
  }
}

void ConfDb::add_to_list(TxId tx, std::string_view section, std::string_view tag,
                         std::string_view value) {
  if (auto* ops = pending(tx, "add")) {
    ops->push_back(Op{Op::Add, std::string(section), std::string(tag), std::string(value)});
  }
}

void ConfDb::remove_from_list(TxId tx, std::string_view section, std::string_view tag,
                              std::string_view value) {
  if (auto* ops = pending(tx, "rmv")) {
    ops->push_back(Op{Op::Rmv, std::string(section), std::string(tag), std::string(value)});
  }
}

void ConfDb::remove(TxId tx, std::string_view section, std::string_view tag) {
  if (auto* ops = pending(tx, "remove")) {
    ops->push_back(Op{Op::Rm, std::string(section), std::string(tag), {}});
  }
}

void ConfDb::remove_section(TxId tx, std::string_view section) {
  if (auto* ops = pending(tx, "remove_section")) {
    ops->push_back(Op{Op::Rms, std::string(section), {}, {}});
  }
}

base::Result<std::vector<std::string>> ConfDb::commit(TxId tx) {
  auto it = m_pending.find(tx);
  if (it == m_pending.end()) {
    return base::make_error(base::ErrorCode::NotFound, base::NotifyType::None,
                            "conf: commit of unknown transaction {}", tx);
  }
  std::vector<Op> ops = std::move(it->second);
  m_pending.erase(it);
  ++m_generation;  // caches keyed by generation() are stale from here on
  std::vector<std::string> ignored;
  for (const Op& op : ops) {
    switch (op.kind) {
      case Op::Set:
        if (!set_now(op.section, op.tag, op.value, op.override, op.is_default)) {
          ignored.push_back(fmt::format("conf_set: duplicate tag [{}]:{}, ignoring...",
                                        base::sanitize_for_log(op.section),
                                        base::sanitize_for_log(op.tag)));
        }
        break;
      case Op::Add:
        add_now(op.section, op.tag, op.value);
        break;
      case Op::Rmv:
        rmv_now(op.section, op.tag, op.value);
        break;
      case Op::Rm:
        remove_now(op.section, op.tag);
        break;
      case Op::Rms:
        remove_section_now(op.section);
        break;
    }
  }
  return ignored;
}

void ConfDb::abort(TxId tx) { m_pending.erase(tx); }

void ConfDb::clear() {
  ++m_generation;
  m_sections.clear();
  m_section_index.clear();
  m_entries = 0;
  m_base.reset();
  m_shadowed.clear();
  m_shadowed_entries = 0;
}

void ConfDb::swap_contents(ConfDb& other) noexcept {
  // Both databases now hold different content; each keeps its own, advanced, counter.
  ++m_generation;
  ++other.m_generation;
  m_sections.swap(other.m_sections);
  m_section_index.swap(other.m_section_index);
  std::swap(m_entries, other.m_entries);
  std::swap(m_next_seq, other.m_next_seq);
  m_base.swap(other.m_base);
  m_shadowed.swap(other.m_shadowed);
  std::swap(m_shadowed_entries, other.m_shadowed_entries);
}

}  // namespace ike::conf
