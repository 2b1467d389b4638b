#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on loopback: start them when installed but stopped,
# install them with apt-get when missing and we are root, else say what to do.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}

say() { printf '\033[1m[services]\033[0m %s\n' "$*"; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    say "$1 is not installed. Install it (Debian: apt-get install $2) or point $3 at a running server."
    exit 1
  fi
  say "installing $2 with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

wait_for() {  # wait_for NAME COMMAND...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  say "$name did not come up"; exit 1
}

# PostgreSQL
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install PostgreSQL postgresql DATABASE_URL
  fi
  say "starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$(id -u)" = 0 ]; then
    # Trust on loopback, as the development machines have it, when the cluster is new.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
    fi
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL pg_isready -q -h "$PGHOST" -p "$PGPORT"
fi

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install Redis redis-server REDIS_URL
  fi
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'
fi
say "PostgreSQL and Redis are up"
