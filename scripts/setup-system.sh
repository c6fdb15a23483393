#!/usr/bin/env bash
# `npm run setup:system` (as root, Debian or Ubuntu): installs the system programs the tests and the
# fixture labs use, so that no test skips for want of one. Installs only what is missing; safe to
# run again. test/tools.ts names the same programs when a test skips without them.
#
#   chromium          browser-mode end-to-end tests, HTML and PDF reports (Playwright drives it)
#   tshark            the independent decoder the engine is compared with
#   wireshark-common  editcap, mergecap, capinfos (Kubeshark import, lab captures)
#   tcpdump           filters lab captures (Calico lab without BGP); the labs capture with it
#   poppler-utils     pdftoppm, pdftotext: PDF report pages rendered and read back
#   etcd-server, etcd-client   flannel lease import, against a live etcd on a loopback port
#   socat, bird2, iproute2, iptables   the fixture labs (network namespaces, BGP, NAT)
#   xvfb              a display for the Electron end-to-end test on a headless machine
#   zip, tar          Electron runtime install test (stand-in zip), bundle imports
#   ethtool, iputils-ping   the random lab (offloads off on its devices; its pings)
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup:system installs Debian packages: run it as root (sudo npm run setup:system)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup:system needs apt-get (Debian or Ubuntu); install the packages listed in scripts/setup-system.sh by hand" >&2
  exit 1
fi

# program:package; a package is installed when its program is missing.
pairs=(
  chromium:chromium
  tshark:tshark
  editcap:wireshark-common
  tcpdump:tcpdump
  pdftoppm:poppler-utils
  etcd:etcd-server
  etcdctl:etcd-client
  socat:socat
  bird:bird2
  ip:iproute2
  iptables:iptables
  xvfb-run:xvfb
  zip:zip
  ethtool:ethtool
  ping:iputils-ping
  tar:tar
)
need=()
for pair in "${pairs[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "setup:system: every program is installed"
  exit 0
fi
echo "setup:system: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# tshark asks whether non-root users may capture; the default (no) is fine for the tests.
apt-get install -y -q --no-install-recommends "${need[@]}"
