// Loading of the KeyNote policy (isakmpd.policy(5)) for the engine's Phase 2 check:
// [General]:Use-Keynote ("yes" enables; -K overrides), [General]:Policy-file (default
// /etc/isakmpd/isakmpd.policy; read through PrivOps with the secrecy check of isakmpd.conf and
// private keys: regular, no symlink, owner root or the daemon user, mode & 077 == 0) and the signed credentials, one or more per
// regular file, of [KeyNote]:Credential-directory (a credential that does not verify is
// skipped with a warning), and per identity Credential-directory/<ID>/credentials
// (PrivOps::list_identity_dirs; OpenBSD isakmpd's keynote_cert_obtain path) into
// PolicyContext::identity_credentials, used only for exchanges with a peer of that phase 1 ID
// (a file that does not verify, is oversized or holds more than kMaxIdentityCredentials is
// skipped with a warning). Fail closed: a policy file that exists but cannot be read or parsed
// is an error (start-up fails; a reload keeps the previous policy). A missing policy file is an
// error too (OpenBSD isakmpd policy_init: "open failed" is fatal): KeyNote on means a policy.
#pragma once

#include <memory>

#include "base/result.h"
#include "conf/conf_db.h"
#include "daemon/priv_ops.h"
#include "policy/ipsec_attributes.h"

namespace ike::daemon {

// Null: KeyNote disabled (-K, Use-Keynote not "yes").
[[nodiscard]] base::Result<std::shared_ptr<const policy::PolicyContext>> load_keynote_policy(
    const conf::ConfDb& conf, PrivOps& ops, bool ignore_keynote);

}  // namespace ike::daemon
