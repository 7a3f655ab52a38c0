#!/usr/bin/env bash
# run-tests.sh: run every unit test binary, then every integration test script, print each one's
# output and a final "N passed, N failed" line. Exit non-zero if anything failed.
# Usage: run-tests.sh UNIT_BIN... -- INTEG_SCRIPT...
set -u
passed=0
failed=0
failed_names=()
phase=unit
for t in "$@"; do
	if [ "$t" = "--" ]; then phase=integ; continue; fi
	echo "=== $phase: $t"
	start=$(date +%s)
	if [ "$phase" = unit ]; then
		case $t in /*) "$t" ;; *) "./$t" ;; esac
	else
		bash "$t"
	fi
	rc=$?
	echo "=== $t: exit $rc ($(( $(date +%s) - start ))s)"
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names+=("$t")
	fi
done
echo
[ $failed -gt 0 ] && printf 'failed: %s\n' "${failed_names[@]}"
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
