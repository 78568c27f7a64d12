// load_defaults(): the isakmpd conf_load_defaults() content (see defaults.h), written straight
// into the ConfDb as is_default entries. About 13,000 sections / 41,000 entries; the whole set
// is rebuilt on every reload (measured in defaults_test: well under 50 ms in a debug build).
#include "conf/defaults.h"

#include <string>

#include "conf/autogen.h"

namespace ike::conf {

void load_defaults(ConfDb& db) {
  auto put = [&db](ConfDb::Section& sec, std::string_view tag, std::string_view value) {
    auto it = sec.tags.find(tag);
    if (it == sec.tags.end()) {
      sec.tags.emplace(std::string(tag), ConfDb::Value{std::string(value), true, db.m_next_seq++});
      ++db.m_entries;
    } else if (it->second.is_default) {
      it->second.text.assign(value);  // refresh; non-default values are never touched
    }
  };
  auto section = [&db](std::string_view name) -> ConfDb::Section& {
    return db.section_for_write(name);
  };
  auto user_value = [&db](std::string_view s, std::string_view t) -> std::optional<std::string> {
    const ConfDb::Value* v = db.find_value(s, t);
    if (v == nullptr || v->is_default) return std::nullopt;
    return v->text;
  };

  {
    ConfDb::Section& g = section("General");
    put(g, "Retransmits", kDefaultRetransmits);
    put(g, "Exchange-max-time", kDefaultExchangeMaxTime);
    put(g, "Use-Keynote", kDefaultUseKeynote);
    put(g, "Policy-file", kDefaultPolicyFile);
    put(g, "Pubkey-directory", kDefaultPubkeyDirectory);
  }
  {
    ConfDb::Section& x = section("X509-certificates");
    put(x, "CA-directory", kDefaultCaDirectory);
    put(x, "Cert-directory", kDefaultCertDirectory);
    put(x, "Private-key", kDefaultPrivateKey);
    put(x, "Private-key-directory", kDefaultPrivateKeyDirectory);
    put(x, "CRL-directory", kDefaultCrlDirectory);
  }
  put(section("KeyNote"), "Credential-directory", kDefaultCredentialDirectory);
  put(section("General"), "Delete-SAs", kDefaultDeleteSas);

  {
    auto p1 = user_value("General", "Default-phase-1-lifetime");
    ConfDb::Section& mm = section(kLifeMainModeSection);
    put(mm, "LIFE_TYPE", kDefaultLifeType);
    put(mm, "LIFE_DURATION", p1 ? std::string_view(*p1) : kDefaultPhase1Lifetime);
    auto p2 = user_value("General", "Default-phase-2-lifetime");
    ConfDb::Section& qm = section(kLifeQuickModeSection);
    put(qm, "LIFE_TYPE", kDefaultLifeType);
    put(qm, "LIFE_DURATION", p2 ? std::string_view(*p2) : kDefaultPhase2Lifetime);
  }
  {
    ConfDb::Section& c = section(kDefaultPhase1ConfigSection);
    put(c, "EXCHANGE_TYPE", kDefaultPhase1ExchangeType);
    put(c, "Transforms", kDefaultPhase1Transforms);
  }

  for_each_mm_transform([&](const MmTransform& t) {
    ConfDb::Section& s = section(t.name);
    put(s, "ENCRYPTION_ALGORITHM", t.encryption);
    if (!t.key_length.empty()) put(s, "KEY_LENGTH", t.key_length);
    put(s, "HASH_ALGORITHM", t.hash);
    put(s, "AUTHENTICATION_METHOD", t.auth);
    put(s, "GROUP_DESCRIPTION", t.group);
    put(s, "Life", kLifeMainModeSection);
  });

  put(section("Phase 1"), "Default", kDefaultPhase1PeerSection);
  {
    auto id = user_value("General", "Default-phase-1-ID");
    ConfDb::Section& p = section(kDefaultPhase1PeerSection);
    put(p, "Phase", "1");
    put(p, "Configuration", kDefaultPhase1ConfigSection);
    if (id) put(p, "ID", *id);
  }

  for_each_qm_suite([&](const QmSuite& q) {
    put(section(q.suite), "Protocols", q.protocol);
    ConfDb::Section& p = section(q.protocol);
    put(p, "PROTOCOL_ID", q.protocol_id);
    put(p, "Transforms", q.transform);
    ConfDb::Section& x = section(q.transform);
    put(x, "TRANSFORM_ID", q.transform_id);
    if (!q.key_length.empty()) put(x, "KEY_LENGTH", q.key_length);
    put(x, "ENCAPSULATION_MODE", q.encapsulation);
    if (!q.auth.empty()) put(x, "AUTHENTICATION_ALGORITHM", q.auth);
    if (!q.group.empty()) put(x, "GROUP_DESCRIPTION", q.group);
    put(x, "Life", kLifeQuickModeSection);
  });
}

}  // namespace ike::conf
