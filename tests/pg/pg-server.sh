#!/bin/sh
# A real PostgreSQL 15 (Debian's postgresql package) for the test suite: `pg-server.sh start DIR`
# runs initdb and pg_ctl in a new temporary directory, listening on a Unix socket in that
# directory only (no TCP), and writes the superuser's connection URI to DIR/uri;
# `pg-server.sh stop DIR` stops it and removes both directories. ctest runs them as the postgresql-start and
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
  sh "$0" stop "$dir" 2>/dev/null || true
  mkdir -p "$dir"
  # The server's files live in a directory of their own under /tmp: a short socket path (the
  # limit is 107 bytes), and one that the user `nobody` can reach even when the build tree is
  # under a home directory others cannot enter. DIR records where it is.
  run=$(mktemp -d "${TMPDIR:-/tmp}/dosegate-pg.XXXXXX")
  echo "$run" >"$dir/run"
  mkdir -p "$run/socket"
  if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$run"; fi
  chmod 0755 "$run"
  as_owner "$bin/initdb" -D "$run/data" -U dosegate_admin --auth=trust --no-sync \
    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # Unix socket only; a port number names the socket file in this private directory. fsync off:
  # the test server holds nothing to keep.
  as_owner "$bin/pg_ctl" -D "$run/data" -l "$run/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$run/socket' -c port=5432 -c fsync=off -c max_connections=100" \
    start >/dev/null || { cat "$run/server.log" >&2; exit 1; }
  printf 'postgresql:///postgres?host=%s&port=5432&user=dosegate_admin\n' "$run/socket" >"$dir/uri"
  echo "PostgreSQL 15 running on $run/socket"
  ;;
stop)
  if [ -f "$dir/run" ]; then
    run=$(cat "$dir/run")
    case "$run" in
    */dosegate-pg.*)
      if [ -f "$run/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$run/data" -m immediate -w stop >/dev/null || true
      fi
      # The data of every test database: removed in the background (many files; the suite
      # need not wait for them).
      mv "$run" "$run.removing" && (setsid rm -rf "$run.removing" >/dev/null 2>&1 &)
      ;;
    esac
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg-server.sh start|stop DIR" >&2
  exit 2
  ;;
esac
