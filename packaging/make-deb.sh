#!/usr/bin/env bash
# make-deb.sh DIR - `make deb`: the Debian package of this tree, built the Debian way in DIR.
# The source as git sees it (committed, modified and new files that are not ignored) is copied to
# DIR/edgelb-VERSION/, VERSION there is set to the full version (scripts/version.sh prints it in
# a checkout and reads it back in a tree without .git), packaging/debian/ becomes its debian/
# with a changelog entry for that version, dpkg-buildpackage -b builds DIR/edgelb_VERSION_ARCH.deb,
# and lintian checks it: errors fail, warnings are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: make-deb.sh DIR}

git rev-parse --git-dir >/dev/null 2>&1 || { echo "make-deb.sh: needs a git checkout" >&2; exit 1; }
VERSION=$(sh scripts/version.sh)
SRC=$DIR/edgelb-$VERSION
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
SRC=$DIR/edgelb-$VERSION
rm -rf "$DIR"/edgelb-* "$DIR"/edgelb_*
mkdir -p "$SRC"

# Files that exist (a deleted tracked file is listed by git but gone); never the build output.
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
	{ grep -zv "^${DIR#"$PWD"/}/" || true; } |
	tar -c --null -T - -f - | tar -x -C "$SRC" -f -
printf '%s\n' "$VERSION" >"$SRC/VERSION"
cp -r packaging/debian "$SRC/debian"

# The maintainer of the entry is the package's; the entry says which commit it was built from.
maint=$(sed -n 's/^Maintainer: //p' packaging/debian/control)
commit=$(git rev-parse --short=12 HEAD)
dirty=$(git diff-index --quiet HEAD -- 2>/dev/null || echo ", with uncommitted changes")
{
	echo "edgelb ($VERSION) bookworm; urgency=medium"
	echo
	echo "  * Built by make deb from commit $commit$dirty."
	echo
	echo " -- $maint  $(date -R)"
} >"$SRC/debian/changelog"

echo "make-deb.sh: building edgelb $VERSION in $SRC"
(cd "$SRC" && dpkg-buildpackage -b -us -uc) >"$DIR/build.log" 2>&1 || {
	tail -n 40 "$DIR/build.log" >&2
	echo "make-deb.sh: dpkg-buildpackage failed; the whole log is $DIR/build.log" >&2
	exit 1
}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB=$DIR/edgelb_${VERSION}_$arch.deb
[ -f "$DEB" ] || { echo "make-deb.sh: $DEB was not built" >&2; exit 1; }

# What an operator relies on: the layout, the conffiles, the units disabled, the version.
contents=$(dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./|/|')
want="/usr/sbin/edgelbd /usr/sbin/edgelb-dp /usr/sbin/edgelb-decap /usr/bin/edgelbctl
	/usr/libexec/edgelb/hugepages /lib/systemd/system/edgelbd.service
	/lib/systemd/system/edgelb-dp.service /lib/systemd/system/edgelb-decap@.service
	/etc/edgelb/edgelb.conf /etc/default/edgelbd /etc/default/edgelb-dp
	/usr/share/doc/edgelb/copyright /usr/share/doc/edgelb/examples/decap-IFACE.conf"
for page in packaging/man/*.[58]; do
	[ -e "$page" ] && want+=" /usr/share/man/man${page##*.}/${page##*/}.gz"
done
for f in $want; do
	grep -qx -- "$f" <<<"$contents" || { echo "make-deb.sh: $DEB lacks $f" >&2; exit 1; }
done
conffiles=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles | sort | tr '\n' ' ')
[ "$conffiles" = "/etc/default/edgelb-dp /etc/default/edgelbd /etc/edgelb/edgelb.conf " ] || {
	echo "make-deb.sh: conffiles are: $conffiles" >&2
	exit 1
}
if grep -q '\.wants/' <<<"$contents"; then
	echo "make-deb.sh: the package enables a unit" >&2
	exit 1
fi
for p in usr/sbin/edgelbd usr/bin/edgelbctl usr/sbin/edgelb-dp usr/sbin/edgelb-decap; do
	v=$("$SRC/debian/edgelb/$p" --version 2>&1) || { echo "make-deb.sh: $p --version: $v" >&2; exit 1; }
	grep -qF "$VERSION" <<<"$v" || { echo "make-deb.sh: $p --version says '$v', not $VERSION" >&2; exit 1; }
done
echo "make-deb.sh: contents, conffiles and --version checked"

# lintian's own exit status fails on errors only; its warnings are printed for the reader.
echo "make-deb.sh: lintian $DEB"
lintian --fail-on error --display-info "$DEB" | tee "$DIR/lintian.log"
echo "make-deb.sh: $DEB"
