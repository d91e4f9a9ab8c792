#!/usr/bin/env bash
# Builds gatewayd_<version>_<arch>.deb: the daemon, its systemd unit, the sample registry and an
# environment template, with a postinst that creates the `gatewayd` system user.
#
#   scripts/package-deb.sh [--binary PATH] [--version X.Y.Z] [--out DIR] [--no-strip]
#
#   --binary PATH   gatewayd executable to package (default .build/release/gatewayd; when that is
#                   missing it is built with `swift build -c release --product gatewayd
#                   --static-swift-stdlib`). It must not link the Swift runtime dynamically: a target
#                   machine has no /opt/swift, so the runtime (stdlib, Foundation, Dispatch, ICU data)
#                   has to be linked in statically.
#   --version V     package version (default: `git describe --tags` of a v* tag, else 0.2.0)
#   --out DIR       where to write the .deb (default .build/packages)
#   --no-strip      keep the DWARF debug info (a release build carries ~70 MB of it); by default it
#                   is removed with `objcopy --strip-debug` (the symbol table stays, so backtraces
#                   and perf still show function names)
#
# Prints the path of the .deb on its last line.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_version="0.2.0"

die() { echo "package-deb.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

binary=""
version=""
out_dir="$repo_root/.build/packages"
strip_debug=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || die "--binary needs a path"; binary="$2"; shift 2 ;;
    --binary=*) binary="${1#*=}"; shift ;;
    --version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out_dir="$2"; shift 2 ;;
    --out=*) out_dir="${1#*=}"; shift ;;
    --no-strip) strip_debug=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

for tool in dpkg-deb dpkg ldd install; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (this script runs on Debian/Ubuntu)"
done

