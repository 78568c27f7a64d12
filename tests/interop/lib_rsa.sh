# tests/interop/lib_rsa.sh: RSA_SIG scenarios (case.env AUTH=rsa), sourced by lib.sh. A fresh
# test PKI is made per run with tests/pki/make_pki.sh (CA, host certificates "left" and "right"
# with IP and DNS subjectAltNames, a CRL) and every daemon's configuration written by the
# PSK helpers is then switched to signatures:
#   isakmpd   [X509-certificates] CA-/Cert-/CRL-directory and Private-key (0600) in $D,
#             [General]:Pubkey-directory $D/pubkeys, Authentication removed
#   charon    swanctl `auth = pubkey`, certs/cacerts/pubkeys/private key in $D/
#             {x509,x509ca,pubkey,private} (SWANCTL_DIR)
#   pluto     NSS db with the host's PKCS#12 and the CA (trusted CT,,), authby=rsasig
# RSA_VARIANT (case.env):
#   cert-ip       IDs are the addresses (IP SANs)
#   cert-fqdn     IDs are FQDNs left.ikt.test / right.ikt.test (DNS SANs)
#   cert-ufqdn    IDs are USER_FQDNs left@ikt.test / right@ikt.test (rfc822Name SANs, added to
#                 the certificates for this variant only)
#   revoked       the peer's certificate is revoked in the CRL our daemon has: we must reject it
#   san-mismatch  our daemon claims FQDN ID wrong.ikt.test, not in its certificate: the peer
#                 must reject it
#   pubkey        raw public keys, no certificates (isakmpd Pubkey-directory, charon pubkeys,
#                 pluto leftrsasigkey/rightrsasigkey in RFC 3110 form)
# PKI_EC_CURVE (case.env, P-256/P-384/P-521): the host keys are EC keys on that curve
# (make_pki.sh EC_CURVE; the CA stays RSA) for ECDSA_256/384/521 (RFC 4754); charon picks its
# IKEv1 ECDSA method from the key, isakmpd from ISAKMPD_P1.
# shellcheck shell=bash

IKT_RSA_FQDN_L=left.ikt.test
IKT_RSA_FQDN_R=right.ikt.test
IKT_RSA_UFQDN_L=left@ikt.test
IKT_RSA_UFQDN_R=right@ikt.test

# ikt_rsa_pki: makes $IKT_DIR/pki (once per run).
ikt_rsa_pki() {
  local pki=$IKT_DIR/pki revoke=""
  [[ -d $pki/ca ]] && return 0
  [[ ${RSA_VARIANT:-} == revoked ]] && revoke=right
  local lsan="" rsan=""
  [[ ${RSA_VARIANT:-} == cert-ufqdn ]] && lsan=",email:$IKT_RSA_UFQDN_L" rsan=",email:$IKT_RSA_UFQDN_R"
  REVOKE=$revoke KEY_BITS=${PKI_KEY_BITS:-2048} EC_CURVE=${PKI_EC_CURVE:-} \
    "$IKT_LIB_DIR/../pki/make_pki.sh" "$pki" \
    "left=IP:$IKT_L_OUT,DNS:$IKT_RSA_FQDN_L$lsan" "right=IP:$IKT_R_OUT,DNS:$IKT_RSA_FQDN_R$rsan" \
    >"$IKT_DIR/make_pki.out" 2>&1 || ikt_fail "make_pki.sh failed: $(tail -5 "$IKT_DIR/make_pki.out")"
  ikt_log "test PKI in $pki (revoked: ${revoke:-none})"
}

# ikt_rsa_ids SIDE: sets MYID PEERID (as the daemons spell them) for the variant.
ikt_rsa_ids() {
  if [[ ${RSA_VARIANT:-} == cert-fqdn ]]; then
    if [[ $1 == L ]]; then MYID=$IKT_RSA_FQDN_L PEERID=$IKT_RSA_FQDN_R; else MYID=$IKT_RSA_FQDN_R PEERID=$IKT_RSA_FQDN_L; fi
  elif [[ ${RSA_VARIANT:-} == cert-ufqdn ]]; then
    if [[ $1 == L ]]; then MYID=$IKT_RSA_UFQDN_L PEERID=$IKT_RSA_UFQDN_R; else MYID=$IKT_RSA_UFQDN_R PEERID=$IKT_RSA_UFQDN_L; fi
  else
    MYID=$ME PEERID=$PEER
  fi
}

