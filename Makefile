# cfsboot: verified, measured composefs root file systems.
#
#   make                 build cfsboot and the static cfs-pivot into build/
#   make check           install test dependencies (apt, as root) and run every tier
#   make demo            build a signed image and boot it in qemu with a TPM
#   make install         DESTDIR=... PREFIX=... (default /usr/local)
#   make SANITIZE=1      the same, with ASan/UBSan, into build/asan/
#   make fuzz            libFuzzer targets (clang) into build/fuzz/
#
# Sources are found by wildcard: a new file in a subsystem folder
# (src/lib/*/, src/tool/*/, src/pivot/*/), tests/unit/test_*.c or
# tests/fuzz/fuzz_*.c needs no change here.  Every include names its path
# below src/ ("lib/base/log.h"), so where a header comes from is plain.

VERSION := 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=

O ?= build
DEPS ?= build/deps
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	-Wno-sign-compare -Werror=implicit-function-declaration
override CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DCFSBOOT_VERSION='"$(VERSION)"' -Isrc
override CFLAGS += -std=gnu11 $(WARNINGS) -MMD -MP -fno-strict-aliasing

ifneq ($(SANITIZE),)
O := build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
override CFLAGS += $(SAN_FLAGS)
override LDFLAGS += $(SAN_FLAGS)
endif

