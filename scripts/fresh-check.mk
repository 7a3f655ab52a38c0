# fresh-check.mk - `make fresh-check`: `make demo` and `make test` (FIRST=test: test first), then
# the package, rehearsed on a freshly bootstrapped Debian 12 chroot (scripts/fresh-check.sh, whose
# head lists its FRESH_* options). Nothing here is evaluated when the makefiles are read.
FIRST ?= demo

.PHONY: fresh-check
fresh-check:
	@FIRST='$(FIRST)' bash scripts/fresh-check.sh
