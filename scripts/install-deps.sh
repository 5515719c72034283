#!/usr/bin/env bash
# Installs every Debian 12 package that Talky needs to build, run and test.
# Idempotent and quiet: prints nothing and touches nothing when all is installed.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang-format
  # libraries (ARCHITECTURE.md, "Libraries")
  libboost1.81-dev libboost-context1.81-dev libssl-dev
  nlohmann-json3-dev libhiredis-dev libpq-dev libpqxx-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libhowardhinnant-date-dev tzdata libphonenumber-dev
  # the offline voice stack (VOICE.md): speech out, speech in with its US English model, voice
  # activity, resampling; espeak-ng's command also voices the simulated callee in tests
  libespeak-ng-dev espeak-ng libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  libwebrtc-audio-processing-dev libspeexdsp-dev
  # SIP trunks: libre (SIP, SDP, RTP) and librem (G.711) for the `sip` provider; sipp and
  # baresip (its core, without the desktop front ends) as the far ends in its tests
  libre-dev librem-dev sip-tester baresip-core
  # tests, fuzzing (libFuzzer needs clang; 19 is the first whose libstdc++ <expected> works; its
  # lld links the sanitized test binaries several times faster than ld) and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-19 libclang-rt-19-dev lld-19
  # servers that the test harness starts on loopback
  redis-server redis-tools postgresql
  # the README's walkthrough of the REST API
  curl jq
  # the dashboard (web/): Node.js gathers its npm packages at build time; its browser tests drive
  # Debian's Chromium
  nodejs chromium
)

# Debian's nodejs comes without npm; NodeSource's (on some machines) has it built in, and
# Debian's npm package would conflict with it.
command -v npm >/dev/null 2>&1 || packages+=(npm)

# The dashboard's npm packages, exactly as web/package-lock.json pins them, into web/node_modules:
# again only when the lock file changed since the last install.
install_web_packages() {
  local web
  web="$(cd "$(dirname "$0")/.." && pwd)/web"
  if ! cmp -s "$web/package-lock.json" "$web/node_modules/.talky-installed-lock" 2>/dev/null; then
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$web/package-lock.json" "$web/node_modules/.talky-installed-lock"
  fi
}

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  install_web_packages
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq

# libphonenumber-dev depends on the unversioned libboost-thread-dev, which means Boost 1.74 and
# conflicts with libboost1.81-dev. A local equivs package of that name that depends on the 1.81
# thread library satisfies it (the phonenumber headers use Boost only when asked to).
if ! dpkg-query -W -f='${Status}' libboost-thread-dev 2>/dev/null | grep -q "install ok installed"; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends equivs >/dev/null
  shim_dir=$(mktemp -d)
  cat >"$shim_dir/shim.ctl" <<'CTL'
Section: libdevel
Priority: optional
Standards-Version: 4.6.2
Package: libboost-thread-dev
Version: 1.81.0.1~talky
Depends: libboost-thread1.81-dev
Architecture: all
Description: Talky shim: satisfies libboost-thread-dev with Boost 1.81
 libphonenumber-dev depends on the unversioned libboost-thread-dev (Boost 1.74),
 which conflicts with libboost1.81-dev; this package points it at Boost 1.81.
CTL
  (cd "$shim_dir" && equivs-build shim.ctl >/dev/null)
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$shim_dir"/libboost-thread-dev_*.deb >/dev/null
  rm -rf "$shim_dir"
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The distribution's own Redis and PostgreSQL services are not used: the tests start their own.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  "${sudo_cmd[@]}" systemctl disable --now redis-server postgresql >/dev/null 2>&1 || true
fi
install_web_packages
