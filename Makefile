# The two commands a fresh Debian 12 machine needs: `make run` and `make test`.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Warnings are errors here (and so in CI, which runs `make test`); a plain cmake build leaves them
# warnings (HOSTADM_WERROR defaults to OFF for packagers with newer compilers).
WERROR ?= ON
LISTEN ?= 127.0.0.1:8443
CERT_DIR := certs/dev

# The version is written once, in CMakeLists.txt `project(... VERSION x.y.z ...)`.
VERSION := $(shell sed -n 's/^project.*VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
SOURCE_URL ?= $(shell git remote get-url origin 2>/dev/null)
CONTAINER_ENGINE ?= docker
IMAGE ?= forklift-host-webhook

.PHONY: all deps test-deps build run test docs certs bench fuzz test-sanitize format clean version image

all: build

deps:
	@.ci/install-deps .ci/packages-build.txt

test-deps:
	@.ci/install-deps .ci/packages-build.txt .ci/packages-test.txt

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DHOSTADM_WERROR=$(WERROR) $(CMAKE_FLAGS)

# The product only; `make test` builds the suites too.
build: deps test-deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target host-webhook host-harness

certs: deps
	@certs/make-certs.sh --out $(CERT_DIR) --service localhost --ip 127.0.0.1 >/dev/null

run: build certs
	@echo
	@echo "host-webhook: https://$(LISTEN) with the sample inventory (examples/inventory.yaml)"
	@echo "Try it from another terminal:"
	@echo "  $(BUILD)/bin/host-harness send --webhook https://$(LISTEN) --ca $(CERT_DIR)/ca.crt examples/hosts/adapter-lookup.yaml"
	@echo "Stop it with Ctrl-C."
	@echo
	exec $(BUILD)/bin/host-webhook --listen $(LISTEN) \
	  --tls-cert $(CERT_DIR)/tls.crt --tls-key $(CERT_DIR)/tls.key \
	  --inventory-fixture examples/inventory.yaml --policy examples/policy.yaml --log-format text

test: build
	cmake -S . -B $(BUILD) -DHOSTADM_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 300

# The generated reference pages (docs/reference/{rules,flags,metrics}.md), from the code; the
# docs.* tests of `make test` fail until this has been run after a change they depend on.
docs: build
	cmake --build $(BUILD) -j $(JOBS) --target docs

bench: build
	@.ci/install-deps .ci/packages-bench.txt
	bench/run-all.sh

fuzz: test-deps
	tests/fuzz/run.sh $${FUZZ_SECONDS:-600}

test-sanitize: test-deps
	cmake -S . -B build-asan -G Ninja -DHOSTADM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug \
	  -DHOSTADM_WERROR=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest -j $(JOBS) --output-on-failure --timeout 600
	cmake -S . -B build-tsan -G Ninja -DHOSTADM_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug -DHOSTADM_WERROR=ON
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/.ci/tsan.supp" ctest -L server -j $(JOBS) --output-on-failure --timeout 600

version:
	@echo $(VERSION)

# Tagged with the version the manifests' kustomize `images:` name (tests/deploy/test_version.sh).
image:
	$(CONTAINER_ENGINE) build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
	  --build-arg SOURCE_URL=$(SOURCE_URL) -t $(IMAGE):$(VERSION) .

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