# ── Version ─────────────────────────────────────────────────────────────────────────────────────
if [ -z "$version" ]; then
  version="$default_version"
  if described="$(git -C "$repo_root" describe --tags --match 'v[0-9]*' 2>/dev/null)"; then
    # v1.2.3 → 1.2.3; v1.2.3-4-gabcdef0 (4 commits after the tag) → 1.2.3+git4.gabcdef0
    described="${described#v}"
    if [[ "$described" =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
      described="${BASH_REMATCH[1]}+git${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
    fi
    version="$described"
  fi
fi
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] \
  || die "version '$version' is not a valid Debian upstream version (digits first; letters, digits, . + ~)"

arch="$(dpkg --print-architecture)"

# ── Binary ──────────────────────────────────────────────────────────────────────────────────────
static_build=(swift build -c release --product gatewayd --static-swift-stdlib)
if [ -z "$binary" ]; then
  binary="$repo_root/.build/release/gatewayd"
  if [ ! -x "$binary" ]; then
    echo "==> $binary missing; building: ${static_build[*]}" >&2
    (cd "$repo_root" && "${static_build[@]}") >&2
  fi
fi
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then die "binary '$binary' does not exist or is not executable"; fi

# The Swift runtime lives in the toolchain (e.g. /opt/swift/usr/lib/swift/linux) on the build
# machine and nowhere on a target machine.
swift_runtime_re='(^|[[:space:]/])(libswift[^/ ]*|libFoundation[^/ ]*|lib_Foundation[^/ ]*|libdispatch|libBlocksRuntime|libXCTest|libTesting)\.so'
ldd_output="$(ldd "$binary" 2>&1)" || die "ldd failed on $binary: $ldd_output"
if runtime_libs="$(grep -E "$swift_runtime_re" <<<"$ldd_output")"; then
  die "$binary links the Swift runtime dynamically; a target machine does not have these:
$runtime_libs
Rebuild it with the runtime linked in statically:
    ${static_build[*]}
(or pass that build's .build/release/gatewayd with --binary)."
fi
if missing="$(grep 'not found' <<<"$ldd_output")"; then
  die "$binary needs libraries that are not installed here:
$missing"
fi

# ── Package tree ────────────────────────────────────────────────────────────────────────────────
for file in packaging/gatewayd.service packaging/gatewayd.default packaging/debian/postinst \
            packaging/debian/prerm packaging/debian/postrm devices.yaml README.md; do
  [ -f "$repo_root/$file" ] || die "$repo_root/$file is missing"
done

stage="$(mktemp -d "${TMPDIR:-/tmp}/gatewayd-deb.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
root="$stage/gatewayd_${version}_${arch}"

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/doc/gatewayd"
install -d -m 0750 "$root/etc/gatewayd"
install -m 0755 "$binary" "$root/usr/bin/gatewayd"
if [ "$strip_debug" -eq 1 ]; then
  command -v objcopy >/dev/null 2>&1 || die "objcopy not found (apt-get install binutils), or pass --no-strip"
  objcopy --strip-debug "$root/usr/bin/gatewayd"
fi
install -m 0644 "$repo_root/packaging/gatewayd.service" "$root/lib/systemd/system/gatewayd.service"
# Shipped 0640 so that they are never world-readable, not even between unpack and postinst, which
# gives the registry to group gatewayd.
install -m 0640 "$repo_root/devices.yaml" "$root/etc/gatewayd/devices.yaml"
install -m 0640 "$repo_root/packaging/gatewayd.default" "$root/etc/default/gatewayd"
install -m 0644 "$repo_root/README.md" "$root/usr/share/doc/gatewayd/README.md"
for script in postinst prerm postrm; do
  install -m 0755 "$repo_root/packaging/debian/$script" "$root/DEBIAN/$script"
done
printf '%s\n' /etc/gatewayd/devices.yaml /etc/default/gatewayd > "$root/DEBIAN/conffiles"

# Dependencies: the shared libraries the binary links (with minimum versions, from dpkg-shlibdeps
# when dpkg-dev is installed), plus adduser for postinst.
depends="libmosquitto1, libsqlite3-0, libxml2, zlib1g, libc6, libstdc++6, libgcc-s1"
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
  mkdir -p "$stage/shlibs/debian"
  printf 'Source: gatewayd\n\nPackage: gatewayd\nArchitecture: any\n' > "$stage/shlibs/debian/control"
  if shlibs="$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/gatewayd" 2>/dev/null)"; then
    computed="$(sed -n 's/^shlibs:Depends=//p' <<<"$shlibs")"
    [ -n "$computed" ] && depends="$computed"
  fi
fi
depends="$depends, adduser"
# The brief's minimum set must be there whatever dpkg-shlibdeps said.
for package in libmosquitto1 libsqlite3-0 libxml2 zlib1g; do
  grep -Eq "(^|, )$package( |,|$)" <<<"$depends" || depends="$depends, $package"
done

maintainer="${DEBFULLNAME:-$(git -C "$repo_root" config user.name 2>/dev/null || echo "gatewayd maintainers")}"
maintainer_email="${DEBEMAIL:-$(git -C "$repo_root" config user.email 2>/dev/null || echo "root@localhost")}"
installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"

cat > "$root/DEBIAN/control" <<EOF
Package: gatewayd
Version: $version
Architecture: $arch
Maintainer: $maintainer <$maintainer_email>
Installed-Size: $installed_size
Depends: $depends
Recommends: mosquitto
Section: net
Priority: optional
Description: smart-community device gateway (MQTT devices in, events in SQLite, alerts out)
 gatewayd subscribes to the community's devices over MQTT (and takes HTTP event
 pushes from face terminals and cameras), validates every message against the
 device registry in /etc/gatewayd/devices.yaml, stores the events in SQLite
 under /var/lib/gatewayd and raises alerts: work orders for grid workers and
 messages to residents' relatives.
 .
 The package runs it as the systemd service gatewayd.service, as the system
 user gatewayd. Settings (broker, HTTP address, work-order and message
 endpoints and tokens) go in /etc/default/gatewayd.
EOF

mkdir -p "$out_dir"
deb="$out_dir/gatewayd_${version}_${arch}.deb"
dpkg-deb --build --root-owner-group "$root" "$deb" >&2
echo "$deb"
