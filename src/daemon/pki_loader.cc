// File loading of pki_loader.h.
#include "daemon/pki_loader.h"

#include <ctime>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/address.h"
#include "base/log.h"
#include "conf/config_file.h"
#include "conf/defaults.h"

namespace ike::daemon {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPublicFile = 64 * 1024;

std::string tag(const conf::ConfDb& conf, const char* section, const char* name,
                std::string_view def) {
  return conf.get(section, name).value_or(std::string(def));
}

// Regular files of `dir` in name order (capped); empty when the directory does not exist.
std::vector<fs::path> files_in(PrivOps& ops, const std::string& dir, const char* what) {
  std::vector<fs::path> out;
  auto names = ops.list_dir(dir);
  if (!names) {
    if (names.error().code == base::ErrorCode::NotFound) {
      IKE_LOG_DEBUG(Misc, 30, "{} {}: not a directory, nothing loaded", what, dir);
    } else {
      IKE_LOG_WARN("{} {}: {}", what, dir, names.error().detail);
    }
    return out;
  }
  for (const auto& n : *names) out.push_back(fs::path(dir) / n);
  return out;
}

std::optional<base::Bytes> read_public(PrivOps& ops, const fs::path& p) {
  auto data = ops.read_file(p.string(), FileKind::Public, kMaxPublicFile);
  if (!data) {
    IKE_LOG_WARN("{}: {}, ignored", p.string(), data.error().detail);
    return std::nullopt;
  }
  return base::Bytes(data->begin(), data->end());
}

std::vector<crypto::Certificate> load_certs(PrivOps& ops, const std::string& dir,
                                           const char* what) {
  std::vector<crypto::Certificate> out;
  for (const auto& p : files_in(ops, dir, what)) {
    auto data = read_public(ops, p);
    if (!data) continue;
    auto certs = crypto::Certificate::from_pem(base::view(*data));
    if (!certs) {
      IKE_LOG_WARN("{} {}: {}, ignored", what, p.string(), certs.error().detail);
      continue;
    }
    for (auto& c : *certs) {
      IKE_LOG_DEBUG(Misc, 20, "{} {}: '{}'", what, p.string(), c.subject_text());
      out.push_back(std::move(c));
    }
  }
  return out;
}

void load_pubkeys(PrivOps& ops, const std::string& root, engine::PkiStore& pki) {
  for (const char* sub : {"ipv4", "ipv6", "fqdn", "ufqdn"}) {
    for (const auto& p : files_in(ops, (fs::path(root) / sub).string(), "Pubkey-directory")) {
      std::string name = p.filename().string();
      if (std::string_view(sub).starts_with("ipv")) {
        auto a = base::IpAddress::parse(name);
        if (!a || a->is_v4() != (std::string_view(sub) == "ipv4")) {
          IKE_LOG_WARN("Pubkey-directory {}: file name is not an {} address, ignored",
                       p.string(), sub);
          continue;
        }
        name = a->to_string();  // canonical ("::" form for IPv6)
      }
      auto data = read_public(ops, p);
      if (!data) continue;
      auto key = crypto::rsa_public_key_from_pem(base::view(*data));
      if (!key) {
        // RFC 4754 (ECDSA_256/384/521): an EC key on P-256/384/521 is kept apart.
        if (auto ec = crypto::ecdsa_public_key_from_pem(base::view(*data))) {
          pki.ec_pubkeys.insert_or_assign(std::string(sub) + "/" + name, std::move(*ec));
          continue;
        }
        IKE_LOG_WARN("Pubkey-directory {}: {}, ignored", p.string(), key.error().detail);
        continue;
      }
      pki.pubkeys.insert_or_assign(std::string(sub) + "/" + name, std::move(*key));
    }
  }
}

// Private-key: an RSA key (RSA_SIG) or an EC key on P-256/384/521 (ECDSA_256/384/521), stored
// in `pki` by its type.
void load_private_key(PrivOps& ops, const std::string& path, const char* what, bool missing_ok,
                      engine::PkiStore& pki) {
  // Mode-checked (owner root or the daemon user, no group/other access) by PrivOps.
  auto file = ops.read_file(path, FileKind::Secret, crypto::kMaxPemSize);
  if (!file) {
    if (file.error().code == base::ErrorCode::NotFound && missing_ok) {
      IKE_LOG_DEBUG(Misc, 20, "{} {} does not exist", what, path);
    } else {
      IKE_LOG_ERROR("{} {}: {}, ignored", what, path, file.error().detail);
    }
    return;
  }
  auto key = crypto::rsa_private_key_from_pem(base::view(*file));
  if (key) {
    pki.private_key = std::move(*key);
    return;
  }
  auto ec = crypto::ecdsa_private_key_from_pem(base::view(*file));
  if (ec) {
    IKE_LOG_DEBUG(Misc, 20, "{} {}: EC key on {}", what, path,
                  crypto::ecdsa_curve_name(ec->curve()));
    pki.ec_private_key = std::move(*ec);
    return;
  }
  IKE_LOG_ERROR("{} {}: {} (nor an EC key: {}), ignored", what, path, key.error().detail,
                ec.error().detail);
}

// Private-key-directory: isakmpd's ike_auth_get_key opens <directory><our ID as text>. The engine
// is sans-I/O, so every file whose name is an ID (an address, canonicalised like
// Pubkey-directory, or a name) is loaded here, mode-checked like Private-key; files that are
// not PEM RSA keys (local.key's CSR, ...) are skipped with a debug line. The Private-key file
// itself (local.key, in the same directory by default) is not an ID key.
void load_id_private_keys(PrivOps& ops, const std::string& dir, const std::string& default_key,
                          engine::PkiStore& pki) {
  const fs::path default_path = fs::path(default_key).lexically_normal();
  for (const auto& p : files_in(ops, dir, "Private-key-directory")) {
    if (p.lexically_normal() == default_path) continue;
    std::string name = p.filename().string();
    if (auto a = base::IpAddress::parse(name)) name = a->to_string();
    auto file = ops.read_file(p.string(), FileKind::Secret, crypto::kMaxPemSize);
    if (!file) {
      IKE_LOG_ERROR("Private-key-directory {}: {}, ignored", p.string(), file.error().detail);
      continue;
    }
    auto key = crypto::rsa_private_key_from_pem(base::view(*file));
    if (!key) {
      if (auto ec = crypto::ecdsa_private_key_from_pem(base::view(*file))) {
        IKE_LOG_DEBUG(Misc, 20, "Private-key-directory {}: EC key for ID {}", p.string(), name);
        pki.id_ec_private_keys.insert_or_assign(name, std::move(*ec));
        continue;
      }
      IKE_LOG_DEBUG(Misc, 20, "Private-key-directory {}: not an RSA or EC private key ({}), "
                    "ignored", p.string(), key.error().detail);
      continue;
    }
    IKE_LOG_DEBUG(Misc, 20, "Private-key-directory {}: key for ID {}", p.string(), name);
    pki.id_private_keys.insert_or_assign(name, std::move(*key));
  }
}

engine::SendCertificate send_certificate(const conf::ConfDb& conf) {
  auto v = conf.get("X509-certificates", "Send-certificate");
  if (!v) return engine::SendCertificate::Always;
  std::string s = *v;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "always") return engine::SendCertificate::Always;
  if (s == "if-requested") return engine::SendCertificate::IfRequested;
  if (s == "never") return engine::SendCertificate::Never;
  IKE_LOG_WARN("[X509-certificates]:Send-certificate \"{}\" unknown (always, if-requested, "
               "never): always used",
               base::sanitize_for_log(*v));
  return engine::SendCertificate::Always;
}

