# openais-rs: build, test and install.
#
#   make                 build everything (release): executables, libraries, C tests
#   make run             start one aisexec in the foreground on conf/single-node.conf
#   make check           run every test stage; each prints "N passed, M failed"
#   make bench           figures, never judged: openais-rs (and corosync 3 when
#                        installed) on 3-node clusters, one markdown table
#                        (ctests/bench-cluster; BENCH_ARGS=--quick for a short
#                        run, --rounds N, --no-corosync; not part of check)
#   make fuzz            run each fuzz target (fuzz/, nightly + cargo-fuzz) for
#                        FUZZ_SECONDS (600) seconds, one after the other
#   make headers         regenerate include/openais/*.h from libsa/abi (cbindgen)
#   make install         DESTDIR=... PREFIX=/usr/local (LIBDIR, INCLUDEDIR, SBINDIR,
#                        SYSCONFDIR, MANDIR, PKGCONFIGDIR, SYSTEMDUNITDIR overridable)
#   make uninstall       remove exactly what install put there

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
DESTDIR    ?=
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
FUZZ_SECONDS ?= 600
BENCH_ARGS ?=

CARGO   ?= cargo
CC      ?= cc
CFLAGS  ?= -O2 -g
TARGET  := target/release
BUILD   := build
LIBOUT  := $(BUILD)/lib
CTESTOUT := $(BUILD)/ctests

# Each C library: <file name>:<crate folder under libsa/>. A library is built
# only once its version script exists (a service that does not exist yet
# has no library). The static archive of crate sa-<folder> is linked into
# lib<name>.so.2.0.0 with openais's soname and symbol versions.
LIBRARY_TABLE := SaClm:clm SaCkpt:ckpt SaEvt:evt SaLck:lck SaAmf:amf SaMsg:msg evs:evs cpg:cpg ais:ais
LIBRARIES := $(foreach e,$(LIBRARY_TABLE),$(if $(wildcard libsa/$(word 2,$(subst :, ,$(e)))/lib$(word 1,$(subst :, ,$(e))).versions),$(e)))
LIBNAMES  := $(foreach e,$(LIBRARIES),$(word 1,$(subst :, ,$(e))))
# The SA Forum libraries are also linked as -lsaClm (the spelling of the
# openais manual) besides -lSaClm (the file name).
lowerfirst = $(if $(filter Sa%,$(1)),sa$(patsubst Sa%,%,$(1)),)

