#!/bin/sh
# Creates what isakmpd's privilege separation needs (docs/DESIGN.md, isakmpd(8) PRIVILEGE
# SEPARATION): the unprivileged user _isakmpd (no login, no home of its own) and the empty,
# root-owned chroot directory /var/empty. Idempotent; run as root. The daemon refuses to start
# as root without them and names this script.
set -eu
user=_isakmpd
dir=/var/empty

if [ "$(id -u)" -ne 0 ]; then
  echo "install-user.sh: must be run as root" >&2
  exit 1
fi
mkdir -p "$dir"
chown root:root "$dir"
chmod 0755 "$dir"
if [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  echo "install-user.sh: warning: $dir is not empty" >&2
fi
if ! getent passwd "$user" >/dev/null; then
  nologin=/usr/sbin/nologin
  [ -x "$nologin" ] || nologin=/sbin/nologin
  [ -x "$nologin" ] || nologin=/bin/false
  if ! getent group "$user" >/dev/null; then
    groupadd --system "$user"
  fi
  useradd --system --gid "$user" --no-create-home --home-dir "$dir" --shell "$nologin" \
    --comment "isakmpd privilege separation" "$user"
fi
echo "isakmpd privilege separation: user $(id -u "$user"):$(id -g "$user") $user, chroot $dir"
