# isla build. `make` builds build/isla; `make check` runs the fast tests
# (unit tests, about a minute); `make test` runs every test as CI does (see
# scripts/test.sh, which also runs single suites); `make asan` builds the
# sanitizer variant in build/asan.
#
# Dependencies are Debian packages installed by scripts/setup.sh.

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
BUILD   ?= build
# h2o's header switches to the libuv API unless told otherwise.
CPPFLAGS += -Isrc -Isrc/http/h2o-compat -D_GNU_SOURCE -DH2O_USE_LIBUV=0
CFLAGS  += -std=c17 -Wall -Wextra -pthread -fno-strict-aliasing
LDLIBS  += -lh2o-evloop -lssl -lcrypto -lz -ldeflate -lbrotlienc -lcurl -lsqlite3 -lyaml -lhiredis -lpthread -lm

LIB_SRC  := $(sort $(filter-out src/cli/main.c,$(wildcard src/*/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOLS    := $(BUILD)/tests/diff_sqlite $(BUILD)/tests/nlq_phrases

.PHONY: all clean test check asan asan-clang unit tools fuzz
all: $(BUILD)/isla $(TESTS) $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libisla.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/isla: $(BUILD)/obj/src/cli/main.o $(BUILD)/libisla.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libisla.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libisla.a $(LDLIBS) -lcmocka -o $@

# The differential test: one program from the files of tests/diff/.
DIFF_SRC := $(sort $(wildcard tests/diff/*.c))
$(BUILD)/tests/diff_sqlite: $(DIFF_SRC) tests/diff/diff.h $(BUILD)/libisla.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DIFF_SRC) $(BUILD)/libisla.a $(LDLIBS) -o $@

$(BUILD)/tests/nlq_phrases: tests/nlq/nlq_phrases.c $(BUILD)/libisla.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libisla.a $(LDLIBS) -o $@

unit: $(TESTS)
tools: $(TOOLS)

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything.
asan:
	$(MAKE) BUILD=build/asan OPT="-O1" \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined"

# The same with clang: its UBSan checks more (e.g. pointer arithmetic on
# NULL), and -Werror keeps clang warning-free under sanitizers too.
asan-clang:
	$(MAKE) BUILD=build/asan-clang CC=clang OPT="-O1" \
	  CFLAGS="-O1 -g -Werror -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined"

# libFuzzer targets (clang only).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
fuzz:
	$(MAKE) BUILD=build/fuzz-lib CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build/fuzz-lib/libisla.a
	$(MAKE) $(FUZZERS)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz-lib/libisla.a
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=c17 -O1 -g -fsanitize=fuzzer,address,undefined $< build/fuzz-lib/libisla.a $(LDLIBS) -o $@

test: all
	scripts/test.sh

check:
	scripts/test.sh layers unit ops-unit

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/src/cli/main.d
