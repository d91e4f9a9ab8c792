#!/usr/bin/env bash
# End-to-end check of the Debian package, on a throwaway Debian/Ubuntu machine (it installs and then
# purges gatewayd as root):
#
#   scripts/check-package.sh [--binary PATH] [--version X.Y.Z]     (arguments go to package-deb.sh)
#
# 1. builds the .deb with scripts/package-deb.sh and shows `dpkg-deb --info` / `--contents`;
# 2. `systemd-analyze verify` of the unit (a copy pointing at the unpacked binary);
# 3. `apt-get install ./gatewayd_*.deb`; checks the user, the permissions, `gatewayd --help` (also with
#    the Swift toolchain hidden, as on a target machine), `gatewayd check` of the installed registry
#    as the service user, `systemd-analyze verify` of the installed unit, and a short `gatewayd run`
#    as the service user with the unit's command line (HTTP up, SIGHUP reloads, SIGTERM stops);
# 4. `apt-get purge gatewayd`; checks that files, data, user and group are gone.
# Exits non-zero with a message at the first failure (and purges what it installed).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() { printf '\ncheck-package.sh: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and purges the package)"
for tool in apt-get dpkg dpkg-deb systemd-analyze runuser setpriv curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found (apt-get install systemd curl)"
done
# dpkg's status of gatewayd: empty or "... not-installed" when it is not on the system at all.
package_status() { dpkg-query -W -f='${Status}' gatewayd 2>/dev/null || true; }
package_present() { case "$(package_status)" in ''|*not-installed) return 1 ;; *) return 0 ;; esac; }
if package_present; then
  fail "gatewayd is already installed here; this check installs and purges it, so run it on a throwaway machine"
fi
getent passwd gatewayd >/dev/null && fail "a gatewayd user already exists; refusing to run (purge would delete it)"
[ -e /var/lib/gatewayd ] && fail "/var/lib/gatewayd already exists; refusing to run (purge would delete it)"