// local.pub is optional (NotFound: absent); read errors are reported by read_public().
bool pki_has_local_pub(PrivOps& ops, const fs::path& pub) {
  auto r = ops.read_file(pub.string(), FileKind::Public, kMaxPublicFile);
  return r || r.error().code != base::ErrorCode::NotFound;
}

}  // namespace

std::shared_ptr<engine::PkiStore> load_pki(const conf::ConfDb& conf) {
  DirectPrivOps direct;
  return load_pki(conf, direct);
}

std::shared_ptr<engine::PkiStore> load_pki(const conf::ConfDb& conf, PrivOps& ops) {
  auto pki = std::make_shared<engine::PkiStore>();
  // The engine reads no clock: certificate and CRL validity is checked at this injected wall
  // clock (time(2): vDSO, allowed under seccomp), as the KeyNote policy's (policy_loader.cc).
  pki->wall_clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  const char* x = "X509-certificates";
  for (auto& ca : load_certs(ops, tag(conf, x, "CA-directory", conf::kDefaultCaDirectory),
                             "CA-directory")) {
    pki->trust.add_ca(ca);
  }
  pki->certificates =
      load_certs(ops, tag(conf, x, "Cert-directory", conf::kDefaultCertDirectory), "Cert-directory");
  for (const auto& p : files_in(ops, tag(conf, x, "CRL-directory", conf::kDefaultCrlDirectory),
                                "CRL-directory")) {
    auto data = read_public(ops, p);
    if (!data) continue;
    auto st = pki->trust.add_crl_pem(base::view(*data));
    if (!st) IKE_LOG_WARN("CRL-directory {}: {}, ignored", p.string(), st.error().detail);
  }
  pki->trust.set_accept_self_signed(conf.get(x, "Accept-self-signed").has_value());

  pki->send_certificate = send_certificate(conf);

  std::string key_path = tag(conf, x, "Private-key", conf::kDefaultPrivateKey);
  load_private_key(ops, key_path, "Private-key", true, *pki);
  load_id_private_keys(ops, tag(conf, x, "Private-key-directory", conf::kDefaultPrivateKeyDirectory),
                       key_path, *pki);

  // isakmpd(8): "a copy of the public key, suitable for transfer to other hosts, is extracted to
  // /etc/isakmpd/local.pub": the file next to the private/ directory. It is not needed to run;
  // a copy that does not belong to local.key would make the peers fail, so say so.
  fs::path pub = fs::path(key_path).parent_path().parent_path() / "local.pub";
  if (pki->private_key && pki_has_local_pub(ops, pub)) {
    auto data = read_public(ops, pub);
    auto k = data ? crypto::rsa_public_key_from_pem(base::view(*data))
                  : base::Result<crypto::RsaPublicKey>(base::Error{});
    if (!k || !k->same_key(pki->private_key->public_key())) {
      IKE_LOG_WARN("{} is not the public half of {}: peers using it as our raw public key will "
                   "fail (regenerate: openssl rsa -in {} -pubout -out {})",
                   pub.string(), key_path, key_path, pub.string());
    }
  }
  load_pubkeys(ops, tag(conf, "General", "Pubkey-directory", conf::kDefaultPubkeyDirectory), *pki);
  IKE_LOG_DEBUG(Misc, 10,
                "PKI: {} CA(s), {} certificate(s), {} CRL(s), {} public key(s), private key {}, "
                "{} ID private key(s), EC private key {}, {} EC ID key(s), {} EC public key(s)",
                pki->trust.ca_count(), pki->certificates.size(), pki->trust.crl_count(),
                pki->pubkeys.size(), pki->private_key ? "loaded" : "none",
                pki->id_private_keys.size(), pki->ec_private_key ? "loaded" : "none",
                pki->id_ec_private_keys.size(), pki->ec_pubkeys.size());
  return pki;
}

}  // namespace ike::daemon
