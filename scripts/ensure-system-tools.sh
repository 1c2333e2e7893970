#!/usr/bin/env bash
# Installs the Debian packages the real-kernel tests use (iptables, ipset, nftables, nfacct,
# iproute2, conntrack, curl), and kubectl (kubernetes-client) that the YAML tests read manifests
# with, when they are missing and this is a root shell with apt-get. Without root it only says
# what is missing: those suites then report why they did not run (the YAML tests fail, naming kubectl).
set -euo pipefail
missing=()
for bin in iptables-restore ip6tables-restore ipset nft nfacct ip conntrack curl kubectl; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system tools for the real-kernel tests (missing: ${missing[*]})" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq iptables ipset nftables nfacct iproute2 conntrack curl >/dev/null
  command -v kubectl >/dev/null 2>&1 || apt-get install -y -qq kubernetes-client >/dev/null
else
  echo "note: ${missing[*]} not installed and not root: real-kernel tests will not run" >&2
fi