LIB_SRCS   := $(wildcard src/lib/*/*.c)
TOOL_SRCS  := $(wildcard src/tool/*/*.c)
PIVOT_SRCS := $(wildcard src/pivot/*/*.c)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

LIBCFS     := $(O)/libcfs.a
LIBTOOL    := $(O)/libcfstool.a
LIBPIVOT   := $(O)/libcfspivot.a
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))

# Libraries of each program.  cfs-pivot links everything statically.  The
# archives Debian does not ship are built into $(DEPS) by scripts/build-deps.sh
# (docs/building.md): tpm2-tss, libkmod, and a libcrypto reduced to what
# cfsboot uses, as Debian's libcrypto.a alone exceeds cfs-pivot's size budget.
# Their headers are on every include path, and every program links the same
# tpm2-tss: libcfs's TPM code is compiled once, against those headers.  The
# programs with the tool's code take the system's full libcrypto.
override CPPFLAGS += -isystem $(DEPS)/include
TSS_ARCHIVES  := $(addprefix $(DEPS)/lib/,libtss2-esys.a libtss2-rc.a libtss2-tcti-device.a \
	libtss2-tcti-swtpm.a libtss2-sys.a libtss2-mu.a)
DEPS_ARCHIVES := $(TSS_ARCHIVES) $(DEPS)/lib/libkmod.a
DEPS_SYSLIBS  := -lblkid -llzma -lzstd -lz
# libcurl (pull over HTTP) is the tool's alone: cfs-pivot never links it.  zstd,
# xz and zlib unpack the initramfs deploy reads (lib/initramfs), and zstd also
# the objects of compressed update repositories; a static cfs-pivot leaves that
# code out, as nothing of it calls it (its -lzstd is libkmod's).
TOOL_LIBS  := $(TSS_ARCHIVES) -lcurl -lcrypto -lzstd -llzma -lz -lpthread
PIVOT_LIBS := $(DEPS_ARCHIVES) $(DEPS)/lib/libcrypto.a $(DEPS_SYSLIBS) -lpthread
TEST_LIBS  := $(DEPS_ARCHIVES) $(DEPS_SYSLIBS) -lcurl -lcrypto -lpthread
PIVOT_LDFLAGS := -Wl,--gc-sections
ifeq ($(SANITIZE),)
PIVOT_LDFLAGS += -static
endif

all: $(O)/cfsboot $(O)/cfs-pivot

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBCFS): $(call obj,$(LIB_SRCS))
$(LIBTOOL): $(call obj,$(TOOL_SRCS))
$(LIBPIVOT): $(call obj,$(PIVOT_SRCS))
$(LIBCFS) $(LIBTOOL) $(LIBPIVOT):
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(O)/cfsboot: $(call obj,src/tool/main.c) $(LIBTOOL) $(LIBCFS)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS)

$(O)/cfs-pivot: $(call obj,src/pivot/main.c) $(LIBPIVOT) $(LIBCFS)
	$(CC) $(LDFLAGS) $(PIVOT_LDFLAGS) -o $@ $^ $(PIVOT_LIBS)
ifeq ($(SANITIZE),)
	@strip -o $@.stripped $@ && printf 'cfs-pivot: %s bytes stripped, static\n' "$$(stat -c %s $@.stripped)"
endif

# Unit tests may use any object of the tool, the helper or the library.
$(O)/tests/%: tests/unit/%.c $(LIBTOOL) $(LIBPIVOT) $(LIBCFS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBTOOL) $(LIBPIVOT) $(LIBCFS) -lcmocka $(TEST_LIBS)

unit-tests: $(UNIT_TESTS)

# libFuzzer targets: the three archives built once more with clang and
# coverage instrumentation; each target links only the objects it uses.
FUZZ_O := build/fuzz
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-sanitize-recover=all
FUZZ_SAN := -fsanitize=address,undefined
fuzzobj = $(patsubst %.c,$(FUZZ_O)/obj/%.o,$(1))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_O)/%,$(FUZZ_SRCS))
fuzz: $(FUZZ_TARGETS)
$(FUZZ_O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN),fuzzer-no-link -c -o $@ $<
$(FUZZ_O)/libcfs.a: $(call fuzzobj,$(LIB_SRCS))
$(FUZZ_O)/libcfstool.a: $(call fuzzobj,$(TOOL_SRCS))
$(FUZZ_O)/libcfspivot.a: $(call fuzzobj,$(PIVOT_SRCS))
$(FUZZ_O)/libcfs.a $(FUZZ_O)/libcfstool.a $(FUZZ_O)/libcfspivot.a:
	rm -f $@ && $(AR) rcs $@ $^
$(FUZZ_O)/%: tests/fuzz/%.c $(FUZZ_O)/libcfstool.a $(FUZZ_O)/libcfspivot.a $(FUZZ_O)/libcfs.a
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN),fuzzer -o $@ $^ $(TEST_LIBS)

check:
	tests/run-all.sh

# demo.sh installs the packages and runs make all itself: on a fresh machine
# the build needs them first.
demo:
	tests/vm/demo.sh

deps:
	scripts/build-deps.sh $(DEPS)

# Every object may include the headers of $(DEPS) and every program links its
# archives: they wait for them, and are rebuilt when they change.
$(DEPS)/.stamp: scripts/build-deps.sh
	scripts/build-deps.sh $(DEPS)
$(call obj,$(LIB_SRCS) $(TOOL_SRCS) $(PIVOT_SRCS) src/tool/main.c src/pivot/main.c) $(UNIT_TESTS): $(DEPS)/.stamp
$(call fuzzobj,$(PIVOT_SRCS)) $(FUZZ_TARGETS): | $(DEPS)/.stamp

# How cfs-pivot is compiled and linked, for tests that build a program the same way.
print-pivot-link:
	@echo 'PIVOT_CPPFLAGS=-isystem $(DEPS)/include'
	@echo 'PIVOT_LDFLAGS=$(LDFLAGS) $(PIVOT_LDFLAGS)'
	@echo 'PIVOT_LIBS=$(PIVOT_LIBS)'

MAN1 := $(wildcard docs/man/*.1)
MAN8 := $(wildcard docs/man/*.8)

install: all
	install -D -m 0755 $(O)/cfsboot $(DESTDIR)$(PREFIX)/bin/cfsboot
	install -D -m 0755 $(O)/cfs-pivot $(DESTDIR)$(PREFIX)/lib/cfsboot/cfs-pivot
	install -D -m 0755 initramfs/mkinitramfs.sh $(DESTDIR)$(PREFIX)/sbin/cfs-mkinitramfs
	$(if $(MAN1),install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man1 $(MAN1))
	$(if $(MAN8),install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man8 $(MAN8))
# dracut reads modules from /usr/lib/dracut only: packages use PREFIX=/usr (docs/dracut.md)
	install -D -m 0755 -t $(DESTDIR)$(PREFIX)/lib/dracut/modules.d/90cfsboot \
		dracut-module/90cfsboot/module-setup.sh dracut-module/90cfsboot/cfsboot-pivot.sh \
		dracut-module/90cfsboot/cfsboot-generator dracut-module/90cfsboot/cfsboot-cmdline.sh \
		dracut-module/90cfsboot/cfsboot-emergency.sh dracut-module/90cfsboot/cfsboot-modules.sh
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/lib/dracut/modules.d/90cfsboot \
		dracut-module/90cfsboot/cfsboot-pivot.service dracut-module/90cfsboot/cfsboot-lib.sh \
		dracut-module/90cfsboot/cfsboot-modules.conf
# the booted system's unit that runs cfsboot bless (docs/update.md)
	mkdir -p $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@BINDIR@|$(PREFIX)/bin|' units/cfsboot-bless.service \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/cfsboot-bless.service

clean:
	rm -rf build/obj build/asan build/fuzz build/tests build/*.a build/cfsboot build/cfs-pivot*

.PHONY: all check demo deps fuzz install clean unit-tests print-pivot-link
.DELETE_ON_ERROR:

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
