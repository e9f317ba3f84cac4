# The Converge operator image. Not built in CI (no container engine there); the build stage's
# commands are the normal CMake build CI runs, and tests/charts/dockerfile_test.cc checks that
# the runtime packages below provide every shared library the built binary loads.
#   docker build -t converge:0.1.0 .

# --- build: Debian bookworm with the packages of scripts/lib.sh (CONVERGE_BUILD_PACKAGES) ---
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/lib.sh scripts/lib.sh
RUN bash -c '. scripts/lib.sh && install_packages "${CONVERGE_BUILD_PACKAGES[@]}"' \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONVERGE_BUILD_TESTS=OFF \
      -DCONVERGE_BUILD_BENCH=OFF \
    && cmake --build build --target converge \
    && strip build/operator/converge

# --- runtime: the shared libraries `converge` links (the packages owning the libraries of
# `readelf -d build/operator/converge | grep NEEDED`, found with `dpkg -S`; apt brings their own
# dependencies) and CA certificates for HTTPS Git remotes ---
FROM debian:bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="converge" \
      org.opencontainers.image.description="GitOps operator: keeps Kubernetes in sync with Git (plain manifests, Kustomize, Helm)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libc6 \
      libcpp-httplib0.11 \
      libcrypt1 \
      libfmt9 \
      libgcc-s1 \
      libgit2-1.5 \
      libre2-9 \
      libspdlog1.10 \
      libsqlite3-0 \
      libssl3 \
      libstdc++6 \
      libtomlplusplus3 \
      libyaml-0-2 \
      zlib1g \
    && rm -rf /var/lib/apt/lists/*
# The chart's Pods run as this uid/gid (podSecurityContext.runAsUser 65532).
RUN groupadd --gid 65532 converge \
    && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin converge \
    && install -d -o 65532 -g 65532 /var/cache/converge
COPY --from=build /src/build/operator/converge /usr/local/bin/converge
USER 65532:65532
ENV HOME=/tmp CONVERGE_CACHE_DIR=/var/cache/converge
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/converge"]
CMD ["operator"]
