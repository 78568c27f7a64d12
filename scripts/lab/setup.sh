#!/usr/bin/env bash
# scripts/lab/setup.sh: prepares the interop lab (shared docs lab.md) on Debian 12, idempotently.
#  1. apt-get installs the lab packages that are missing (strongSwan swanctl + plugins, libreswan,
#     NSS tools, tshark, tcpdump, ike-scan, scapy, nftables, iproute2, ping, a C compiler);
#  2. downloads strongswan-charon + strongswan-libcharon of exactly the installed libstrongswan
#     version and extracts them under $IKE_LAB_CACHE/charon (libreswan's package conflicts with
#     them, so they are never installed with dpkg);
#  3. builds the merged plugin directory $IKE_LAB_CACHE/plugins (libstrongswan plugins from
#     /usr/lib/ipsec/plugins + the libcharon ones from the extracted tree), which each charon
#     bind-mounts over /usr/lib/ipsec/plugins inside its own network namespace;
#  4. builds the LD_PRELOAD shim tests/interop/xfrm_noop_preload.c into
#     $IKE_LAB_CACHE/xfrm_noop_preload.so.
# Fast (no network, no compiler) when everything is already in place. Prints what it did.
# Environment: IKE_LAB_CACHE (default /var/cache/isakmpd-lab), IKE_LAB_NO_APT=1 (never apt-get).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${IKE_LAB_CACHE:-/var/cache/isakmpd-lab}

say() { echo "lab-setup: $*"; }
die() { echo "lab-setup: ERROR: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (apt-get, /var/cache)"

lab_packages=(strongswan-swanctl libstrongswan libstrongswan-standard-plugins
  libstrongswan-extra-plugins libcharon-extra-plugins libcharon-extauth-plugins libreswan
  libnss3-tools tshark tcpdump ike-scan python3-scapy nftables iproute2 iputils-ping procps
  gcc libc6-dev)

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# 1. packages
missing=()
for p in "${lab_packages[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $st == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ ${IKE_LAB_NO_APT:-0} == 1 ]] && die "missing packages and IKE_LAB_NO_APT=1: ${missing[*]}"
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  say "packages: all ${#lab_packages[@]} present"
fi

# 2. charon + libcharon of the exact libstrongswan version
ver=$(dpkg-query -W -f='${Version}' libstrongswan)
prefix="$cache/charon"
if [[ -x $prefix/usr/lib/ipsec/charon && $(cat "$prefix/.version" 2>/dev/null) == "$ver" ]]; then
  say "charon $ver: already extracted in $prefix"
else
  say "charon $ver: downloading strongswan-charon and strongswan-libcharon"
  rm -rf "$prefix" "$cache/debs"
  mkdir -p "$cache/debs" "$prefix"
  fetch() {
    (cd "$cache/debs" && apt-get download -q "strongswan-charon=$ver" "strongswan-libcharon=$ver")
  }
  if ! fetch; then
    [[ ${IKE_LAB_NO_APT:-0} == 1 ]] && die "apt-get download failed"
    apt-get update -q && fetch || die "cannot download strongswan-charon=$ver"
  fi
  for d in "$cache"/debs/*.deb; do dpkg -x "$d" "$prefix"; done
  [[ -x $prefix/usr/lib/ipsec/charon ]] || die "no charon binary after extraction in $prefix"
  echo "$ver" >"$prefix/.version"
  rm -f "$cache/plugins/.version"
  say "charon $ver: extracted to $prefix"
fi

# 3. merged plugin directory
plugins="$cache/plugins"
stamp="$ver $(ls /usr/lib/ipsec/plugins | wc -l)"
if [[ $(cat "$plugins/.version" 2>/dev/null) == "$stamp" ]]; then
  say "plugins: merged directory $plugins up to date"
else
  rm -rf "$plugins"
  mkdir -p "$plugins"
  cp -a /usr/lib/ipsec/plugins/. "$plugins/"
  cp -a "$prefix/usr/lib/ipsec/plugins/." "$plugins/"
  echo "$stamp" >"$plugins/.version"
  say "plugins: merged $(ls "$plugins" | grep -c '\.so$') plugins into $plugins"
fi
for need in kernel-netlink socket-default vici openssl; do
  [[ -e $plugins/libstrongswan-$need.so ]] || die "plugin $need missing from $plugins"
done

# 4. the preload shim
src="$root/tests/interop/xfrm_noop_preload.c"
so="$cache/xfrm_noop_preload.so"
if [[ -f $so && $so -nt $src ]]; then
  say "shim: $so up to date"
else
  cc -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wformat=2 -Werror -fPIC -shared \
    -o "$so.tmp" "$src" -ldl
  mv -f "$so.tmp" "$so"
  say "shim: built $so"
fi
say "ready: IKE_LAB_CACHE=$cache"
