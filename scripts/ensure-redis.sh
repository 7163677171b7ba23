#!/usr/bin/env bash
# Make sure a real Redis answers on loopback (start one when none does) and that the redis-server binary
# exists (the failure tests start, pause and kill Redis processes of their own).
# Prints the URL of the Redis that answers. Usage: scripts/ensure-redis.sh [port]
set -euo pipefail
port="${1:-6379}"

ping_redis() {
  # PING over bash's /dev/tcp: needs no redis-cli.
  local reply=""
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || true
  exec 3<&- 3>&-
  [[ "$reply" == +PONG* ]]
}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: installing Debian's redis-server" >&2
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2
  fi
fi

if ! ping_redis; then
  echo "ensure-redis: no Redis answers on 127.0.0.1:$port, starting one" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir /tmp --logfile "/tmp/curation-redis-$port.log" >&2
  for _ in $(seq 1 50); do
    ping_redis && break
    sleep 0.1
  done
  ping_redis || { echo "ensure-redis: Redis did not come up on port $port" >&2; exit 1; }
fi
echo "redis://127.0.0.1:$port"