ikt_rsa_host() { if [[ $1 == L ]]; then echo left; else echo right; fi; }
ikt_rsa_other() { if [[ $1 == L ]]; then echo right; else echo left; fi; }

# ikt_rsa_side_conf SIDE KIND: rewrites the side's configuration for RSA_SIG.
ikt_rsa_side_conf() {
  local NS ME PEER MYNET PEERNET D MYID PEERID
  ikt_side_vars "$1"
  ikt_rsa_pki
  ikt_rsa_ids "$1"
  local pki=$IKT_DIR/pki host other
  host=$(ikt_rsa_host "$1") other=$(ikt_rsa_other "$1")
  case $2 in
    isakmpd) ikt_rsa_isakmpd "$1" ;;
    strongswan) ikt_rsa_charon "$1" ;;
    libreswan) ikt_rsa_pluto "$1" ;;
  esac
}

ikt_rsa_isakmpd() {
  mkdir -p "$D/ca" "$D/certs" "$D/crls" "$D/private" "$D/pubkeys/ipv4"
  if [[ $RSA_VARIANT == pubkey ]]; then
    cp "$pki/$other/pub.pem" "$D/pubkeys/ipv4/$PEER"
  else
    cp "$pki/ca/ca.crt" "$D/ca/"
    cp "$pki/crls/ca.crl" "$D/crls/"
    cp "$pki/$host/cert.pem" "$D/certs/$host.pem"
  fi
  install -m 0600 "$pki/$host/key.pem" "$D/private/local.key"
  sed -i '/^Authentication=/d' "$D/isakmpd.conf"
  local ids=""
  if [[ $RSA_VARIANT == cert-fqdn || $RSA_VARIANT == cert-ufqdn || $RSA_VARIANT == san-mismatch ]]; then
    local mine=$MYID idtype=FQDN
    [[ $RSA_VARIANT == san-mismatch ]] && mine=wrong.ikt.test
    [[ $RSA_VARIANT == cert-ufqdn ]] && idtype=USER_FQDN
    ids="
[peer-ikt]
ID=			ikt-my-id

[ikt-my-id]
ID-type=		$idtype
Name=			$mine
"
    if [[ $RSA_VARIANT == cert-fqdn || $RSA_VARIANT == cert-ufqdn ]]; then
      ids+="
[peer-ikt]
Remote-ID=		ikt-peer-id

[ikt-peer-id]
ID-type=		$idtype
Name=			$PEERID
"
    fi
  fi
  cat >>"$D/isakmpd.conf" <<EOF

[General]
Pubkey-directory=	$D/pubkeys

[X509-certificates]
CA-directory=		$D/ca/
Cert-directory=		$D/certs/
CRL-directory=		$D/crls/
Private-key=		$D/private/local.key
$ids
EOF
}

ikt_rsa_charon() {
  local lauth rauth myid=$MYID peerid=$PEERID
  [[ $RSA_VARIANT == san-mismatch ]] && peerid=wrong.ikt.test
  # swanctl --file $D/swanctl.conf loads credentials from $D/{private,x509,x509ca,pubkey}.
  mkdir -p "$D/private" "$D/x509" "$D/x509ca" "$D/pubkey"
  install -m 0600 "$pki/$host/key.pem" "$D/private/$host.pem"
  if [[ $RSA_VARIANT == pubkey ]]; then
    cp "$pki/$host/pub.pem" "$D/pubkey/$host.pem"
    cp "$pki/$other/pub.pem" "$D/pubkey/$other.pem"
    lauth="pubkeys = $host.pem"
    rauth="pubkeys = $other.pem"
  else
    cp "$pki/$host/cert.pem" "$D/x509/$host.pem"
    cp "$pki/ca/ca.crt" "$D/x509ca/ca.pem"
    lauth="certs = $host.pem"
    rauth="cacerts = ca.pem"
  fi
  python3 - "$D/swanctl.conf" "$lauth" "$rauth" "$myid" "$peerid" "$pki/$host/key.pem" <<'PY'
import re, sys
path, lauth, rauth, myid, peerid, key = sys.argv[1:]
s = open(path).read()
s = re.sub(r"local \{\n      auth = psk\n      id = \S+",
           f"local {{\n      auth = pubkey\n      {lauth}\n      id = {myid}", s)
s = re.sub(r"remote \{\n      auth = psk\n      id = \S+",
           f"remote {{\n      auth = pubkey\n      {rauth}\n      id = {peerid}", s)
s = re.sub(r"secrets \{.*", "", s, flags=re.S)
open(path, "w").write(s)
PY
}

