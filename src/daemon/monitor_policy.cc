// The monitor's path allow-list and port rule (monitor_policy.h).
#include "daemon/monitor_policy.h"

#include <limits.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "conf/defaults.h"
#include "daemon/monitor_protocol.h"
#include "policy/limits.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;
using base::make_error;

const char* access_name(Access a) noexcept {
  switch (a) {
    case Access::ReadConfig: return "read (config)";
    case Access::ReadSecret: return "read (secret)";
    case Access::ReadPublic: return "read";
    case Access::ListDir: return "list";
    case Access::Write: return "write";
    case Access::Append: return "append";
    case Access::Fifo: return "create FIFO";
    case Access::ListIdentityDirs: return "list identity directories";
  }
  return "?";
}

namespace {

base::Error refuse(std::string_view path, std::string_view why) {
  return make_error(ErrorCode::Config, NotifyType::None, "privsep: refusing {}: {}",
                    base::sanitize_for_log(path, 256), why);
}

std::string realpath_or_empty(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr) return {};
  return buf;
}

// Canonical form where possible, the lexical path otherwise (a directory that does not exist
// yet can be allowed; it is then compared lexically).
std::string canonical_or_lexical(const std::string& p) {
  auto c = canonical_path(p);
  return c ? *c : p;
}

std::string tag(const conf::ConfDb& conf, const char* section, const char* name,
                std::string_view def) {
  return conf.get(section, name).value_or(std::string(def));
}

}  // namespace

base::Result<std::string> canonical_path(std::string_view path) {
  if (path.empty() || path.size() > privsep::kMaxPath) return refuse(path, "bad path length");
  if (path.find('\0') != std::string_view::npos) return refuse(path, "NUL in path");
  if (path.front() != '/') return refuse(path, "not an absolute path");
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view comp = rest.substr(0, slash);
    if (comp.empty() || comp == "." || comp == "..") {
      return refuse(path, "'.', '..' or an empty component in the path");
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return refuse(path, "trailing '/'");
  }
  auto last = path.rfind('/');
  std::string parent = last == 0 ? "/" : std::string(path.substr(0, last));
  std::string base(path.substr(last + 1));
  if (base.empty()) return std::string("/");
  std::string real = realpath_or_empty(parent);
  if (real.empty()) {
    int err = errno;
    if (err == ENOENT) {  // not a refusal: the file cannot exist (PKI directories are optional)
      return make_error(ErrorCode::NotFound, NotifyType::None, "{}: directory {}: {}",
                        base::sanitize_for_log(path, 256), parent, std::strerror(err));
    }
    return refuse(path, fmt::format("directory {}: {}", parent, std::strerror(err)));
  }
  return real == "/" ? "/" + base : real + "/" + base;
}

bool valid_identity_dir_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > policy::kMaxIdentityNameBytes) return false;
  if (name.front() == '.' || name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/') return false;  // printable ASCII, no space
  }
  return true;
}

base::Status check_bind_port(uint16_t port, uint16_t natt_port) {
  if (port == 0 || port == 500 || port == natt_port || port > 1024) return base::ok();
  return make_error(ErrorCode::Config, NotifyType::None,
                    "privsep: refusing to bind port {}: only 500, the NAT-T port {} or ports "
                    "above 1024 are allowed",
                    port, natt_port);
}

PathPolicy PathPolicy::from_options(const Options& opts) {
  PathPolicy p;
  p.allow_file(opts.config_file, Access::ReadConfig);
  if (!opts.fifo_is_stdin()) p.allow_file(opts.fifo_path, Access::Fifo);
  // Result, report, JSON status, metrics: written (first chunk, atomically), and appended when
  // larger than one monitor message (MonitorClient::write_file).
  for (const std::string& f :
       {opts.result_file, opts.report_file,
        opts.status_json_file.value_or(opts.report_file + ".json")}) {
    p.allow_file(f, Access::Write);
    p.allow_file(f, Access::Append);
  }
  if (opts.keylog_file) p.allow_file(*opts.keylog_file, Access::Append);
  if (opts.metrics_file) {
    p.allow_file(*opts.metrics_file, Access::Write);
    p.allow_file(*opts.metrics_file, Access::Append);
  }
  // Packet capture (-L, -l, FIFO `p on[=file]`, any time): emptied (Write), then appended.
  p.allow_file(opts.packet_log_file, Access::Write);
  p.allow_file(opts.packet_log_file, Access::Append);
  p.allow_dir("/run", false, DirKind::Capture);
  auto slash = opts.packet_log_file.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    p.allow_dir(opts.packet_log_file.substr(0, slash), false, DirKind::Capture);
  }
  return p;
}

void PathPolicy::allow_file(const std::string& path, Access a, bool from_config) {
  m_files.emplace(canonical_or_lexical(path), Entry{a, from_config});
}

void PathPolicy::allow_dir(const std::string& dir, bool from_config, DirKind kind) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  std::string real = realpath_or_empty(d);
  m_dirs.emplace(real.empty() ? d : real, DirEntry{from_config, kind});
}