work="$(mktemp -d "${TMPDIR:-/tmp}/gatewayd-check.XXXXXX")"
chmod 0755 "$work" # apt's _apt user reads the .deb from here
installed=0
daemon_pid=""
cleanup() {
  status=$?
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then kill -KILL "$daemon_pid" 2>/dev/null || true; fi
  if [ "$installed" -eq 1 ]; then
    echo "    (cleaning up: apt-get purge -y gatewayd)" >&2
    apt-get purge -y -qq gatewayd >/dev/null 2>&1 || dpkg --purge gatewayd >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

packages_before="$(dpkg-query -W -f='${Package}\n' | sort)"

# ── 1. Build and inspect ────────────────────────────────────────────────────────────────────────
step "building the package: scripts/package-deb.sh --out $work $*"
deb="$("$repo_root/scripts/package-deb.sh" --out "$work" "$@" | tail -n 1)" || fail "package-deb.sh failed"
[ -f "$deb" ] || fail "package-deb.sh did not produce a .deb (got '$deb')"
ok "$(basename "$deb") ($(du -h "$deb" | cut -f1))"

step "dpkg-deb --info $(basename "$deb")"
dpkg-deb --info "$deb" || fail "dpkg-deb --info failed"
control="$(dpkg-deb --field "$deb")"
for field in 'Package: gatewayd' 'Recommends: mosquitto' 'Maintainer: ' 'Description: '; do
  grep -q "^$field" <<<"$control" || fail "control has no '$field'"
done
depends="$(dpkg-deb --field "$deb" Depends)"
for package in libmosquitto1 libsqlite3-0 libxml2 zlib1g adduser; do
  grep -Eq "(^|, )$package( |,|$)" <<<"$depends" || fail "Depends lacks $package: $depends"
done
conffiles="$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)"
for conffile in /etc/gatewayd/devices.yaml /etc/default/gatewayd; do
  grep -qx "$conffile" <<<"$conffiles" || fail "$conffile is not in DEBIAN/conffiles"
done
ok "control fields, Depends and conffiles"

step "dpkg-deb --contents $(basename "$deb")"
contents="$(dpkg-deb --contents "$deb")" || fail "dpkg-deb --contents failed"
echo "$contents"
expect_entry() { # mode path
  awk -v mode="$1" -v path="./$2" '$1 == mode && $2 == "root/root" && $NF == path { found = 1 } END { exit !found }' \
    <<<"$contents" || fail "package lacks $2 as $1 root/root"
}
expect_entry -rwxr-xr-x usr/bin/gatewayd
expect_entry -rw-r--r-- lib/systemd/system/gatewayd.service
expect_entry -rw-r----- etc/gatewayd/devices.yaml
expect_entry -rw-r----- etc/default/gatewayd
expect_entry -rw-r--r-- usr/share/doc/gatewayd/README.md
ok "contents, modes and root ownership"

# ── 2. The unit, statically ─────────────────────────────────────────────────────────────────────
step "systemd-analyze verify (unit pointing at the unpacked binary)"
dpkg-deb -x "$deb" "$work/root"
mkdir "$work/unit"
sed "s#/usr/bin/gatewayd#$work/root/usr/bin/gatewayd#g" "$work/root/lib/systemd/system/gatewayd.service" \
  > "$work/unit/gatewayd.service"
# verify exits 0 on warnings such as an unknown key, so any output at all is a failure.
verify_output="$(systemd-analyze verify "$work/unit/gatewayd.service" 2>&1)" || fail "systemd-analyze verify: $verify_output"
[ -z "$verify_output" ] || fail "systemd-analyze verify is not clean:
$verify_output"
ok "systemd-analyze verify: no output"

# ── 3. Install ──────────────────────────────────────────────────────────────────────────────────
step "apt-get install -y --no-install-recommends ./$(basename "$deb")"
installed=1
(cd "$work" && apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "./$(basename "$deb")") \
  || fail "apt-get install failed"
[ "$(package_status)" = "install ok installed" ] || fail "gatewayd is not 'install ok installed' but '$(package_status)'"
ok "installed $(dpkg-query -W -f='${Version}' gatewayd)"

step "checks on the installed package"
/usr/bin/gatewayd --help >/dev/null || fail "/usr/bin/gatewayd --help failed"
ok "/usr/bin/gatewayd --help"

if unshare -m true 2>/dev/null; then
  # A target machine has no Swift toolchain: hide it in a private mount namespace.
  swift_dirs=()
  [ -d /opt/swift ] && swift_dirs+=(/opt/swift)
  if swift_path="$(command -v swift 2>/dev/null)"; then
    runtime_dir="$(dirname "$(dirname "$(readlink -f "$swift_path")")")/lib/swift"
    [ -d "$runtime_dir" ] && [ "${runtime_dir#/opt/swift/}" = "$runtime_dir" ] && swift_dirs+=("$runtime_dir")
  fi
  if [ ${#swift_dirs[@]} -gt 0 ]; then
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare -m sh -c 'for d in "$@"; do mount -t tmpfs -o ro none "$d" || exit 2; done; exec /usr/bin/gatewayd --help >/dev/null' \
      sh "${swift_dirs[@]}" || fail "gatewayd --help fails with the Swift toolchain (${swift_dirs[*]}) hidden: it still needs the toolchain's runtime"
    ok "gatewayd --help with ${swift_dirs[*]} hidden"
  fi
else
  echo "    note: unshare -m not permitted here; skipped the run with the toolchain hidden"
fi
if ldd /usr/bin/gatewayd | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|not found'; then
  fail "/usr/bin/gatewayd still links Swift runtime libraries (above)"
fi
ok "ldd /usr/bin/gatewayd: no Swift runtime library"

getent passwd gatewayd >/dev/null || fail "user gatewayd does not exist"
getent group gatewayd >/dev/null || fail "group gatewayd does not exist"
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd gatewayd)"
[ "$gid" = "$(getent group gatewayd | cut -d: -f3)" ] || fail "gatewayd's primary group is not gatewayd"
[ "$uid" -lt 1000 ] || fail "gatewayd is not a system user (uid $uid)"
[ "$home" = /var/lib/gatewayd ] || fail "gatewayd's home is $home, not /var/lib/gatewayd"
ok "system user gatewayd (uid $uid, group gatewayd, home $home, shell $shell)"

expect_stat() { # "mode owner:group" path
  actual="$(stat -c '%a %U:%G' "$2")" || fail "$2 is missing"
  [ "$actual" = "$1" ] || fail "$2 is $actual, expected $1"
  ok "$2: $actual"
}
expect_stat "640 root:gatewayd" /etc/gatewayd/devices.yaml
expect_stat "750 root:gatewayd" /etc/gatewayd
expect_stat "640 root:root" /etc/default/gatewayd
expect_stat "755 root:root" /usr/bin/gatewayd
expect_stat "644 root:root" /lib/systemd/system/gatewayd.service

check_output="$(runuser -u gatewayd -- /usr/bin/gatewayd check /etc/gatewayd/devices.yaml 2>&1)" \
  || fail "gatewayd check /etc/gatewayd/devices.yaml (as user gatewayd) failed:
$check_output"
ok "gatewayd check /etc/gatewayd/devices.yaml, as user gatewayd: ${check_output:-no output}"
/usr/bin/gatewayd check /etc/gatewayd/devices.yaml >/dev/null 2>&1 || fail "gatewayd check /etc/gatewayd/devices.yaml failed as root"
ok "gatewayd check /etc/gatewayd/devices.yaml, as root"

verify_output="$(systemd-analyze verify /lib/systemd/system/gatewayd.service 2>&1)" \
  || fail "systemd-analyze verify of the installed unit: $verify_output"
[ -z "$verify_output" ] || fail "systemd-analyze verify of the installed unit is not clean:
$verify_output"
ok "systemd-analyze verify /lib/systemd/system/gatewayd.service: no output"

# No systemd here (a container): start the unit's command line by hand, as the service user, in the
# state directory systemd would create. The broker port is closed on purpose (gatewayd keeps
# reconnecting); the HTTP API must come up and SIGTERM must stop it cleanly.
step "gatewayd run as user gatewayd, with the unit's ExecStart (no broker), then SIGHUP and SIGTERM"
install -d -m 0700 -o gatewayd -g gatewayd /var/lib/gatewayd
exec_start="$(sed -n 's/^ExecStart=//p' /lib/systemd/system/gatewayd.service)"
read -r -a exec_start_words <<<"$exec_start"
http_port=$((20000 + RANDOM % 10000))
# setpriv, not runuser: it execs (no parent process in between to catch SIGTERM).
(cd /var/lib/gatewayd && exec setpriv --reuid=gatewayd --regid=gatewayd --init-groups -- env -i PATH=/usr/bin:/bin \
  GATEWAYD_BROKER=mqtt://127.0.0.1:1 GATEWAYD_HTTP="127.0.0.1:$http_port" \
  sh -c 'umask 0077; exec "$@"' sh "${exec_start_words[@]}") >"$work/run.log" 2>&1 &
daemon_pid=$!
healthy=0
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then healthy=1; break; fi
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.25
done
[ "$healthy" -eq 1 ] || { cat "$work/run.log" >&2; fail "gatewayd run did not answer /healthz on 127.0.0.1:$http_port"; }
ok "GET /healthz answered on 127.0.0.1:$http_port"
# What the unit's ExecReload does: SIGHUP must re-read the registry, not kill the daemon.
kill -HUP "$daemon_pid"
reloaded=0
for _ in $(seq 1 40); do
  if grep -q 'configuration reloaded' "$work/run.log"; then reloaded=1; break; fi
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.25
done
if [ "$reloaded" -ne 1 ] || ! kill -0 "$daemon_pid" 2>/dev/null; then
  cat "$work/run.log" >&2
  fail "SIGHUP (the unit's ExecReload) did not reload the configuration$(kill -0 "$daemon_pid" 2>/dev/null || echo '; it killed the daemon')"
fi
curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 || fail "/healthz does not answer after SIGHUP"
ok "SIGHUP reloaded the registry; still serving"
kill -TERM "$daemon_pid"
run_status=0
wait "$daemon_pid" || run_status=$?
daemon_pid=""
[ "$run_status" -eq 0 ] || { cat "$work/run.log" >&2; fail "gatewayd run exited $run_status after SIGTERM"; }
ok "stopped cleanly on SIGTERM"
[ -f /var/lib/gatewayd/gateway.sqlite ] || fail "no database at /var/lib/gatewayd/gateway.sqlite"
expect_stat "600 gatewayd:gatewayd" /var/lib/gatewayd/gateway.sqlite

# ── 4. Purge ────────────────────────────────────────────────────────────────────────────────────
step "apt-get purge -y gatewayd"
apt-get purge -y -q -o Dpkg::Use-Pty=0 gatewayd || fail "apt-get purge failed"
installed=0
package_present && fail "gatewayd is still known to dpkg after purge: $(package_status)"
for path in /usr/bin/gatewayd /lib/systemd/system/gatewayd.service /etc/gatewayd /etc/default/gatewayd \
            /usr/share/doc/gatewayd /var/lib/gatewayd /etc/systemd/system/multi-user.target.wants/gatewayd.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is still there after purge"; fi
done
ok "files, configuration and /var/lib/gatewayd (database) are gone"
getent passwd gatewayd >/dev/null && fail "user gatewayd is still there after purge"
getent group gatewayd >/dev/null && fail "group gatewayd is still there after purge"
ok "user and group gatewayd are gone"

packages_after="$(dpkg-query -W -f='${Package}\n' | sort)"
if [ "$packages_before" != "$packages_after" ]; then
  echo "    note: the install pulled in dependencies that are still installed:"
  comm -13 <(echo "$packages_before") <(echo "$packages_after") | sed 's/^/      /'
fi

printf '\ncheck-package.sh: PASSED (%s)\n' "$(basename "$deb")"
