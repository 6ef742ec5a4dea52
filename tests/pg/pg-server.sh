#!/bin/sh
# A real PostgreSQL 15 (Debian's postgresql package) for the test suite, in a directory of the
# build tree: `pg-server.sh start DIR` runs initdb and pg_ctl there, listening on a Unix socket
# in DIR/socket only (no TCP), and writes the superuser's connection URI to DIR/uri;
# `pg-server.sh stop DIR` stops it and removes DIR. ctest runs them as the postgresql-start and
# postgresql-stop fixtures, so the server is stopped also when a test fails. initdb refuses to
# run as root: as root, the server runs as the unprivileged user `nobody`, in a directory that
# user owns. A missing server is a failure, never a skipped test.
set -eu
action=$1
dir=$2
bin=${DOSEGATE_PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
  else
    "$@"
  fi
}

case "$action" in
start)
  for tool in initdb pg_ctl postgres; do
    if [ ! -x "$bin/$tool" ]; then
      echo "pg-server.sh: $bin/$tool is missing: install Debian's postgresql package (scripts/setup.sh)" >&2
      exit 1
    fi
  done
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  mkdir -p "$dir/socket"
  if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$dir"; fi
  chmod 0755 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U dosegate_admin --auth=trust --no-sync \
    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # Unix socket only; a port number names the socket file in this private directory.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir/socket' -c port=5432 -c fsync=off -c max_connections=100" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  printf 'postgresql:///postgres?host=%s&port=5432&user=dosegate_admin\n' "$dir/socket" >"$dir/uri"
  echo "PostgreSQL 15 running on $dir/socket"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    # The test server holds nothing to keep: no shutdown checkpoint.
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg-server.sh start|stop DIR" >&2
  exit 2
  ;;
esac
