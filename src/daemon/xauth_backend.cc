// XAUTH credential check: the password file parser, the crypt(3) comparison and the backend
// selection. See xauth_backend.h.
#include "daemon/xauth_backend.h"

#include <crypt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>

#include "base/log.h"
#include "crypto/provider.h"
#include "daemon/priv_ops.h"

namespace ike::daemon {

namespace {

using base::ErrorCode;
using base::NotifyType;

bool user_char_ok(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != ':' && c != '#';
}

// crypt(3) output alphabet: the hash must not hold anything that crypt would not produce.
bool hash_char_ok(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '$' || c == '.' || c == '/' || c == '=' || c == ',' ||
         c == '-' || c == '_' || c == '!' || c == '*';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A well-formed hash that matches nothing we know (SHA-512 crypt), used for unknown and locked
// users so they cost about what a wrong password costs.
constexpr const char* kDummyHash =
    "$6$H433VAReUxS2hRkw$NORJdICQ6EdIvts3KkAQu3qdiE9tLoGX/GBBWeGsVDDRfO1jWomFwIs1YqwKL0qJyFbohx6"
    "lQcUkt1oO23usz0";

// crypt_r(password, setting) == setting, compared in constant time. Any crypt failure: false.
bool crypt_matches(const base::SecureBytes& password, const std::string& setting) {
  std::string pw(base::as_chars(base::view(password)));
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(pw.c_str(), setting.c_str(), data.get());
  bool ok = false;
  if (out != nullptr && out[0] != '*') {
    const std::size_t n = std::strlen(out);
    ok = n == setting.size() &&
         crypto::constant_time_equal(
             base::ByteView(reinterpret_cast<const uint8_t*>(out), n), base::view(setting));
  }
  // The password copy and crypt's scratch space (which held derived material) are wiped.
  explicit_bzero(pw.data(), pw.size());
  explicit_bzero(data.get(), sizeof(crypt_data));
  return ok;
}

}  // namespace

base::Result<std::vector<XauthPasswordEntry>> parse_xauth_password_file(std::string_view text,
                                                                        std::string_view path) {
  auto bad = [&](std::size_t line, std::string what) {
    return base::make_error(ErrorCode::Config, NotifyType::None, "{}:{}: {}", path, line,
                            what);
  };
  if (text.size() > kMaxXauthFileSize) {
    return base::make_error(ErrorCode::Config, NotifyType::None, "{}: {} bytes (at most {})",
                            path, text.size(), kMaxXauthFileSize);
  }
  std::vector<XauthPasswordEntry> out;
  std::set<std::string, std::less<>> users;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxXauthLine) {
      return bad(line_no, fmt::format("line of {} bytes (at most {})", line.size(), kMaxXauthLine));
    }
    std::size_t first = 0;
    while (first < line.size() && (line[first] == ' ' || line[first] == '\t')) ++first;
    if (first == line.size() || line[first] == '#') continue;
    if (first != 0) return bad(line_no, "leading white space");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad(line_no, "expected user:hash");
    const std::string_view user = line.substr(0, colon);
    std::string_view hash = line.substr(colon + 1);
    if (hash.find(':') != std::string_view::npos) {
      return bad(line_no, "more than two ':'-separated fields");
    }
    if (user.empty()) return bad(line_no, "empty user name");
    if (user.size() > kMaxXauthUser) {
      return bad(line_no, fmt::format("user name of {} bytes (at most {})", user.size(),
                                      kMaxXauthUser));
    }
    if (!std::all_of(user.begin(), user.end(), user_char_ok)) {
      return bad(line_no, "user name holds a control, space, ':', '#' or non-ASCII character");
    }
    if (hash.empty()) return bad(line_no, "empty hash (use '!' to lock an account)");
    if (!std::all_of(hash.begin(), hash.end(), hash_char_ok)) {
      return bad(line_no, "hash holds a character crypt(3) never produces");
    }
    if (hash.front() != '$' && hash.front() != '!' && hash.front() != '*') {
      return bad(line_no, "hash is not a crypt(3) \"$id$...\" string (DES hashes refused)");
    }
    if (users.count(user) != 0) {
      return bad(line_no, fmt::format("user \"{}\" listed twice", user));
    }
    if (out.size() >= kMaxXauthUsers) {
      return bad(line_no, fmt::format("more than {} users", kMaxXauthUsers));
    }
    users.emplace(user);
    out.push_back(XauthPasswordEntry{std::string(user), std::string(hash)});
  }
  return out;
}

base::Status xauth_check_password(const std::vector<XauthPasswordEntry>& entries,
                                  std::string_view user, const base::SecureBytes& password) {
  const XauthPasswordEntry* found = nullptr;
  for (const auto& e : entries) {
    if (e.user == user) found = &e;
  }
  const bool locked = found != nullptr && (found->hash[0] == '!' || found->hash[0] == '*');
  const bool usable = found != nullptr && !locked;
  const bool match = crypt_matches(password, usable ? found->hash : std::string(kDummyHash));
  if (usable && match) return base::ok();
  return base::make_error(ErrorCode::Auth, NotifyType::None, "XAUTH user \"{}\": {}",
                          base::sanitize_for_log(user),
                          found == nullptr ? "unknown user"
                          : locked         ? "account locked"
                                           : "wrong password");
}

base::Result<XauthBackendConfig> xauth_backend_config(const conf::ConfDb& conf) {
  XauthBackendConfig c;
  auto file = conf.get("General", "XAuth-password-file");
  auto backend = conf.get("General", "XAuth-backend");
  if (auto s = conf.get("General", "XAuth-pam-service"); s && !s->empty()) c.pam_service = *s;
  if (!backend || backend->empty() || iequals(*backend, "file")) {
    if (file && !file->empty()) {
      c.kind = XauthBackendConfig::Kind::File;
      c.password_file = *file;
    } else if (backend && iequals(*backend, "file")) {
      return base::make_error(ErrorCode::Config, NotifyType::None,
                              "[General]:XAuth-backend=file without XAuth-password-file");
    }
    return c;
  }
  if (iequals(*backend, "pam")) {
    c.kind = XauthBackendConfig::Kind::Pam;
    return c;
  }
  return base::make_error(ErrorCode::Config, NotifyType::None,
                          "[General]:XAuth-backend \"{}\" unknown (file or pam)",
                          base::sanitize_for_log(*backend));
}

base::Status xauth_verify(const XauthBackendConfig& cfg, const std::string& user,
                          const base::SecureBytes& password, uint32_t allowed_uid) {
  if (user.empty() || user.size() > kMaxXauthUser || password.size() > kMaxXauthPassword) {
    return base::make_error(ErrorCode::Auth, NotifyType::None,
                            "XAUTH user name or password of a refused length");
  }
  switch (cfg.kind) {
    case XauthBackendConfig::Kind::None:
      return base::make_error(ErrorCode::Config, NotifyType::None,
                              "no XAUTH backend ([General]:XAuth-password-file / XAuth-backend)");
    case XauthBackendConfig::Kind::Pam:
      return xauth_pam_verify(cfg.pam_service, user, password);
    case XauthBackendConfig::Kind::File: break;
  }
  IKE_TRY(int fd, open_for_reading(cfg.password_file, FileKind::Secret, allowed_uid));
  IKE_TRY(base::SecureBytes text, read_fd(fd, cfg.password_file, kMaxXauthFileSize));
  IKE_TRY(auto entries,
          parse_xauth_password_file(base::as_chars(base::view(text)), cfg.password_file));
  return xauth_check_password(entries, user, password);
}

}  // namespace ike::daemon
