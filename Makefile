# The two commands a fresh Debian 12 machine needs: `make run` and `make test`.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# ccache when installed (`make test-deps` installs it), looked up when the build directory is
# configured: a second build of an unchanged file, in this tree or another clone on the machine,
# is a cache hit. CCACHE=off configures without it.
CCACHE ?= on
# Warnings are errors here (and so in CI, which runs `make test`); a plain cmake build leaves them
# warnings (HOSTADM_WERROR defaults to OFF for packagers with newer compilers).
WERROR ?= ON
LISTEN ?= 127.0.0.1:8443
CERT_DIR := certs/dev

# The version is written once, in CMakeLists.txt `project(... VERSION x.y.z ...)`; a VERSION
# given to `make image` or `make dist` must be that one (the binaries report it).
PROJECT_VERSION := $(shell sed -n 's/^project.*VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
VERSION ?= $(PROJECT_VERSION)
REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
SOURCE_URL ?= $(shell git remote get-url origin 2>/dev/null)
# Empty: docker when its daemon answers, else podman with runc (.ci/image/engine.sh).
CONTAINER_ENGINE ?=
IMAGE ?= forklift-host-webhook
IMAGE_CI ?= forklift-host-harness
# `make dist`: where the release goes, and the image reference its manifests pin (by tag, and
# by digest: IMAGE_DIGEST=sha256:..., else the local image's when `make image` built one).
DIST ?= dist
IMAGE_REPO ?= $(IMAGE)
IMAGE_DIGEST ?=

.PHONY: all deps test-deps build run test docs certs bench fuzz fuzz-smoke test-sanitize format clean version \
	check-version image test-image dist

all: build

deps:
	@.ci/install-deps .ci/packages-build.txt

test-deps:
	@.ci/install-deps .ci/packages-build.txt .ci/packages-test.txt
	@.ci/install-promtool

$(BUILD)/build.ninja:
	launcher=$$([ "$(CCACHE)" = off ] || command -v ccache || true); \
	cmake -S . -B $(BUILD) -G Ninja -DHOSTADM_WERROR=$(WERROR) \
	  $${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=$$launcher} $(CMAKE_FLAGS)

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

# Everything in one build (the product first and then the suites left a core idle at the end of
# the first), then ctest three times as wide as the cores: the longest tests (the flood, the
# snapshot round trip, the pod arguments) mostly wait on sockets, timers and child processes,
# and with two jobs a core they held most of the slots for the first 20 s with a core idle
# (2 cores: 92 s at -j4, 74 s at -j6, about 140 CPU-seconds either way).
test: deps test-deps $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) -DHOSTADM_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest -j $$(( $(JOBS) * 3 )) --output-on-failure --timeout 300

# The generated reference pages (docs/reference/{rules,flags,metrics}.md), from the code; the
# docs.* tests of `make test` fail until this has been run after a change they depend on.
docs: build
	cmake --build $(BUILD) -j $(JOBS) --target docs

bench: build
	@.ci/install-deps .ci/packages-bench.txt
	bench/run-all.sh

fuzz: test-deps
	tests/fuzz/run.sh $${FUZZ_SECONDS:-600}

# The clang build of the fuzz targets under ASan+UBSan: every regression and hardening input
# replayed, then FUZZ_SMOKE_SECONDS (default 10) of fuzzing per target. `make test` replays the
# same inputs through the g++ build (fuzz.replay) and leaves this, a few minutes, to here.
fuzz-smoke: test-deps
	tests/fuzz/smoke.sh

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
	@echo $(PROJECT_VERSION)

check-version:
	@[ "$(VERSION)" = "$(PROJECT_VERSION)" ] || { echo "VERSION=$(VERSION) is not the project" \
	  "version $(PROJECT_VERSION): change project(... VERSION ...) in CMakeLists.txt (and" \
	  "newTag in deploy/base/kustomization.yaml) to release another" >&2; exit 2; }

# $(IMAGE):$(VERSION), the webhook (distroless), and $(IMAGE_CI):$(VERSION), host-harness with a
# shell for CI jobs; the tag is the one the manifests' kustomize `images:` name.
image: check-version
	@VERSION=$(VERSION) REVISION=$(REVISION) SOURCE_URL=$(SOURCE_URL) IMAGE=$(IMAGE) \
	  IMAGE_CI=$(IMAGE_CI) CONTAINER_ENGINE="$(CONTAINER_ENGINE)" .ci/image/build.sh

# Both images built from an empty image store (podman, runc, a Debian base made from Debian's
# archive) and run as the Deployment runs the webhook. Not part of `make test`: it takes minutes.
test-image: check-version
	@.ci/install-deps .ci/packages-image.txt
	tests/deploy/check_image.sh

# The release: rendered manifests per overlay with the image pinned, the host-harness tarball,
# the SBOM of the runtime image, the Grafana dashboard, SHA256SUMS (.ci/dist.sh says what each is).
dist: check-version build
	@VERSION=$(VERSION) REVISION=$(REVISION) SOURCE_URL=$(SOURCE_URL) BIN_DIR=$(BUILD)/bin \
	  IMAGE=$(IMAGE) IMAGE_REPO=$(IMAGE_REPO) IMAGE_DIGEST=$(IMAGE_DIGEST) \
	  CONTAINER_ENGINE="$(CONTAINER_ENGINE)" .ci/dist.sh $(DIST)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz $(DIST)
