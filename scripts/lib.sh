# Shared by the scripts in this folder; sourced, not run.
# Finds the repository, the workplace's shared folder and installs what is missing.

set -euo pipefail

CONVERGE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages the build and the tests need. Nothing else is downloaded.
CONVERGE_BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config git
  libyaml-dev libgit2-dev libcpp-httplib-dev libssl-dev nlohmann-json3-dev libspdlog-dev
  libfmt-dev libsqlite3-dev libre2-dev libcrypt-dev
  libtomlplusplus-dev zlib1g-dev
)
# The real Git servers of the sources/git tests: lighttpd runs git-http-backend (git ships it
# and `git daemon`), sshd serves SSH, openssl makes their throw-away certificates and keys;
# diff and patch are the oracles of the unified diff printer.
CONVERGE_TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev lighttpd lighttpd-mod-openssl
  openssh-server openssh-client openssl diffutils patch)
# Commands the oracle installer needs, with the Debian package that provides each. Machines may
# have them from elsewhere (Node.js from its own packages), so the command is what counts.
CONVERGE_TEST_COMMANDS=(npm:npm python3:python3)

# Test data that comes from npm as a package's files (no install scripts, no dependencies):
# the JSON-Schema-Test-Suite for the values.schema.json tests.
CONVERGE_TEST_NPM_DATA=(json-schema-test-suite@0.0.10)

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# install_packages PACKAGE...: installs the Debian packages that are not installed yet.
install_packages() {
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# install_commands CMD:PACKAGE...: installs PACKAGE for each CMD that is not on PATH.
install_commands() {
  local pair
  local packages=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || packages+=("${pair#*:}")
  done
  if [[ ${#packages[@]} -gt 0 ]]; then
    install_packages "${packages[@]}"
  fi
}

# The workplace folder holding corpus/ and tools/ (see tests/support/support.h).
shared_dir() {
  local candidate
  for candidate in "${CONVERGE_SHARED:-}" "$CONVERGE_ROOT/../shared" /work/shared; do
    if [[ -n $candidate && -d $candidate/corpus && -d $candidate/tools ]]; then
      (cd "$candidate" && pwd)
      return 0
    fi
  done
  echo "cannot find the shared folder (corpus/, tools/); set CONVERGE_SHARED" >&2
  return 1
}

# build DIR CMAKE-ARGS...: configures (once) and builds the project into DIR.
build() {
  local dir=$1
  shift
  local launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$CONVERGE_ROOT" -B "$dir" -G Ninja "${launcher[@]}" "$@" >/dev/null
  cmake --build "$dir" --parallel "$(nproc)"
}

# install_npm_data DIR PACKAGE@VERSION...: unpacks each package into DIR/NAME (once).
install_npm_data() {
  local dir=$1
  shift
  local spec name tmp
  for spec in "$@"; do
    name=${spec%@*}
    [[ -d $dir/$name ]] && continue
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$dir"
    mv "$tmp/package" "$dir/$name"
    rm -rf "$tmp"
  done
}
