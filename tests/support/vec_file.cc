// The known-answer vector file reader (see vec_file.h).
#include "support/vec_file.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "base/hex.h"

namespace ike::test {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

base::Error file_error(std::string_view name, std::size_t line, std::string_view detail) {
  return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None, "{}:{}: {}", name,
                          line, detail);
}

}  // namespace

bool VecBlock::has(std::string_view key) const noexcept {
  for (const auto& [k, v] : fields) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

base::Result<std::string> VecBlock::text(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) {
      return v;
    }
  }
  return base::make_error(base::ErrorCode::NotFound, base::NotifyType::None,
                          "line {}: no field '{}'", line, key);
}

base::Result<base::Bytes> VecBlock::hex(std::string_view key) const {
  IKE_TRY(std::string v, text(key));
  auto bytes = base::from_hex(v);
  if (!bytes) {
    return std::move(bytes).error().with_context(fmt::format("line {}: field '{}'", line, key));
  }
  return bytes;
}

base::Result<uint64_t> VecBlock::number(std::string_view key) const {
  IKE_TRY(std::string v, text(key));
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
    return base::make_error(base::ErrorCode::BadValue, base::NotifyType::None,
                            "line {}: field '{}' is not a decimal number: '{}'", line, key, v);
  }
  return n;
}

std::string VecBlock::where(std::string_view file) const {
  return section.empty() ? fmt::format("{}:{}", file, line)
                         : fmt::format("{}:{} [{}]", file, line, section);
}

base::Result<VecFile> parse_vec(std::string_view text, std::string_view name) {
  VecFile file;
  file.name = std::string(name);
  std::string section;
  VecBlock block;
  std::size_t lineno = 0;
  bool last_was_field = false;

  auto flush = [&]() {
    if (!block.fields.empty()) {
      file.blocks.push_back(std::move(block));
    }
    block = VecBlock{};
    last_was_field = false;
  };

  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineno;

    if (lineno == 1) {
      std::string_view first = trim(raw);
      if (first.size() < 2 || first[0] != '#' || trim(first.substr(1)).empty()) {
        return file_error(name, 1, "the first line must be a '# provenance' comment");
      }
      file.provenance = std::string(trim(first.substr(1)));
      continue;
    }
    std::string_view line = trim(raw);
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') {
      continue;
    }
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t')) {
      if (!last_was_field) {
        return file_error(name, lineno, "continuation line without a field before it");
      }
      block.fields.back().second += line;
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        return file_error(name, lineno, "malformed [Section] line");
      }
      flush();
      section = std::string(line.substr(1, line.size() - 2));
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return file_error(name, lineno, "expected 'Key = value'");
    }
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    if (key.empty()) {
      return file_error(name, lineno, "empty key");
    }
    if (block.has(key)) {
      return file_error(name, lineno, fmt::format("duplicate key '{}' in one block", key));
    }
    if (block.fields.empty()) {
      block.line = lineno;
      block.section = section;
    }
    block.fields.emplace_back(std::move(key), std::move(value));
    last_was_field = true;
  }
  flush();
  if (lineno == 0) {
    return file_error(name, 1, "empty file (no provenance line)");
  }
  return file;
}

base::Result<VecFile> load_vec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return base::make_error(base::ErrorCode::NotFound, base::NotifyType::None,
                            "cannot open vector file {}", path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string name = path.substr(path.find_last_of('/') + 1);
  return parse_vec(ss.str(), name);
}

}  // namespace ike::test
