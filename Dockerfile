# Two images from one build:
#   runtime (the default target): host-webhook, distroless-style: the files of the Debian 12
#     packages in .ci/packages-runtime.txt and the two binaries, on an empty base. No shell, no
#     package manager, no compiler; runs as UID 65532.
#   ci: host-harness on Debian 12 slim, with a shell, for CI job containers (GitHub Actions
#     `container:`, GitLab `image:`), which run their steps with `sh`.
# `make image` builds and tags both with the version, revision and source as build args, with
# Docker or podman, and without a registry when none is reachable (DEBIAN_IMAGE is then a
# Debian base made from Debian's archive; see .ci/image/build.sh). `make test-image` builds them
# from an empty image store and runs them as the Deployment does.
# tests/deploy/test_image_recipe.sh checks this recipe against the binaries' `ldd` (no container
# engine is needed for that), so a new library dependency can't be forgotten here.
ARG DEBIAN_IMAGE=docker.io/library/debian:12.11-slim
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
# The shipped copies lose their debug information (most of their size) but keep their symbols,
# so a backtrace still names functions.
RUN cmake -S . -B build -G Ninja -DHOSTADM_TESTS=OFF -DHOSTADM_REVISION="${REVISION}" \
 && cmake --build build --target host-webhook host-harness \
 && build/bin/host-webhook --version \
 && if [ -n "${VERSION}" ] && ! build/bin/host-webhook --version | grep -qF "host-webhook ${VERSION} "; \
    then echo "VERSION=${VERSION} is not the project version in CMakeLists.txt (use make image)" >&2; \
    exit 1; fi \
 && mkdir /out \
 && strip --strip-debug -o /out/host-webhook build/bin/host-webhook \
 && strip --strip-debug -o /out/host-harness build/bin/host-harness

# The runtime filesystem: the runtime packages installed here by apt (their dependencies and
# install scripts resolved as Debian intends), then only their files copied into /rootfs.
FROM ${DEBIAN_IMAGE} AS rootfs
ENV DEBIAN_FRONTEND=noninteractive
COPY .ci/packages-runtime.txt .ci/image/rootfs.sh /tmp/
RUN apt-get update \
 && grep -v '^\s*#' /tmp/packages-runtime.txt | awk 'NF{print $1}' \
    | xargs apt-get install -y --no-install-recommends \
 && bash /tmp/rootfs.sh /tmp/packages-runtime.txt /rootfs \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/host-webhook /out/host-harness /rootfs/usr/local/bin/

# host-harness for CI jobs: Debian 12 slim (sh, and coreutils for the runners' own commands)
# with the same runtime packages. Not the webhook's image: that one stays without a shell.
FROM ${DEBIAN_IMAGE} AS ci
ARG VERSION
ARG REVISION
ARG SOURCE_URL
LABEL org.opencontainers.image.title="host-harness" \
      org.opencontainers.image.description="host-harness: Forklift Host admission decisions for CI, with a shell" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE_URL}"
ENV DEBIAN_FRONTEND=noninteractive
COPY .ci/packages-runtime.txt /tmp/packages-runtime.txt
RUN apt-get update \
 && grep -v '^\s*#' /tmp/packages-runtime.txt | awk 'NF{print $1}' \
    | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/packages-runtime.txt
COPY --from=build /out/host-harness /usr/local/bin/
# No ENTRYPOINT: GitLab's Docker executor and GitHub's container jobs start their own shell.
CMD ["host-harness", "--help"]

FROM scratch AS runtime
ARG VERSION
ARG REVISION
ARG SOURCE_URL
LABEL org.opencontainers.image.title="host-webhook" \
      org.opencontainers.image.description="Forklift Host admission webhook and host-harness" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE_URL}"
COPY --from=rootfs /rootfs/ /
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
