# host-webhook image: build on Debian 12 with the same packages and commands as `make build`,
# run on Debian 12 slim with only the shared libraries the two binaries load.
#   docker build -t forklift-host-webhook:dev .
# tests/deploy/test_image_recipe.sh checks this recipe against the binaries' `ldd` (no container
# engine is needed for that), so a new library dependency can't be forgotten here.
ARG DEBIAN_IMAGE=debian:12.11-slim

FROM ${DEBIAN_IMAGE} AS build
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
# What `make build` runs, without the test suites (they are not shipped).
RUN cmake -S . -B build -G Ninja -DHOSTADM_TESTS=OFF \
 && cmake --build build

FROM ${DEBIAN_IMAGE}
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
# Numeric, so the kubelet can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
EXPOSE 8443
# No HEALTHCHECK: Kubernetes ignores it and probes /readyz and /healthz itself.
ENTRYPOINT ["/usr/local/bin/host-webhook"]
