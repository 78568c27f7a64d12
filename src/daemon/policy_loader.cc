// KeyNote policy loading (see policy_loader.h): the files are read by the privileged side
// (PrivOps), parsed here with the caps of policy/limits.h; the wall clock for GMTTimeOfDay /
// LocalTimeOfDay is time(2) (vDSO, allowed under seccomp). Per-identity credentials
// (Credential-directory/<ID>/credentials) go to PolicyContext::identity_credentials.
#include "daemon/policy_loader.h"

#include <cctype>
#include <ctime>
#include <filesystem>

#include "base/log.h"
#include "conf/defaults.h"
#include "policy/limits.h"

namespace ike::daemon {

namespace {

bool keynote_enabled(const conf::ConfDb& conf) {
  std::string v = conf.get("General", "Use-Keynote").value_or(std::string(conf::kDefaultUseKeynote));
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "yes";
}

void load_credentials(const conf::ConfDb& conf, PrivOps& ops, policy::PolicySet& set) {
  std::string dir = conf.get("KeyNote", "Credential-directory")
                        .value_or(std::string(conf::kDefaultCredentialDirectory));
  auto names = ops.list_dir(dir);
  if (!names) {
    if (names.error().code != base::ErrorCode::NotFound) {
      IKE_LOG_WARN("[KeyNote]:Credential-directory {}: {}", dir, names.error().detail);
    }
    return;
  }
  for (const std::string& n : *names) {
    std::string path = (std::filesystem::path(dir) / n).string();
    auto data = ops.read_file(path, FileKind::Public, policy::kMaxPolicyFileSize);
    if (!data) {
      IKE_LOG_WARN("KeyNote credential {}: {}, ignored", path, data.error().detail);
      continue;
    }
    auto st = set.add_credentials(base::as_chars(base::view(*data)));
    if (!st) {
      IKE_LOG_WARN("KeyNote credential {}: {}, ignored", path, st.error().detail);
    }
  }
}

// Credential-directory/<ID>/credentials (OpenBSD isakmpd policy.c keynote_cert_obtain reads
// the same file): verified, at most kMaxIdentityCredentials per identity, all or nothing per
// file; a file that is missing, oversized or does not verify is skipped with a warning.
std::size_t load_identity_credentials(const conf::ConfDb& conf, PrivOps& ops,
                                      policy::PolicyContext& ctx) {
  std::string dir = conf.get("KeyNote", "Credential-directory")
                        .value_or(std::string(conf::kDefaultCredentialDirectory));
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  auto ids = ops.list_identity_dirs(dir);
  if (!ids) {
    if (ids.error().code != base::ErrorCode::NotFound) {
      IKE_LOG_WARN("[KeyNote]:Credential-directory {}: {}", dir, ids.error().detail);
    }
    return 0;
  }
  std::size_t total = 0;
  for (const std::string& id : *ids) {
    std::string path = dir + "/" + id + "/credentials";
    auto data = ops.read_file(path, FileKind::Public, policy::kMaxPolicyFileSize);
    if (!data) {
      if (data.error().code != base::ErrorCode::NotFound) {
        IKE_LOG_WARN("KeyNote credential {}: {}, ignored", path, data.error().detail);
      }
      continue;
    }
    auto creds = policy::parse_credentials(base::as_chars(base::view(*data)),
                                           policy::kMaxIdentityCredentials);
    if (!creds) {
      IKE_LOG_WARN("KeyNote credential {}: {}, ignored", path, creds.error().detail);
      continue;
    }
    total += creds->size();
    ctx.identity_credentials.emplace(
        id, std::make_shared<const std::vector<policy::Assertion>>(std::move(*creds)));
  }
  return total;
}

}  // namespace

base::Result<std::shared_ptr<const policy::PolicyContext>> load_keynote_policy(
    const conf::ConfDb& conf, PrivOps& ops, bool ignore_keynote) {
  if (ignore_keynote) {
    IKE_LOG_INFO("-K: KeyNote policy checks disabled");
    return std::shared_ptr<const policy::PolicyContext>();
  }
  if (!keynote_enabled(conf)) {
    IKE_LOG_INFO("[General]:Use-Keynote is not \"yes\": KeyNote policy checks disabled");
    return std::shared_ptr<const policy::PolicyContext>();
  }
  std::string path = conf.get("General", "Policy-file").value_or(std::string(conf::kDefaultPolicyFile));
  // Secret kind: the owner/mode check of isakmpd.conf and private keys (FileKind::Config
  // would make the monitor re-read the file as isakmpd.conf for its PKI paths). As OpenBSD
  // isakmpd's policy_init, a missing file stops start-up too.
  auto data = ops.read_file(path, FileKind::Secret, policy::kMaxPolicyFileSize);
  if (!data) {
    if (data.error().code == base::ErrorCode::NotFound) {
      return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                              "KeyNote policy file {} does not exist; create it (see "
                              "isakmpd.policy(5)), or disable KeyNote with -K or "
                              "[General]:Use-Keynote=no",
                              path);
    }
    return std::move(data).error().with_context(fmt::format("KeyNote Policy-file {}", path));
  }
  auto set = std::make_shared<policy::PolicySet>();
  auto st = set->add_policy(base::as_chars(base::view(*data)));
  if (!st) return std::move(st).error().with_context(fmt::format("Policy-file {}", path));
  std::size_t policy_assertions = set->size();
  load_credentials(conf, ops, *set);
  auto ctx = std::make_shared<policy::PolicyContext>();
  std::size_t per_identity = load_identity_credentials(conf, ops, *ctx);
  IKE_LOG_INFO("KeyNote policy {}: {} assertions, {} credentials, {} for {} identities", path,
               policy_assertions, set->size() - policy_assertions, per_identity,
               ctx->identity_credentials.size());
  ctx->set = std::move(set);
  ctx->wall_clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  return std::shared_ptr<const policy::PolicyContext>(std::move(ctx));
}

}  // namespace ike::daemon
