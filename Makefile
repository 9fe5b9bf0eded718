# The two commands that matter: `make run` (the whole suite, demo district, SQLite) and `make test`.

CARGO ?= cargo
BUF_VERSION := 1.75.0
BUF := .tools/node_modules/.bin/buf
NEXTEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: run test lint fmt proto build buf clean

## run: build and run every service in one process on SQLite under ./data, with the demo district
run:
	$(CARGO) run -p cadre -- dev

## test: every test; the PostgreSQL half needs a server at CADRE_TEST_PG_URL (skipped loudly without one)
test:
	@scripts/pg-probe
ifeq ($(NEXTEST),yes)
	$(CARGO) nextest run --workspace --no-fail-fast
else
	$(CARGO) test --workspace --no-fail-fast
endif

## lint: formatting, clippy with warnings as errors, buf lint (STANDARD)
lint: buf
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(BUF) lint

## fmt: format the Rust code and the protos
fmt: buf
	$(CARGO) fmt --all
	$(BUF) format -w

## proto: lint the contracts and regenerate the Rust code from them
proto: buf
	$(BUF) lint
	$(CARGO) build -p cadre-proto

## build: build everything
build:
	$(CARGO) build --workspace

## buf: install buf from the npm registry into .tools (once)
buf: $(BUF)
$(BUF):
	mkdir -p .tools
	[ -f .tools/package.json ] || echo '{"private": true}' > .tools/package.json
	cd .tools && npm install --no-audit --no-fund --silent @bufbuild/buf@$(BUF_VERSION)

clean:
	$(CARGO) clean
	rm -rf .tools
