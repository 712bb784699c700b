# The workshop's commands. Each has a cargo alias too (.cargo/config.toml), for machines without make:
# `make part_01` = `cargo part01`, `make server` = `cargo server`, … (see `make help`).

CARGO ?= cargo
PARTS := 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16
# Flags passed to a part, e.g. `make part_10 ARGS="--seconds 5"`.
ARGS ?=

.PHONY: help list build test fmt lint walkthrough exercise verify server mr-server mini_redis mr-client \
        bench bench-server bench-redis clean console $(addprefix part_,$(PARTS))

help:
	@echo "Async Rust by example: a survey of async features, one part at a time."
	@echo
	@echo "  make part_01 … make part_16   run one lesson (ARGS=\"…\" passes flags)"
	@echo "  make console                  part_10 watched by tokio-console (its README says how)"
	@echo "  make walkthrough              every part in order, Enter between them (FROM=07 to start at 07)"
	@echo "  make exercise                 the exercises: edit, save, the runner checks (ARGS=list, ARGS=\"hint NAME\")"
	@echo "  make server                   the count server on 127.0.0.1:8000 (the HTTP lessons' peer)"
	@echo "  make mr-server                the mini_redis server on 127.0.0.1:1337 (alias: make mini_redis)"
	@echo "  make mr-client                talk to it (nc when installed, else the project's client)"
	@echo "  make build                    build everything, tests included, so the workshop works offline"
	@echo "  make test                     what CI checks: fmt, clippy, every test"
	@echo "  make bench-server             count server throughput under wrk"
	@echo "  make bench-redis              mini_redis vs redis-server under redis-benchmark"
	@echo
	@$(MAKE) --no-print-directory list

list:
	@CARGO=$(CARGO) scripts/build-quietly.sh -p exercise --bin walkthrough
	@$(CARGO) run -q -p exercise --bin walkthrough -- --list

# The build first, with cargo's lines while there is something to compile (a first run is never a
# silent screen), then the program, quietly.
$(addprefix part_,$(PARTS)):
	@CARGO=$(CARGO) scripts/build-quietly.sh -p $@
	@scripts/foreground.sh $(CARGO) run -q -p $@ -- $(ARGS)

# part_10 with `--console`, for tokio-console (part_10/README.md, "Watch it in tokio-console").
# console-subscriber needs tokio built with `--cfg tokio_unstable`: that build lives in a target
# directory of its own, so the flag never reaches target/debug and nothing else is rebuilt. The
# first run compiles tokio and the rest once more (a few minutes).
CONSOLE_ENV = RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/console

console:
	@$(CONSOLE_ENV) CARGO=$(CARGO) scripts/build-quietly.sh -p part_10 --features console
	@$(CONSOLE_ENV) scripts/foreground.sh $(CARGO) run -q -p part_10 --features console -- --console $(ARGS)

# The exercise runner (cargo alias: `cargo exercise`). `make exercise ARGS="check spawn_and_abort"`.
exercise:
	@CARGO=$(CARGO) scripts/build-quietly.sh -p exercise --bin exercise
	@scripts/foreground.sh $(CARGO) run -q -p exercise -- $(ARGS)

# Every exercise fails as shipped and every solution passes (compile, tests, clippy, fmt).
verify:
	$(CARGO) run -q -p exercise -- verify

walkthrough:
	@CARGO=$(CARGO) scripts/build-quietly.sh -p exercise --bin walkthrough
	@scripts/foreground.sh $(CARGO) run -q -p exercise --bin walkthrough -- $(if $(FROM),--from $(FROM),)

server:
	@CARGO=$(CARGO) scripts/build-quietly.sh -p count_server --bin count_server
	@scripts/foreground.sh $(CARGO) run -q -p count_server --bin count_server -- --host 127.0.0.1 --port 8000

mr-server mini_redis:
	@CARGO=$(CARGO) scripts/build-quietly.sh -p mini_redis --bin mini_redis
	@scripts/foreground.sh $(CARGO) run -q -p mini_redis --bin mini_redis -- --bind 127.0.0.1 --port 1337 $(ARGS)

# The original workshop used `nc localhost 1337`; without nc, the project's own client.
mr-client:
	@if command -v nc >/dev/null 2>&1; then \
		echo "nc 127.0.0.1 1337 (type GET key / PUT key value / DEL key / QUIT)"; nc 127.0.0.1 1337; \
	else \
		echo "nc not found: the project's client in raw mode (type GET key / PUT key value / QUIT)"; \
		$(CARGO) run -q -p mini_redis --bin mr-client -- --raw; \
	fi

# Every crate the lock file names downloaded (the tokio-console build's too), then everything built,
# tests included: the workshop then works without a network.
build:
	$(CARGO) fetch
	$(CARGO) build --workspace --all-targets

# Formatting covers the workshop's own code, not what a learner edits: the exercise files (a
# half-written one must not fail `make test`) and the recorded mistakes and trybuild cases (wrong on
# purpose) are left as written. The solutions and their checks are checked here and by `verify`.
FMT_FILES = $(shell find . -name '*.rs' -not -path './target/*' -not -path './.git/*' \
	-not -path '*/exercises/*' -not -path '*/mistakes/*' -not -path '*/tests/ui/*' \
	-not -path './exercise/explained/*')

fmt:
	rustfmt --edition 2024 $(FMT_FILES)

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test:
	@rustfmt --check --edition 2024 $(FMT_FILES) && echo "rustfmt: $(words $(FMT_FILES)) files formatted"
	@# Every command builds shared crates with the same features (pins/core, pins/more).
	python3 scripts/feature-sets.py
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@# Everything `make build` builds (the parts' programs too, which no test needs), so that no
	@# make target compiles anything after a `make test`.
	$(CARGO) build --workspace --all-targets
	$(CARGO) test --workspace
	@# part_10's tokio-console server, in the console build (see `console` above): a second build of
	@# tokio and much else (two minutes on two cores), so it runs in CI, and here once `make console`
	@# has made that build.
	@if [ -n "$$CI" ] || [ -d target/console/debug ]; then \
		echo '$(CONSOLE_ENV) $(CARGO) test -p part_10 --features console console'; \
		$(CONSOLE_ENV) $(CARGO) test -p part_10 --features console console; \
	else echo "skipped: part_10's tokio-console server (its own build of tokio: run make console once, and make test checks it from then on; CI always does)"; fi
	@if [ -n "$$CI" ] || python3 -c 'import redis' 2>/dev/null; then $(CARGO) test -p mini_redis --test redis_py -- --ignored; else echo "skipped: redis-py interop tests (pip install redis to run them)"; fi
	@# mini_redis against the real redis-cli and redis-benchmark: ignored by default (they need
	@# redis-tools), run in CI, where a missing tool fails the run.
	if [ -n "$$CI" ]; then $(CARGO) test -p mini_redis --test redis_tools -- --ignored; fi
	$(CARGO) run -q -p exercise -- verify

bench: bench-server bench-redis

bench-server:
	bash scripts/bench-server.sh

bench-redis:
	$(CARGO) build -q --release -p mini_redis --bins
	bash mini_redis/bench/bench.sh

clean:
	$(CARGO) clean
