// What the privileged monitor lets the unprivileged child do (isakmpd(8) CAVEATS: "The
// privileged process only allows binding to the default port 500 or unprivileged ports
// (>1024)"): the path allow-list built from the command line (config file, FIFO, result,
// report, key log, packet capture) and from the configuration ([X509-certificates]
// CA-/Cert-/CRL-directory, Private-key and the local.pub next to it, Private-key-directory
// (secret files), [General]:Pubkey-directory/{ipv4,ipv6,fqdn,ufqdn}), the JSON status and
// metrics files, the packet capture directories (`p on=file`: *.pcap directly in /run or in
// the -l file's directory, as isakmpd's monitor allows), the KeyNote Credential-directory and
// its identity sub-directories' "credentials" files (one level), with the access each path
// allows, and the port rule.
// Paths are compared canonically: a request must be absolute, without "." / ".." / empty
// components, and its parent directory's realpath must be the allowed one's, so neither `..`
// nor a symlinked directory leads elsewhere; the final component is opened with O_NOFOLLOW
// by the caller. Pure logic apart from realpath(3); unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"
#include "conf/conf_db.h"
#include "daemon/options.h"

namespace ike::daemon {

enum class Access : uint8_t {
  ReadConfig,  // the config file (secret check)
  ReadSecret,  // Private-key (secret check)
  ReadPublic,  // certificates, CRLs, public keys, local.pub
  ListDir,     // the certificate / public key directories
  Write,       // result and report files (atomic replace)
  Append,      // key log, packet capture
  Fifo,        // the FIFO (created once)
  ListIdentityDirs,  // the sub-directories of [KeyNote]:Credential-directory
};
const char* access_name(Access a) noexcept;

class PathPolicy {
 public:
  // The paths named on the command line.
  static PathPolicy from_options(const Options& opts);
  // Replaces the entries derived from the configuration (called whenever the monitor reads it).
  void set_config_paths(const conf::ConfDb& conf);
  // Exact file `path` allows `a`.
  void allow_file(const std::string& path, Access a, bool from_config = false);
  // What the regular files directly inside an allowed directory may be used for.
  enum class DirKind : uint8_t {
    Public,   // listed, files read (ReadPublic)
    Secret,   // listed, files read with the secret check (ReadSecret): Private-key-directory
    Capture,  // *.pcap files written or appended (packet capture), not listed
  };
  // `dir` may be listed (Public, Secret) and the files directly inside it used as `kind` says.
  void allow_dir(const std::string& dir, bool from_config = false,
                 DirKind kind = DirKind::Public);

  // The canonical path to open, or a Config error naming the path and the reason.
  [[nodiscard]] base::Result<std::string> check(std::string_view path, Access a) const;

 private:
  struct Entry {
    Access access;
    bool from_config;
  };
  std::multimap<std::string, Entry> m_files;     // canonical path -> access
  struct DirEntry {
    bool from_config;
    DirKind kind;
  };
  std::multimap<std::string, DirEntry> m_dirs;  // canonical dir -> use
  // [KeyNote]:Credential-directory (canonical): its identity sub-directories may be listed and
  // <dir>/<one valid component>/credentials read (ReadPublic). Always from the config.
  std::set<std::string> m_credential_dirs;
};

// A KeyNote identity sub-directory name (Credential-directory/<ID>/credentials): 1 to
// policy::kMaxIdentityNameBytes printable ASCII characters (no space), no '/', not starting
// with '.', no "..". Names of addresses, FQDNs and user@FQDNs all pass.
[[nodiscard]] bool valid_identity_dir_name(std::string_view name) noexcept;
inline constexpr std::string_view kIdentityCredentialFile = "credentials";

// Lexical check + realpath of the parent: "/a/b/c" -> "<realpath(/a/b)>/c". Errors name why.
[[nodiscard]] base::Result<std::string> canonical_path(std::string_view path);

// isakmpd: port 500, the NAT-T port, 0 (ephemeral) or > 1024; anything else is refused.
[[nodiscard]] base::Status check_bind_port(uint16_t port, uint16_t natt_port);

}  // namespace ike::daemon
