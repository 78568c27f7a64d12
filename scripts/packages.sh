# Debian 12 packages, shared by scripts/demo.sh, scripts/test.sh and .ci/run.
# shellcheck shell=bash
IKE_BUILD_PACKAGES=(cmake ninja-build g++ clang-14 libclang-rt-14-dev pkg-config libssl-dev libmnl-dev
  libfmt-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev libcap-ng-dev
  libseccomp-dev libmimalloc-dev libpam0g-dev libcrypt-dev iproute2 procps python3 mandoc)
IKE_LAB_PACKAGES=(strongswan-swanctl libstrongswan-standard-plugins libstrongswan-extra-plugins
  libcharon-extra-plugins libcharon-extauth-plugins libreswan libnss3-tools tshark tcpdump ike-scan
  python3-scapy python3-cryptography nftables iputils-ping)

# ike_install_missing PKG...: apt-get install only what dpkg does not already have.
ike_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}
