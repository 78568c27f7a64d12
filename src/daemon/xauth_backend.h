// The XAUTH server's credential check (draft-beaulieu-ike-xauth-02 generic type: user name and
// password), run where the privileges are: in process without privilege separation, in the
// monitor with it (monitor request XauthVerify). Backends, chosen by [General]:
//   XAuth-backend=file (default when XAuth-password-file is set): XAuth-password-file, a secret
//     file (owner root or the daemon user, mode & 077 == 0) of `user:<crypt(3) hash>` lines
//     ('#' comments, blank lines); the password is hashed with crypt_r(3) (libcrypt: yescrypt,
//     SHA-512, bcrypt, ... whatever the hash names) and the result compared in constant time.
//     Locked ('!', '*') and unknown users fail after the same work as a wrong password.
//   XAuth-backend=pam: pam_authenticate + pam_acct_mgmt with service XAuth-pam-service
//     (default "isakmpd"); the conversation answers only with the password.
// The file parser treats its input as hostile: line and file size, user name characters and
// length, hash syntax and duplicate users are all checked, errors name the line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "conf/conf_db.h"

namespace ike::daemon {

inline constexpr std::size_t kMaxXauthFileSize = std::size_t{1} << 20;  // 1 MiB
inline constexpr std::size_t kMaxXauthUsers = 10000;
inline constexpr std::size_t kMaxXauthLine = 1024;
inline constexpr std::size_t kMaxXauthUser = 255;
inline constexpr std::size_t kMaxXauthPassword = 255;

struct XauthPasswordEntry {
  std::string user;
  std::string hash;  // crypt(3) string: "$6$salt$...", "$y$...", "$2b$..."
};

// Parses the whole file text. Errors (Config) name `path`, the line and what is wrong.
[[nodiscard]] base::Result<std::vector<XauthPasswordEntry>> parse_xauth_password_file(
    std::string_view text, std::string_view path);

// Ok when `user` is listed and crypt_r(password, hash) equals the hash (constant-time compare);
// Auth error ("unknown user" / "wrong password" / "account locked") otherwise.
[[nodiscard]] base::Status xauth_check_password(const std::vector<XauthPasswordEntry>& entries,
                                                std::string_view user,
                                                const base::SecureBytes& password);

struct XauthBackendConfig {
  enum class Kind : uint8_t { None, File, Pam };
  Kind kind = Kind::None;
  std::string password_file;
  std::string pam_service = "isakmpd";
};
// From [General]; an unknown XAuth-backend or backend=file without a file is a Config error.
[[nodiscard]] base::Result<XauthBackendConfig> xauth_backend_config(const conf::ConfDb& conf);

// PAM (xauth_pam.cc): Auth error naming the PAM failure text.
[[nodiscard]] base::Status xauth_pam_verify(const std::string& service, const std::string& user,
                                            const base::SecureBytes& password);

// The whole check with the privileges of the caller: the file is opened without following
// symlinks, secrecy-checked for `allowed_uid` and read, then parsed and checked.
[[nodiscard]] base::Status xauth_verify(const XauthBackendConfig& cfg, const std::string& user,
                                        const base::SecureBytes& password, uint32_t allowed_uid);

}  // namespace ike::daemon
