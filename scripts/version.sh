#!/bin/sh
# version.sh - print edgelb's version, one line. The base version is the first line of VERSION.
# In a git work tree of this source: the base when HEAD is the tag v<base> and nothing is
# modified, else <base>+git<commits>.g<short hash>, with .dirty when tracked files are modified.
# Outside one (a tarball, a Debian build directory): VERSION as it is, because whoever exported
# the tree wrote the full version there (`git archive` leaves no .git to compute it from).
# Every form is a valid native Debian version: digits first, then only [0-9A-Za-z.+~], never '-'.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd -P)
base=$(sed -n '1{s/[[:space:]]//g;p;}' "$top/VERSION")
[ -n "$base" ] || { echo "version.sh: $top/VERSION is empty" >&2; exit 1; }

# Only this tree's own repository counts: an exported tree unpacked inside some other checkout
# (a packaging repository, say) must not take that checkout's history for its own.
if ! command -v git >/dev/null 2>&1 ||
	[ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" != "$top" ]; then
	echo "$base"
	exit 0
fi
git -C "$top" update-index -q --refresh >/dev/null 2>&1 || true
dirty=
git -C "$top" diff-index --quiet HEAD -- 2>/dev/null || dirty=.dirty
if [ -z "$dirty" ] && git -C "$top" tag --points-at HEAD 2>/dev/null | grep -qx "v$base"; then
	echo "$base"
	exit 0
fi
count=$(git -C "$top" rev-list --count HEAD)
sha=$(git -C "$top" rev-parse --short=7 HEAD)
echo "$base+git$count.g$sha$dirty"