EXECUTABLES := aisexec ais-keygen openais-cfgtool
HEADERS     := $(wildcard include/openais/*.h)
CTEST_SRCS  := $(wildcard ctests/*.c)
CTESTS      := $(patsubst ctests/%.c,$(CTESTOUT)/%,$(CTEST_SRCS))
# Manual pages (man/<name>.<section>), the systemd unit and the logrotate
# snippet (dist/), and a pkg-config file per library plus openais.pc.
MANPAGES    := $(wildcard man/*.3 man/*.5 man/*.8)
VERSION     := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)
PCFILES     := $(foreach n,$(LIBNAMES),lib$(n).pc) openais.pc
pc_desc_SaClm  := SA Forum Cluster Membership Service (CLM) B.01.01
pc_desc_SaCkpt := SA Forum Checkpoint Service (CKPT) B.01.01
pc_desc_SaEvt  := SA Forum Event Service (EVT) B.01.01
pc_desc_SaLck  := SA Forum Lock Service (LCK) B.01.01
pc_desc_SaMsg  := SA Forum Message Service (MSG) B.01.01
pc_desc_SaAmf  := SA Forum Availability Management Framework (AMF) B.01.01
pc_desc_evs    := openais extended virtual synchrony group messaging (EVS)
pc_desc_cpg    := openais closed process group messaging (CPG)
pc_desc_ais    := every SA Forum call of openais-rs in one library

.PHONY: all build libs ctests headers check-headers check bench fuzz run install install-dist uninstall clean FORCE

all: build libs ctests

build:
	$(CARGO) build --release --workspace

# Link one library: lib<name>.so.2.0.0 from target/release/libsa_<folder>.a.
define link_library
$(LIBOUT)/lib$(1).so.2.0.0: build libsa/$(2)/lib$(1).versions
	@mkdir -p $(LIBOUT)
	$(CC) -shared -o $$@ -Wl,--whole-archive $(TARGET)/libsa_$(2).a -Wl,--no-whole-archive \
		-Wl,--version-script=libsa/$(2)/lib$(1).versions -Wl,-soname,lib$(1).so.2 \
		-Wl,--gc-sections -Wl,-z,relro -Wl,-z,now -lpthread -ldl -lm -lc
	ln -sf lib$(1).so.2.0.0 $(LIBOUT)/lib$(1).so.2
	ln -sf lib$(1).so.2 $(LIBOUT)/lib$(1).so
	$(if $(call lowerfirst,$(1)),ln -sf lib$(1).so.2 $(LIBOUT)/lib$(call lowerfirst,$(1)).so)
endef
$(foreach e,$(LIBRARIES),$(eval $(call link_library,$(word 1,$(subst :, ,$(e))),$(word 2,$(subst :, ,$(e))))))

libs: $(foreach n,$(LIBNAMES),$(LIBOUT)/lib$(n).so.2.0.0)

# A C test names what it links with in its first line: /* link: -lsaClm -lpthread */
# The headers in ctests/ (shared by the programs) count as every program's source.
$(CTESTOUT)/%: ctests/%.c $(HEADERS) libs FORCE
	@mkdir -p $(CTESTOUT)
	@if [ ! -e $@ ] || [ $< -nt $@ ] || [ -n "$$(find $(LIBOUT) $(wildcard ctests/*.h) -newer $@ -print -quit)" ]; then \
		link=$$(sed -n '1s|.*link:\(.*\)\*/.*|\1|p' $<); \
		echo "$(CC) $< -> $@ ($$link)"; \
		$(CC) -std=gnu99 -Wall -Wextra -Werror $(CFLAGS) -Iinclude -o $@ $< \
			-L$(LIBOUT) -Wl,-rpath,$(abspath $(LIBOUT)) $$link; \
	fi

ctests: $(CTESTS)

FORCE:

headers:
	$(CARGO) run --quiet -p xtask -- headers

check-headers:
	$(CARGO) run --quiet -p xtask -- check-headers

check: all
	bash scripts/check

bench: libs ctests
	PROFILE=release bash ctests/bench-cluster $(BENCH_ARGS)

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz

run: all
	bash scripts/run-single-node

install: all
	install -d $(DESTDIR)$(INCLUDEDIR)/openais $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(SYSCONFDIR)/ais
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/openais/
	$(foreach n,$(LIBNAMES),install -m 0755 $(LIBOUT)/lib$(n).so.2.0.0 $(DESTDIR)$(LIBDIR)/ && \
		ln -sf lib$(n).so.2.0.0 $(DESTDIR)$(LIBDIR)/lib$(n).so.2 && \
		ln -sf lib$(n).so.2 $(DESTDIR)$(LIBDIR)/lib$(n).so && \
		$(if $(call lowerfirst,$(n)),ln -sf lib$(n).so.2 $(DESTDIR)$(LIBDIR)/lib$(call lowerfirst,$(n)).so &&) true;)
	$(foreach x,$(EXECUTABLES),install -m 0755 $(TARGET)/$(x) $(DESTDIR)$(SBINDIR)/ &&) true
	$(foreach f,$(wildcard conf/*.conf),install -m 0644 $(f) $(DESTDIR)$(SYSCONFDIR)/ais/$(notdir $(f)).example &&) true
	$(MAKE) --no-print-directory install-dist

# What a distribution package adds: manual pages, pkg-config files, the
# systemd unit and the logrotate snippet (nothing here needs a build).
install-dist:
	install -d $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	$(foreach m,$(MANPAGES),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/ &&) true
	$(foreach n,$(LIBNAMES),printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
		'Name: lib$(n)' 'Description: $(or $(pc_desc_$(n)),openais-rs lib$(n))' 'Version: $(VERSION)' \
		'Cflags: -I$${includedir}/openais -I$${includedir}' 'Libs: -L$${libdir} -l$(n)' \
		>$(DESTDIR)$(PKGCONFIGDIR)/lib$(n).pc &&) true
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' 'Name: openais' \
		'Description: openais-rs, the openais 0.80 cluster framework: every library' 'Version: $(VERSION)' \
		'Requires: $(foreach n,$(filter-out ais,$(LIBNAMES)),lib$(n))' 'Cflags: -I$${includedir}/openais -I$${includedir}' \
		>$(DESTDIR)$(PKGCONFIGDIR)/openais.pc
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/aisexec.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/aisexec.service
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/*.pc $(DESTDIR)$(SYSTEMDUNITDIR)/aisexec.service
	install -m 0644 dist/aisexec.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/aisexec

uninstall:
	rm -f $(foreach h,$(notdir $(HEADERS)),$(DESTDIR)$(INCLUDEDIR)/openais/$(h))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/openais 2>/dev/null
	rm -f $(foreach n,$(LIBNAMES),$(DESTDIR)$(LIBDIR)/lib$(n).so.2.0.0 $(DESTDIR)$(LIBDIR)/lib$(n).so.2 \
		$(DESTDIR)$(LIBDIR)/lib$(n).so $(if $(call lowerfirst,$(n)),$(DESTDIR)$(LIBDIR)/lib$(call lowerfirst,$(n)).so))
	rm -f $(foreach x,$(EXECUTABLES),$(DESTDIR)$(SBINDIR)/$(x))
	rm -f $(foreach f,$(wildcard conf/*.conf),$(DESTDIR)$(SYSCONFDIR)/ais/$(notdir $(f)).example)
	-rmdir $(DESTDIR)$(SYSCONFDIR)/ais 2>/dev/null
	rm -f $(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(foreach p,$(PCFILES),$(DESTDIR)$(PKGCONFIGDIR)/$(p)) \
		$(DESTDIR)$(SYSTEMDUNITDIR)/aisexec.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/aisexec
	-rmdir $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d 2>/dev/null

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
