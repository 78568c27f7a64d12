// File loading of pki_loader.h.
#include "daemon/pki_loader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
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
constexpr std::size_t kMaxFilesPerDirectory = 1024;

std::string tag(const conf::ConfDb& conf, const char* section, const char* name,
                std::string_view def) {
  return conf.get(section, name).value_or(std::string(def));
}

// Regular files of `dir` in name order (capped); empty when the directory does not exist.
std::vector<fs::path> files_in(const std::string& dir, const char* what) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    IKE_LOG_DEBUG(Misc, 30, "{} {}: not a directory, nothing loaded", what, dir);
    return out;
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (out.size() == kMaxFilesPerDirectory) {
      IKE_LOG_WARN("{} {}: more than {} files, the rest ignored", what, dir,
                   kMaxFilesPerDirectory);
      break;
    }
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<base::Bytes> read_public(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) {
    IKE_LOG_WARN("cannot open {}", p.string());
    return std::nullopt;
  }
  base::Bytes data(kMaxPublicFile + 1);
  f.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(f.gcount()));
  if (data.size() > kMaxPublicFile) {
    IKE_LOG_WARN("{}: larger than {} bytes, ignored", p.string(), kMaxPublicFile);
    return std::nullopt;
  }
  return data;
}

std::vector<crypto::Certificate> load_certs(const std::string& dir, const char* what) {
  std::vector<crypto::Certificate> out;
  for (const auto& p : files_in(dir, what)) {
    auto data = read_public(p);
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

void load_pubkeys(const std::string& root, engine::PkiStore& pki) {
  for (const char* sub : {"ipv4", "ipv6", "fqdn", "ufqdn"}) {
    for (const auto& p : files_in((fs::path(root) / sub).string(), "Pubkey-directory")) {
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
      auto data = read_public(p);
      if (!data) continue;
      auto key = crypto::rsa_public_key_from_pem(base::view(*data));
      if (!key) {
        IKE_LOG_WARN("Pubkey-directory {}: {}, ignored", p.string(), key.error().detail);
        continue;
      }
      pki.pubkeys.insert_or_assign(std::string(sub) + "/" + name, std::move(*key));
    }
  }
}

std::optional<crypto::RsaPrivateKey> load_private_key(const std::string& path, const char* what,
                                                      bool missing_ok) {
  auto file = conf::read_secret_file(path, crypto::kMaxPemSize);
  if (!file) {
    if (file.error().code == base::ErrorCode::NotFound && missing_ok) {
      IKE_LOG_DEBUG(Misc, 20, "{} {} does not exist", what, path);
    } else {
      IKE_LOG_ERROR("{} {}: {}, ignored", what, path, file.error().detail);
    }
    return std::nullopt;
  }
  auto key = crypto::rsa_private_key_from_pem(base::view(*file));
  if (!key) {
    IKE_LOG_ERROR("{} {}: {}, ignored", what, path, key.error().detail);
    return std::nullopt;
  }
  return std::move(*key);
}

// Private-key-directory: isakmpd's ike_auth_get_key opens <directory><our ID as text>. The engine
// is sans-I/O, so every file whose name is an ID (an address, canonicalised like
// Pubkey-directory, or a name) is loaded here, mode-checked like Private-key; files that are
// not PEM RSA keys (local.key's CSR, ...) are skipped with a debug line. The Private-key file
// itself (local.key, in the same directory by default) is not an ID key.
void load_id_private_keys(const std::string& dir, const std::string& default_key,
                          engine::PkiStore& pki) {
  std::error_code ec;
  for (const auto& p : files_in(dir, "Private-key-directory")) {
    if (fs::equivalent(p, default_key, ec)) continue;
    std::string name = p.filename().string();
    if (auto a = base::IpAddress::parse(name)) name = a->to_string();
    auto file = conf::read_secret_file(p.string(), crypto::kMaxPemSize);
    if (!file) {
      IKE_LOG_ERROR("Private-key-directory {}: {}, ignored", p.string(), file.error().detail);
      continue;
    }
    auto key = crypto::rsa_private_key_from_pem(base::view(*file));
    if (!key) {
      IKE_LOG_DEBUG(Misc, 20, "Private-key-directory {}: not an RSA private key ({}), ignored",
                    p.string(), key.error().detail);
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

}  // namespace

std::shared_ptr<engine::PkiStore> load_pki(const conf::ConfDb& conf) {
  auto pki = std::make_shared<engine::PkiStore>();
  const char* x = "X509-certificates";
  for (auto& ca : load_certs(tag(conf, x, "CA-directory", conf::kDefaultCaDirectory),
                             "CA-directory")) {
    pki->trust.add_ca(ca);
  }
  pki->certificates =
      load_certs(tag(conf, x, "Cert-directory", conf::kDefaultCertDirectory), "Cert-directory");
  for (const auto& p : files_in(tag(conf, x, "CRL-directory", conf::kDefaultCrlDirectory),
                                "CRL-directory")) {
    auto data = read_public(p);
    if (!data) continue;
    auto st = pki->trust.add_crl_pem(base::view(*data));
    if (!st) IKE_LOG_WARN("CRL-directory {}: {}, ignored", p.string(), st.error().detail);
  }
  pki->trust.set_accept_self_signed(conf.get(x, "Accept-self-signed").has_value());

  pki->send_certificate = send_certificate(conf);

  std::string key_path = tag(conf, x, "Private-key", conf::kDefaultPrivateKey);
  pki->private_key = load_private_key(key_path, "Private-key", true);
  load_id_private_keys(tag(conf, x, "Private-key-directory", conf::kDefaultPrivateKeyDirectory),
                       key_path, *pki);

  // isakmpd(8): "a copy of the public key, suitable for transfer to other hosts, is extracted to
  // /etc/isakmpd/local.pub": the file next to the private/ directory. It is not needed to run;
  // a copy that does not belong to local.key would make the peers fail, so say so.
  fs::path pub = fs::path(key_path).parent_path().parent_path() / "local.pub";
  std::error_code ec;
  if (pki->private_key && fs::is_regular_file(pub, ec)) {
    auto data = read_public(pub);
    auto k = data ? crypto::rsa_public_key_from_pem(base::view(*data))
                  : base::Result<crypto::RsaPublicKey>(base::Error{});
    if (!k || !k->same_key(pki->private_key->public_key())) {
      IKE_LOG_WARN("{} is not the public half of {}: peers using it as our raw public key will "
                   "fail (regenerate: openssl rsa -in {} -pubout -out {})",
                   pub.string(), key_path, key_path, pub.string());
    }
  }
  load_pubkeys(tag(conf, "General", "Pubkey-directory", conf::kDefaultPubkeyDirectory), *pki);
  IKE_LOG_DEBUG(Misc, 10,
                "PKI: {} CA(s), {} certificate(s), {} CRL(s), {} public key(s), private key {}, "
                "{} ID private key(s)",
                pki->trust.ca_count(), pki->certificates.size(), pki->trust.crl_count(),
                pki->pubkeys.size(), pki->private_key ? "loaded" : "none",
                pki->id_private_keys.size());
  return pki;
}

}  // namespace ike::daemon
