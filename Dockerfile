# host-webhook image: build on Debian 12 with the same packages and commands as `make build`,
# run on Debian 12 slim with only the shared libraries the two binaries load.
#   make image        (docker build with the version, revision and source fed as build args)
# tests/deploy/test_image_recipe.sh checks this recipe against the binaries' `ldd` (no container
# engine is needed for that), so a new library dependency can't be forgotten here.
ARG DEBIAN_IMAGE=debian:12.11-slim
# Fed by `make image` from CMakeLists.txt (the one place the version is written) and git; the
# build context excludes .git, so the revision can only come in this way.
ARG VERSION=""
ARG REVISION=unknown
ARG SOURCE_URL=""

FROM ${DEBIAN_IMAGE} AS build
ARG VERSION
ARG REVISION
ENV DEBIAN_FRONTEND=noninteractive
# Exactly the packages of .ci/packages-build.txt (lines "PACKAGE" or "PACKAGE COMMAND"), so the
# image and a developer's `make build` can't drift apart.
COPY .ci/packages-build.txt /tmp/packages-build.txt
RUN apt-get update \
 && grep -v '^\s*#' /tmp/packages-build.txt | awk 'NF{print $1}' \
    | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# What `make build` runs, without the test suites (they are not shipped). A VERSION build arg
# that is not the CMake project version fails here: the labels must describe the binaries.
RUN cmake -S . -B build -G Ninja -DHOSTADM_TESTS=OFF -DHOSTADM_REVISION="${REVISION}" \
 && cmake --build build \
 && build/bin/host-webhook --version \
 && if [ -n "${VERSION}" ] && ! build/bin/host-webhook --version | grep -qF "host-webhook ${VERSION} "; \
    then echo "VERSION=${VERSION} is not the project version in CMakeLists.txt (use make image)" >&2; \
    exit 1; fi

FROM ${DEBIAN_IMAGE}
ARG DEBIAN_IMAGE
ARG VERSION
ARG REVISION
ARG SOURCE_URL
LABEL org.opencontainers.image.title="host-webhook" \
      org.opencontainers.image.description="Forklift Host admission webhook and host-harness" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.base.name="${DEBIAN_IMAGE}"
ENV DEBIAN_FRONTEND=noninteractive
# Runtime libraries only, one package per library the binaries load (see `ldd`); libc6,
# libstdc++6 and libgcc-s1 come with the base image. ca-certificates for a publicly signed
# inventory certificate when --inventory-ca is not given.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libcpp-httplib0.11 \
      libssl3 \
      libspdlog1.10 \
      libfmt9 \
      libyaml-cpp0.7 \
      libsimdjson14 \
      libprometheus-cpp-core1.0 \
      libbrotli1 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin nonroot
COPY --from=build /src/build/bin/host-webhook /src/build/bin/host-harness /usr/local/bin/
# glibc keeps 7 freed blocks per size in a thread's cache; an admission frees a few dozen of
# the same sizes, so the rest went through the shared arena's slower paths. 32 keeps them in the
# thread: 11 % fewer instructions per /mutate, +8 % req/s on 2 cores, at most a few hundred KiB
# per busy worker (docs/design/performance.md). bench/lib.sh runs the webhook with this line's
# value, so the published numbers are the image's; an admin can override it in the Deployment.
ENV GLIBC_TUNABLES=glibc.malloc.tcache_count=32
# Numeric, so the kubelet can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
EXPOSE 8443
# No HEALTHCHECK: Kubernetes ignores it and probes /readyz and /healthz itself.
ENTRYPOINT ["/usr/local/bin/host-webhook"]
