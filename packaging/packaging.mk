# packaging/packaging.mk - `make install` / `make uninstall` (the programs, their systemd units,
# default files, example config and manual pages, GNU-style directory variables and DESTDIR) and
# `make deb` (the Debian package, built the Debian way from packaging/debian/).
#
#   make install [PREFIX=/usr/local] [DESTDIR=...] [SYSCONFDIR=/etc] [UNITDIR=...]
#   make uninstall (same variables)   removes what install put, except a config that was edited
#   make deb                          $(BUILD)/deb/edgelb_<version>_<arch>.deb, then lintian
#
# Nothing here runs a command while make reads the makefiles (a machine without the build
# packages must still parse them): every variable is recursive, evaluated in recipes only.

PREFIX     ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR     ?= $(EXEC_PREFIX)/bin
SBINDIR    ?= $(EXEC_PREFIX)/sbin
LIBEXECDIR ?= $(EXEC_PREFIX)/libexec
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/edgelb
# /etc even under /usr/local: systemd and operators look for configuration there.
SYSCONFDIR ?= /etc
# systemd reads /usr/local/lib/systemd/system as well as the distribution's directory; the Debian
# package passes UNITDIR=/lib/systemd/system (Debian 12's systemdsystemunitdir).
UNITDIR    ?= $(PREFIX)/lib/systemd/system
INSTALL    ?= install

# What the installed system runs. The BPF programs are libbpf skeletons compiled into edgelbd and
# edgelb-decap (bpf/*.skel.h, no bpf_object__open_file anywhere): no .bpf.o is installed.
PKG_SBIN     := $(BUILD)/edgelbd $(BUILD)/edgelb-dp $(BUILD)/edgelb-decap
PKG_BIN      := $(BUILD)/edgelbctl
PKG_PROGRAMS := $(PKG_SBIN) $(PKG_BIN)
PKG_UNITS    := packaging/systemd/edgelbd.service packaging/systemd/edgelb-dp.service \
	packaging/systemd/edgelb-decap@.service
# Evaluated in recipes: the pages come from packaging/man/, written separately.
PKG_MAN5      = $(wildcard packaging/man/*.5)
PKG_MAN8      = $(wildcard packaging/man/*.8)
# The units name the Debian paths; an install elsewhere gets its own directories written in.
PKG_UNIT_SED  = -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/usr/libexec/|$(LIBEXECDIR)/|g' \
	-e 's|/etc/|$(SYSCONFDIR)/|g'

.PHONY: programs install uninstall deb

# The four programs alone (what the Debian package builds; `make` builds tests and benches too).
programs: $(PKG_PROGRAMS)

install: $(PKG_PROGRAMS)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(LIBEXECDIR)/edgelb $(DESTDIR)$(SYSCONFDIR)/edgelb \
		$(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 $(PKG_SBIN) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0755 $(PKG_BIN) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0755 packaging/edgelb-hugepages $(DESTDIR)$(LIBEXECDIR)/edgelb/hugepages
	for u in $(PKG_UNITS); do \
		sed $(PKG_UNIT_SED) $$u >$(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	@# An operator's files are never overwritten: the config may hold BGP passwords (0640).
	@set -e; for f in config/edgelb.conf:edgelb/edgelb.conf:0640 \
			packaging/default/edgelbd:default/edgelbd:0644 \
			packaging/default/edgelb-dp:default/edgelb-dp:0644; do \
		src=$${f%%:*}; rest=$${f#*:}; dst=$(DESTDIR)$(SYSCONFDIR)/$${rest%%:*}; \
		if [ -e "$$dst" ]; then echo "install: $$dst exists, kept"; \
		else echo "$(INSTALL) -m $${f##*:} $$src $$dst"; $(INSTALL) -m $${f##*:} $$src $$dst; fi; \
	done
	$(INSTALL) -m 0644 packaging/default/decap-IFACE.conf $(DESTDIR)$(DOCDIR)/examples/
	$(if $(PKG_MAN5),$(INSTALL) -m 0644 $(PKG_MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(PKG_MAN8),$(INSTALL) -m 0644 $(PKG_MAN8) $(DESTDIR)$(MANDIR)/man8/)

# Files under $(SYSCONFDIR) go only when they are still the ones install put there.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(PKG_SBIN))) \
		$(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PKG_BIN))) \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(PKG_UNITS))) \
		$(DESTDIR)$(LIBEXECDIR)/edgelb/hugepages \
		$(DESTDIR)$(DOCDIR)/examples/decap-IFACE.conf \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(PKG_MAN5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(PKG_MAN8)))
	@for f in config/edgelb.conf:edgelb/edgelb.conf packaging/default/edgelbd:default/edgelbd \
			packaging/default/edgelb-dp:default/edgelb-dp; do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${f#*:}; \
		if [ ! -e "$$dst" ]; then :; \
		elif cmp -s "$${f%%:*}" "$$dst"; then echo "rm -f $$dst"; rm -f "$$dst"; \
		else echo "uninstall: $$dst was changed, kept"; fi; \
	done
	@rmdir $(DESTDIR)$(LIBEXECDIR)/edgelb $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/edgelb 2>/dev/null || true

INTEG_TESTS += tests/integration/test_units.sh tests/integration/test_unit_caps.sh

# ---- make deb ----
# The source as git sees it (committed, modified and new files that are not ignored) is copied to
# $(BUILD)/deb/edgelb-<version>/ with VERSION holding the full version (scripts/version.sh reads
# it there, as there is no .git of its own), packaging/debian becomes its debian/, the changelog
# gets that version, and dpkg-buildpackage builds the binary package next to it.
DEB_DIR = $(BUILD)/deb

deb:
	@bash scripts/deps.sh build package
	@bash packaging/make-deb.sh "$(DEB_DIR)"
