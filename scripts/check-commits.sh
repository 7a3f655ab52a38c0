#!/usr/bin/env bash
# check-commits.sh: every commit since this script was added follows the convention of
# DEVELOPERS.md: a subject "area: imperative summary" of at most 72 characters, then a blank
# line before any body, and body lines of at most 72 columns (a long URL or a quoted log line
# may run over; such a line holds no space).
# Usage: scripts/check-commits.sh [REV-RANGE]   (default: from the commit that added it to HEAD)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

range=${1:-}
if [ -z "$range" ]; then
	first=$(git log --diff-filter=A --format=%H -- scripts/check-commits.sh | tail -n 1)
	if [ -z "$first" ]; then
		echo "check-commits: scripts/check-commits.sh is not committed yet; nothing to check"
		exit 0
	fi
	if git rev-parse -q --verify "$first^" >/dev/null; then range="$first^..HEAD"; else range=HEAD; fi
fi

bad=0
checked=0
while read -r sha; do
	checked=$((checked + 1))
	subject=$(git log -1 --format=%s "$sha")
	problems=()
	[ ${#subject} -le 72 ] || problems+=("subject is ${#subject} characters (at most 72)")
	[[ "$subject" =~ ^[A-Za-z0-9_./+-]+(,\ ?[A-Za-z0-9_./+-]+)*:\ [^\ ] ]] ||
		problems+=("subject is not 'area: summary'")
	second=$(git log -1 --format=%B "$sha" | sed -n 2p)
	[ -z "$second" ] || problems+=("no blank line after the subject")
	long=$(git log -1 --format=%b "$sha" | awk 'length > 72 && / /' | wc -l)
	[ "$long" -eq 0 ] || problems+=("$long body line(s) over 72 columns")
	if [ ${#problems[@]} -gt 0 ]; then
		bad=$((bad + 1))
		printf 'check-commits: %s "%s"\n' "${sha:0:12}" "$subject"
		printf '    %s\n' "${problems[@]}"
	fi
done < <(git rev-list --no-merges "$range")

echo "check-commits: $checked commit(s) checked, $bad not following DEVELOPERS.md"
[ $bad -eq 0 ]
