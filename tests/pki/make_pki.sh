#!/bin/bash
# Test PKI for RSA_SIG tests, scripted from the isakmpd(8) "PUBLIC KEY AUTHENTICATION" recipes
# (a CA from `openssl req -x509`, host keys from `openssl genrsa`, CSRs signed by the CA with a
# subjectAltName extension: IP:<address> or DNS:<fqdn>), plus what the tests need beyond them:
# a revoked certificate with a CRL (`openssl ca -revoke`, `-gencrl`), a certificate without
# subjectAltName, a self-signed host certificate, and raw public keys (local.pub style).
#
# usage: [REVOKE="NAME ..."] make_pki.sh OUTDIR [NAME=SAN[,SAN...] ...]
#   Without NAME arguments the default set used by the unit and engine tests is made:
#     hosta    IP:10.0.0.1, DNS:a.example.org, email:user@a.example.org
#     hostb    IP:10.0.0.2, DNS:b.example.org
#     hostv6   IP:fd00::1
#     revoked  IP:10.0.0.3                       (listed in crls/ca.crl)
#     nosan    (no subjectAltName; subject CN=nosan.example.org,O=ike-test)
#     self     IP:10.0.0.4, self-signed (not issued by the CA)
#     multi    DNS:first.example.org, IP:10.0.0.9 (the matching SAN is not the first)
#     hostv6b  IP:fd00::2
#     ca2/ca.crt   a second CA (CN=ike-test CA2), and hosta-ca2/cert.pem: hosta's key certified
#                  by it (IP:10.0.0.1), for CERT_REQ CA selection
#     ec256a/ec384a/ec521a  EC keys on P-256/P-384/P-521, IP:10.0.0.1, DNS:a.example.org
#     ec256b/ec384b/ec521b  EC keys on P-256/P-384/P-521, IP:10.0.0.2 (ECDSA_256/384/521,
#                  RFC 4754; certificates issued by the RSA CA)
# REVOKE names host certificates to revoke in the CRL (default set: "revoked").
# EC_CURVE=P-256|P-384|P-521 makes the NAME hosts' keys EC keys on that curve instead of RSA
# (`openssl genpkey -algorithm EC`, "PRIVATE KEY" PKCS#8 PEM); the CA stays RSA.
# Layout (isakmpd's): OUTDIR/ca/ca.crt, OUTDIR/crls/ca.crl, OUTDIR/<name>/{cert.pem,key.pem,
# pub.pem} (key.pem mode 0600), OUTDIR/ca/ca.key. 2048-bit keys (KEY_BITS=4096 for larger
# certificates and signatures, e.g. the IKE fragmentation interop case), SHA-256, valid 30 days.
set -euo pipefail
bits=${KEY_BITS:-2048}
out=${1:?usage: make_pki.sh OUTDIR [NAME=SAN,...]}
shift
mkdir -p "$out/ca" "$out/crls" "$out/db"
cd "$out"
umask 077
if [ $# -eq 0 ]; then
  set -- "hosta=IP:10.0.0.1,DNS:a.example.org,email:user@a.example.org" \
         "hostb=IP:10.0.0.2,DNS:b.example.org" "hostv6=IP:fd00::1" \
         "revoked=IP:10.0.0.3" "nosan=" "multi=DNS:first.example.org,IP:10.0.0.9" \
         "hostv6b=IP:fd00::2"
  with_defaults=1
else
  with_defaults=0
fi

# The CA (isakmpd(8): openssl req -x509 ... -keyout ca.key -out ca.crt).
openssl genrsa -out ca/ca.key "$bits" 2>/dev/null
openssl req -x509 -new -key ca/ca.key -sha256 -days 30 -subj "/O=ike-test/CN=ike-test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out ca/ca.crt 2>/dev/null
: > db/index.txt
echo 1000 > db/serial
echo 1000 > db/crlnumber
cat > db/ca.cnf <<CNF
[ca]
default_ca = test_ca
[test_ca]
database = $out/db/index.txt
serial = $out/db/serial
crlnumber = $out/db/crlnumber
new_certs_dir = $out/db
certificate = $out/ca/ca.crt
private_key = $out/ca/ca.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
organizationName = optional
commonName = supplied
CNF

host() {  # name san-list [curve]
  local name=$1 san=$2 curve=${3:-${EC_CURVE:-}}
  mkdir -p "$name"
  if [ -n "$curve" ]; then
    openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" \
      -pkeyopt ec_param_enc:named_curve -out "$name/key.pem" 2>/dev/null
    openssl pkey -in "$name/key.pem" -pubout -out "$name/pub.pem" 2>/dev/null
  else
    openssl genrsa -out "$name/key.pem" "$bits" 2>/dev/null
    openssl rsa -in "$name/key.pem" -pubout -out "$name/pub.pem" 2>/dev/null
  fi
  local cn=${san#*:}; cn=${cn%%,*}; [ -n "$san" ] || cn="$name.example.org"
  openssl req -new -key "$name/key.pem" -subj "/O=ike-test/CN=$cn" -out "$name/req.csr"
  {
    echo "[ext]"
    echo "basicConstraints=CA:FALSE"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } > "$name/ext.cnf"
  openssl ca -batch -config db/ca.cnf -extfile "$name/ext.cnf" -extensions ext \
    -in "$name/req.csr" -out "$name/cert.pem" -notext 2>/dev/null
}

for spec in "$@"; do host "${spec%%=*}" "${spec#*=}"; done

if [ "$with_defaults" = 1 ]; then
  # A self-signed host certificate (isakmpd(8): Accept-self-signed).
  mkdir -p self
  openssl genrsa -out self/key.pem 2048 2>/dev/null
  openssl rsa -in self/key.pem -pubout -out self/pub.pem 2>/dev/null
  openssl req -x509 -new -key self/key.pem -sha256 -days 30 -subj "/O=ike-test/CN=10.0.0.4" \
    -addext subjectAltName=IP:10.0.0.4 -out self/cert.pem 2>/dev/null
  REVOKE="${REVOKE:-} revoked"
  # A second CA and hosta's key certified by it (CERT_REQ naming a CA).
  mkdir -p ca2 hosta-ca2
  openssl genrsa -out ca2/ca.key 2048 2>/dev/null
  openssl req -x509 -new -key ca2/ca.key -sha256 -days 30 -subj "/O=ike-test/CN=ike-test CA2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out ca2/ca.crt 2>/dev/null
  printf '[ext]\nbasicConstraints=CA:FALSE\nsubjectAltName=IP:10.0.0.1\n' > hosta-ca2/ext.cnf
  openssl x509 -req -in hosta/req.csr -CA ca2/ca.crt -CAkey ca2/ca.key -set_serial 7 -days 30 \
    -sha256 -extfile hosta-ca2/ext.cnf -extensions ext -out hosta-ca2/cert.pem 2>/dev/null
  chmod 0644 ca2/ca.crt
  # EC host keys for ECDSA_256/384/521 (RFC 4754).
  for c in 256 384 521; do
    host "ec${c}a" "IP:10.0.0.1,DNS:a.example.org" "P-$c"
    host "ec${c}b" "IP:10.0.0.2" "P-$c"
  done
fi
for r in ${REVOKE:-}; do openssl ca -batch -config db/ca.cnf -revoke "$r/cert.pem" 2>/dev/null; done
# The CRL (isakmpd(8): CRLs in /etc/isakmpd/crls/).
openssl ca -batch -config db/ca.cnf -gencrl -out crls/ca.crl 2>/dev/null
chmod 0644 ca/ca.crt crls/ca.crl */cert.pem */pub.pem