void PathPolicy::set_config_paths(const conf::ConfDb& conf) {
  for (auto it = m_files.begin(); it != m_files.end();) {
    it = it->second.from_config ? m_files.erase(it) : std::next(it);
  }
  for (auto it = m_dirs.begin(); it != m_dirs.end();) {
    it = it->second.from_config ? m_dirs.erase(it) : std::next(it);
  }
  const char* x = "X509-certificates";
  allow_dir(tag(conf, x, "CA-directory", conf::kDefaultCaDirectory), true);
  allow_dir(tag(conf, x, "Cert-directory", conf::kDefaultCertDirectory), true);
  allow_dir(tag(conf, x, "CRL-directory", conf::kDefaultCrlDirectory), true);
  std::string key = tag(conf, x, "Private-key", conf::kDefaultPrivateKey);
  allow_file(key, Access::ReadSecret, true);
  allow_dir(tag(conf, x, "Private-key-directory", conf::kDefaultPrivateKeyDirectory), true,
            DirKind::Secret);
  // local.pub next to the private/ directory (pki_loader.cc).
  auto slash = key.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = key.substr(0, slash);
    auto up = dir.rfind('/');
    if (up != std::string::npos) {
      allow_file((up == 0 ? std::string() : dir.substr(0, up)) + "/local.pub", Access::ReadPublic,
                 true);
    }
  }
  // KeyNote (policy_loader.h): the policy file is mode-checked like isakmpd.conf (read as a
  // Secret: a Config read would be re-parsed as isakmpd.conf); the signed credentials are
  // public.
  allow_file(tag(conf, "General", "Policy-file", conf::kDefaultPolicyFile), Access::ReadSecret,
             true);
  std::string cred = tag(conf, "KeyNote", "Credential-directory",
                        conf::kDefaultCredentialDirectory);
  allow_dir(cred, true);
  while (cred.size() > 1 && cred.back() == '/') cred.pop_back();
  std::string real_cred = realpath_or_empty(cred);
  m_credential_dirs.clear();
  m_credential_dirs.insert(real_cred.empty() ? cred : real_cred);
  std::string pub = tag(conf, "General", "Pubkey-directory", conf::kDefaultPubkeyDirectory);
  while (pub.size() > 1 && pub.back() == '/') pub.pop_back();
  for (const char* sub : {"ipv4", "ipv6", "fqdn", "ufqdn"}) {
    allow_dir(pub + "/" + sub, true);
  }
}

base::Result<std::string> PathPolicy::check(std::string_view path, Access a) const {
  // The uses the directory `dir` allows for the files directly inside it.
  auto dir_allows = [&](const std::string& dir, DirKind kind) {
    auto [lo, hi] = m_dirs.equal_range(dir);
    for (auto it = lo; it != hi; ++it) {
      if (it->second.kind == kind) return true;
    }
    return false;
  };
  if (a == Access::ListDir) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    IKE_TRY(auto canon, canonical_path(path));
    std::string real = realpath_or_empty(canon);
    for (const std::string& d : {real, canon}) {
      if (!d.empty() && (dir_allows(d, DirKind::Public) || dir_allows(d, DirKind::Secret))) {
        return d;
      }
    }
    return refuse(path, "not an allowed directory");
  }
  if (a == Access::ListIdentityDirs) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    IKE_TRY(auto canon, canonical_path(path));
    std::string real = realpath_or_empty(canon);
    for (const std::string& d : {real, canon}) {
      if (!d.empty() && m_credential_dirs.count(d) != 0) return d;
    }
    return refuse(path, "not the KeyNote Credential-directory");
  }
  IKE_TRY(auto canon, canonical_path(path));
  auto [lo, hi] = m_files.equal_range(canon);
  for (auto it = lo; it != hi; ++it) {
    if (it->second.access == a) return canon;
  }
  auto last = canon.rfind('/');
  std::string parent = last == 0 ? "/" : canon.substr(0, last);
  if (a == Access::ReadPublic && dir_allows(parent, DirKind::Public)) return canon;
  if (a == Access::ReadSecret && dir_allows(parent, DirKind::Secret)) return canon;
  // <Credential-directory>/<ID>/credentials. canonical_path resolved <.../ID> with realpath:
  // an identity directory that is a symlink out of the credential directory lands elsewhere.
  if (a == Access::ReadPublic && canon.substr(last + 1) == kIdentityCredentialFile) {
    auto up = parent.rfind('/');
    if (up != std::string::npos && up > 0 &&
        m_credential_dirs.count(parent.substr(0, up)) != 0 &&
        valid_identity_dir_name(std::string_view(parent).substr(up + 1))) {
      return canon;
    }
  }
  if ((a == Access::Write || a == Access::Append) && canon.ends_with(".pcap") &&
      dir_allows(parent, DirKind::Capture)) {
    return canon;
  }
  return refuse(path, fmt::format("not allowed to {}", access_name(a)));
}

}  // namespace ike::daemon
