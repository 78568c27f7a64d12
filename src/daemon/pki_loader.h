// Loads the RSA_SIG and ECDSA_256/384/521 (RFC 4754) credentials from the files isakmpd(8) names (features §1.8, §2.4) into an
// engine::PkiStore, at start and on every reload (SIGHUP, FIFO R):
//   [X509-certificates]:CA-directory   every PEM certificate file: trust anchors
//   [X509-certificates]:Cert-directory every PEM certificate file: ours and known peers'
//   [X509-certificates]:CRL-directory  every PEM CRL file (CRL checking is on when one loaded)
//   [X509-certificates]:Private-key    our RSA or EC (P-256/384/521) key (local.key); owner/mode checked on the open
//                                      descriptor (conf::read_secret_file), as isakmpd.conf
//   [X509-certificates]:Private-key-directory  one RSA or EC key per local ID, the file named after
//                                      the ID ("10.0.0.1", "gw.example.org"), mode-checked like
//                                      Private-key; used instead of Private-key for that ID
//   [X509-certificates]:Send-certificate  always (default) | if-requested | never
//   [X509-certificates]:Accept-self-signed  present: self-signed peer certificates are accepted
//   [General]:Pubkey-directory         {ipv4,ipv6,fqdn,ufqdn}/<id> PEM public keys (PUBLIC KEY
//                                      or RSA PUBLIC KEY; EC P-256/384/521 keys too); IPv6 names are canonicalised ("::")
// A file that fails to load is logged (which file, why) and skipped, like isakmpd; a missing
// directory or key is not an error (PSK-only setups have none). Files are read with a size cap,
// through PrivOps (the privileged monitor with privilege separation); symlinks are not followed.
#pragma once

#include <memory>

#include "conf/conf_db.h"
#include "daemon/priv_ops.h"
#include "engine/pki_store.h"

namespace ike::daemon {

std::shared_ptr<engine::PkiStore> load_pki(const conf::ConfDb& conf, PrivOps& ops);
std::shared_ptr<engine::PkiStore> load_pki(const conf::ConfDb& conf);  // DirectPrivOps

}  // namespace ike::daemon
