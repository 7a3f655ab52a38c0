#!/usr/bin/env bash
# test_fuzz_seeds.sh - the fuzz harnesses of tests/fuzz/ in `make test`: every committed seed
# once (tests/fuzz/corpus/; a seed that once crashed a harness stays there as its regression
# test), then a few seconds of fuzzing each, from a fresh corpus so that runs do not drift.
# Root: fuzz_xdp_diff loads the XDP program. `make fuzz` is the long run.
set -eu
BUILD=${BUILD:-build}
work=$BUILD/tests/fuzz/test-run
rm -rf "$work"
mkdir -p "$work"
if ! bash tests/fuzz/run.sh "$BUILD" "${FUZZ_TEST_SECONDS:-8}" "$work" core bgp xdp_diff; then
	echo "the inputs and logs are kept in $work"
	exit 1
fi
rm -rf "$work"
