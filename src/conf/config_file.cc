// isakmpd.conf loading (see config_file.h): secrecy check on the descriptor, bounded read into
// wiped memory, parse + validate + defaults into a scratch ConfDb, then one swap.
#include "conf/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "base/log.h"
#include "conf/conf_parser.h"
#include "conf/defaults.h"

namespace ike::conf {

namespace {

base::Error refuse(std::string_view path, std::string_view why) {
  return base::make_error(base::ErrorCode::Config, base::NotifyType::None, "refusing {}: {}",
                          path, why);
}

base::Error sys_error(std::string_view what, std::string_view path, int err) {
  return base::make_error(err == ENOENT ? base::ErrorCode::NotFound : base::ErrorCode::Io,
                          base::NotifyType::None, "{} {}: {}", what, path, std::strerror(err));
}

const char* file_kind(mode_t mode) noexcept {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// "readable", "readable/writable", ... for the group/other bits of `mode`.
std::string access_words(mode_t mode) {
  std::string w;
  auto add = [&w](const char* s) {
    if (!w.empty()) w += '/';
    w += s;
  };
  if ((mode & (S_IRGRP | S_IROTH)) != 0) add("readable");
  if ((mode & (S_IWGRP | S_IWOTH)) != 0) add("writable");
  if ((mode & (S_IXGRP | S_IXOTH)) != 0) add("executable");
  return w;
}

// Non-negative decimal integers in [General] that the daemon uses as numbers.
constexpr std::array kGeneralNumericTags{
    std::string_view{"Retransmits"},        std::string_view{"Exchange-max-time"},
    std::string_view{"Check-interval"},     std::string_view{"DPD-check-interval"},
    std::string_view{"NAT-T-Keepalive"},
    // Floods (engine/half_open.h): half-open responder exchange caps and lifetime.
    std::string_view{"Max-half-open-per-peer"}, std::string_view{"Max-half-open"},
    std::string_view{"Half-open-max-time"},
    std::string_view{"Max-unverifiable-messages"},  // engine/unverifiable.cc
};
constexpr std::array kGeneralLifetimeTags{
    std::string_view{"Default-phase-1-lifetime"},
    std::string_view{"Default-phase-2-lifetime"},
};

std::string where(std::string_view source, const ParseOutput& out, std::string_view section,
                  std::string_view tag) {
  if (auto ln = out.line_of(section, tag)) return fmt::format("{}:{}", source, *ln);
  return std::string(source);
}

base::Status validate(const ConfDb& db, std::string_view source, const ParseOutput& out) {
  for (std::string_view tag : kGeneralLifetimeTags) {
    auto v = db.get("General", tag);
    if (!v) continue;
    auto r = parse_offer_range(*v);
    if (!r) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "{}: [General]:{}: {}", where(source, out, "General", tag), tag,
                              r.error().detail);
    }
    if (r->any) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "{}: [General]:{}: ANY is not a lifetime to offer",
                              where(source, out, "General", tag), tag);
    }
  }
  for (std::string_view tag : kGeneralNumericTags) {
    auto r = db.get_num_checked("General", tag);
    if (!r) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None, "{}: {}",
                              where(source, out, "General", tag), r.error().detail);
    }
    if (*r && **r < 0) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "{}: [General]:{}: {} is negative",
                              where(source, out, "General", tag), tag, **r);
    }
  }
  return base::ok();
}

}  // namespace

base::Status check_file_secrecy(int fd, std::string_view path, uint32_t allowed_uid) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return sys_error("cannot fstat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return refuse(path, fmt::format("it is {}; a regular file is required", file_kind(st.st_mode)));
  }
  if (st.st_uid != 0 && st.st_uid != allowed_uid) {
    return refuse(path, fmt::format("owned by uid {}, but only root (uid 0) or uid {} may own it; "
                                    "chown {} {}",
                                    st.st_uid, allowed_uid, allowed_uid, path));
  }
  const auto perms = static_cast<mode_t>(st.st_mode & 07777);
  if ((perms & (S_IRWXG | S_IRWXO)) != 0) {
    return refuse(path, fmt::format("mode {:04o} is {} by group/other; chmod 600 {}", perms,
                                    access_words(perms), path));
  }
  return base::ok();
}

base::Status check_file_secrecy(int fd, std::string_view path) {
  return check_file_secrecy(fd, path, static_cast<uint32_t>(geteuid()));
}

base::Result<base::SecureBytes> read_secret_file(const std::string& path, std::size_t max_size) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) {
      return refuse(path, "it is a symbolic link; point the daemon at the file itself");
    }
    return sys_error("cannot open", path, err);
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};

  IKE_TRY_VOID(check_file_secrecy(fd, path));
  struct stat st {};
  if (fstat(fd, &st) != 0) return sys_error("cannot fstat", path, errno);
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_size) {
    return refuse(path, fmt::format("size {} bytes exceeds the limit of {} bytes",
                                    static_cast<int64_t>(st.st_size), max_size));
  }
  base::SecureBytes buf;
  buf.reserve(static_cast<std::size_t>(st.st_size) + 1);
  std::array<uint8_t, 4096> chunk{};
  while (true) {
    ssize_t n = read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      base::secure_wipe(chunk.data(), chunk.size());
      return sys_error("cannot read", path, err);
    }
    if (n == 0) break;
    const auto got = static_cast<std::size_t>(n);
    if (buf.size() + got > max_size) {  // the file grew while we read it
      base::secure_wipe(chunk.data(), chunk.size());
      return refuse(path, fmt::format("size exceeds the limit of {} bytes", max_size));
    }
    buf.insert(buf.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
  base::secure_wipe(chunk.data(), chunk.size());
  return buf;
}

base::Result<LoadReport> load_config_file(const std::string& path, ConfDb& db) {
  IKE_TRY(base::SecureBytes contents, read_secret_file(path));
  return load_config_text(base::as_chars(base::view(contents)), path, db);
}

base::Result<LoadReport> load_config_text(std::string_view text, std::string_view source,
                                          ConfDb& db) {
  ConfDb fresh;
  IKE_TRY(ParseOutput out, parse_config(text, source, fresh));
  IKE_TRY(std::vector<std::string> ignored, fresh.commit(out.tx));
  IKE_TRY_VOID(validate(fresh, source, out));
  load_defaults(fresh);

  LoadReport report;
  report.source = std::string(source);
  report.warnings = std::move(out.warnings);
  for (auto& line : ignored) report.warnings.push_back(std::move(line));
  report.sections = out.sections;
  report.tags = out.tags;
  for (const auto& w : report.warnings) IKE_LOG_WARN("{}", w);

  db.swap_contents(fresh);
  return report;
}

}  // namespace ike::conf