# ikt_rsa_3110 PEM: the RFC 3110 form libreswan's leftrsasigkey/rightrsasigkey take ("0s" base64).
ikt_rsa_3110() {
  local mod
  mod=$(openssl rsa -pubin -in "$1" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
  python3 -c 'import base64,sys; n=bytes.fromhex(sys.argv[1]); e=(65537).to_bytes(3,"big")
print("0s"+base64.b64encode(bytes([len(e)])+e+n).decode())' "$mod"
}

ikt_rsa_pluto() {
  local myid=$MYID peerid=$PEERID
  [[ $RSA_VARIANT == cert-fqdn ]] && myid="@$MYID" peerid="@$PEERID"
  [[ $RSA_VARIANT == san-mismatch ]] && peerid="@wrong.ikt.test"
  mkdir -p "$D/nss"
  certutil -N -d "sql:$D/nss" --empty-password >/dev/null 2>&1 || ikt_fail "certutil -N failed"
  if [[ $RSA_VARIANT == pubkey ]]; then
    # Raw keys: the private key enters NSS through a throw-away self-signed certificate; pluto
    # finds it by the CKAID of leftrsasigkey.
    openssl req -x509 -new -key "$pki/$host/key.pem" -subj "/CN=$host-raw" -days 30 \
      -out "$D/raw.crt" 2>/dev/null || ikt_fail "openssl req (raw key) failed"
    openssl pkcs12 -export -in "$D/raw.crt" -inkey "$pki/$host/key.pem" -name "$host" \
      -passout pass: -out "$D/$host.p12" 2>/dev/null || ikt_fail "openssl pkcs12 failed"
    pk12util -i "$D/$host.p12" -d "sql:$D/nss" -W "" >/dev/null 2>&1 || ikt_fail "pk12util failed"
    # (base64 contains '/': '|' delimits the substitution)
    sed -i -e 's|^    authby=secret|    authby=rsasig\n    leftrsasigkey='"$(ikt_rsa_3110 "$pki/$host/pub.pem")"'\n    rightrsasigkey='"$(ikt_rsa_3110 "$pki/$other/pub.pem")"'|' \
      -e "s/^    leftid=.*/    leftid=$myid/" -e "s/^    rightid=.*/    rightid=$peerid/" "$D/ipsec.conf"
    : >"$D/ipsec.secrets"
    return 0
  fi
  openssl pkcs12 -export -in "$pki/$host/cert.pem" -inkey "$pki/$host/key.pem" \
    -certfile "$pki/ca/ca.crt" -name "$host" -passout pass: -out "$D/$host.p12" 2>/dev/null ||
    ikt_fail "openssl pkcs12 failed"
  pk12util -i "$D/$host.p12" -d "sql:$D/nss" -W "" >/dev/null 2>&1 || ikt_fail "pk12util failed"
  certutil -M -n "ike-test CA" -t "CT,," -d "sql:$D/nss" >/dev/null 2>&1 ||
    certutil -A -n "ike-test CA" -t "CT,," -i "$pki/ca/ca.crt" -d "sql:$D/nss" ||
    ikt_fail "certutil: cannot trust the test CA"
  sed -i -e 's/^    authby=secret/    authby=rsasig\n    leftcert='"$host"'\n    leftrsasigkey=%cert\n    rightrsasigkey=%cert\n    leftsendcert=always/' \
    -e "s/^    leftid=.*/    leftid=$myid/" -e "s/^    rightid=.*/    rightid=$peerid/" "$D/ipsec.conf"
  : >"$D/ipsec.secrets"
}
