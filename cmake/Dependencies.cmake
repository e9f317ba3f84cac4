# Every third-party library comes from a Debian package (scripts/deps lists them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
# libyaml is the C library that Go's gopkg.in/yaml.v2 (inside sigs.k8s.io/yaml) was ported
# from: its scanner and emitter give Kubernetes' and Helm's YAML bytes and error texts.
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
# RE2 has the syntax and leftmost-first semantics of Go's regexp, which Sprig's regex
# functions expose to templates.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# toml++ reads TOML for Helm's fromToml; the encoder side is ours (BurntSushi's layout).
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
# zlib inflates Helm chart archives (.tgz).
find_package(ZLIB REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2>=1.5)
# Debian's cpp-httplib is a compiled library whose Cflags already enable OpenSSL, zlib, brotli.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(CONVERGE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(CONVERGE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
