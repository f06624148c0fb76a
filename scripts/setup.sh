#!/usr/bin/env bash
# Sets up a Debian 12 machine for tradecluster and then runs it or tests it.
#
#   bash scripts/setup.sh run     install what is missing, build, start on the embedded default
#   bash scripts/setup.sh test    install what is missing, build, run every test (as CI does)
#
# Installing is idempotent: apt runs only when a package is missing.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  run|test) ;;
  *) echo "usage: bash scripts/setup.sh run|test" >&2; exit 2 ;;
esac
shift

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

packages=(
  cmake ninja-build g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev libssl-dev ca-certificates
  libhiredis-dev libpq-dev libnats-dev
  # The local infrastructure (tradecluster infra) and the tests' servers.
  postgresql-15 redis-server nats-server acl php-cli php-pgsql adminer
  googletest libgtest-dev
  clang-format clang libclang-rt-14-dev
)
# Only for the tests: the offline checks of deploy/ (scripts/check_deploy.sh), the network
# namespaces of the two-host test, and the browser for the web UI's tests.
test_packages=(yamllint docker-compose python3-yaml python3-jsonschema binutils iproute2 chromium)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Node.js 18 or later and npm build the web UI: Debian 12's nodejs and npm, unless the machine
# already has a newer nodejs that bundles npm (Debian's npm package conflicts with that one).
install_node() {
  if command -v node > /dev/null && command -v npm > /dev/null &&
     [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]; then
    return 0
  fi
  install_missing nodejs npm
}

# The web UI's npm packages, exactly as web/package-lock.json pins them; nothing is installed
# when web/node_modules already matches it. No package's install script runs.
install_web_packages() {
  if cmp -s web/package-lock.json web/node_modules/.tc-package-lock.json; then
    return 0
  fi
  echo "setup: installing the web UI's npm packages (web/package-lock.json)"
  (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp web/package-lock.json web/node_modules/.tc-package-lock.json
}

# build DIR [cmake options...] [--target NAME]
build() {
  local dir="$1"; shift
  local options=() target=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --target ]; then
      target=(--target "$2")
      shift 2
    else
      options+=("$1")
      shift
    fi
  done
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${options[@]}" > /dev/null
  cmake --build "$dir" "${target[@]}"
}

# stage NAME: prints how long the previous stage took, then starts NAME.
stage_name=""
stage_start=$SECONDS
stage() {
  [ -n "$stage_name" ] && echo "setup: $stage_name took $((SECONDS - stage_start)) s"
  stage_name="$1"
  stage_start=$SECONDS
  [ -n "$1" ] && echo "setup: $1"
  return 0
}

stage "installing missing packages"
if [ "$mode" = test ]; then
  install_missing "${packages[@]}" "${test_packages[@]}"
else
  install_missing "${packages[@]}"
fi
install_node
install_web_packages

if [ "$mode" = run ]; then
  stage "build"
  build build -DTC_BUILD_TESTS=OFF
  stage ""
  exec ./build/src/cli/tradecluster start "$@"
fi

# Formatting is part of the contract.
stage "format and layer checks"
unformatted=$(find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format --dry-run 2>&1 | grep -c "warning:" || true)
if [ "$unformatted" != 0 ]; then
  echo "setup: $unformatted formatting differences; run clang-format -i on src, tests and bench" >&2
  find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format --dry-run 2>&1 | head -20 >&2
  exit 1
fi

bash scripts/check_layers.sh

jobs=$(nproc)
stage "release build with warnings as errors"
build build -DTC_WERROR=ON
stage "release tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300
if [ -f build/screenshots/timings.json ]; then
  echo "setup: web UI screenshots in build/screenshots; first load (ms): $(tr -d ' \n' < build/screenshots/timings.json)"
fi

stage "deploy files checked offline (no Docker engine or Kubernetes API here)"
bash scripts/check_deploy.sh build/src/cli/tradecluster

stage "fuzzing the expression parser (libFuzzer, ${TC_FUZZ_SECONDS:-60} s)"
build build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DTC_FUZZ=ON -DTC_BUILD_TESTS=OFF \
  -DTC_BUILD_BENCH=OFF -DTC_WERROR=ON --target expression_fuzz
fuzz_dir=$(mktemp -d)
if ! ./build-fuzz/fuzz/expression_fuzz -max_total_time="${TC_FUZZ_SECONDS:-60}" -max_len=512 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/ "$fuzz_dir" fuzz/corpus/expression \
    > build-fuzz/fuzz.log 2>&1; then
  tail -60 build-fuzz/fuzz.log >&2
  echo "setup: the fuzzer found a failure; its input is saved under build-fuzz/" >&2
  exit 1
fi
grep '^stat::' build-fuzz/fuzz.log
rm -rf "$fuzz_dir"

stage "address and undefined-behaviour sanitizer build"
build build-asan -DTC_WERROR=ON -DTC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
stage "sanitizer tests"
# Fault tests (servers restarted under load), infra tests (servers of their own) and browser
# tests run in the release pass only.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 600 -LE "fault|infra|browser"
stage ""
