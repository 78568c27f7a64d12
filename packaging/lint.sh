#!/bin/sh
# packaging_lint (ctest, label unit): every man page in docs/man is mandoc -Tlint clean at
# warning level (style notes such as "consider using OS macro: Ox" are allowed: the pages
# describe OpenBSD behaviour on purpose), the bash completion parses, the unit file has the
# keys the daemon relies on, the maintainer scripts parse. A missing mandoc is reported and
# the man page part is skipped (install it: apt-get install mandoc).
set -eu
root=${1:?usage: lint.sh <source-root>}
fail=0
if command -v mandoc >/dev/null 2>&1; then
    for page in "$root"/docs/man/*.[1-9]; do
        if ! out=$(mandoc -Tlint -W warning "$page" 2>&1) || [ -n "$out" ]; then
            echo "mandoc -Tlint: $page"; echo "$out"; fail=1
        fi
    done
else
    echo "mandoc not installed: man page lint skipped"
fi
bash -n "$root/packaging/bash-completion/isakmpd" || fail=1
for f in "$root"/packaging/debian/postinst "$root"/packaging/debian/postrm; do
    sh -n "$f" || fail=1
done
unit="$root/packaging/isakmpd.service"
for key in '^Type=notify$' '^ExecStart=/usr/sbin/isakmpd -d' '^ExecReload=/bin/kill -HUP \$MAINPID$' \
           '^WatchdogSec=' '^PIDFile=/run/isakmpd.pid$'; do
    grep -q "$key" "$unit" || { echo "$unit: missing $key"; fail=1; }
done
if command -v systemd-analyze >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemd-analyze verify "$unit" || fail=1
fi
# The completion offers every option the daemon accepts.
for opt in -4 -6 -a -c -D -d -f -i -K -L -l -N -n -p -R -r -S -T -v --result-file --keylog \
           --status-json --metrics-file; do
    grep -q -- " $opt\b\|\"$opt\b\|W \"$opt\b" "$root/packaging/bash-completion/isakmpd" ||
        { echo "completion lacks $opt"; fail=1; }
done
exit $fail
