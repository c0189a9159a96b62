#!/usr/bin/env bash
# Installs the real peers the integration tests run against (Dovecot IMAP and
# POP3, Postfix's smtp-sink/smtp-source, Chromium, openssl for throwaway
# certificates, and a system PostgreSQL to test DATABASE_URL against) on Debian/Ubuntu. Idempotent: when every package is already
# installed it changes nothing and needs no network. Runs as root, or through
# sudo when that is available. Never waits for a question: debconf is
# non-interactive and postfix is preseeded as "No configuration" (the tests
# only use its two tools; no mail system is set up).
set -euo pipefail

PACKAGES=(dovecot-imapd dovecot-pop3d postfix chromium openssl fonts-dejavu-core postgresql)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    # sudo drops the environment by default, so pass the one variable we need
    sudo env DEBIAN_FRONTEND=noninteractive "$@"
  else
    echo "install-test-peers: run as root, or install sudo" >&2
    exit 1
  fi
}

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-peers: apt-get not found; install by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-peers: all present (${PACKAGES[*]})"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-test-peers: installing ${missing[*]}"
echo 'postfix postfix/main_mailer_type select No configuration' | as_root debconf-set-selections
as_root apt-get update
# keep existing config files on upgrade instead of asking
as_root apt-get install -y \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}"

for bin in /usr/sbin/dovecot /usr/sbin/smtp-sink /usr/bin/chromium /usr/bin/openssl; do
  if [ ! -x "$bin" ]; then
    echo "install-test-peers: $bin is still missing after the install" >&2
    exit 1
  fi
done
echo "install-test-peers: done"
