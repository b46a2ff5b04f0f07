#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and benchmarks: Debian's postgresql, a cluster in a
# temporary folder, listening on a Unix socket in that folder and on a loopback port.
#
#   scripts/pg.sh install          install Debian's postgresql if its binaries are missing (root)
#   scripts/pg.sh start DIR [PORT] initdb + start a cluster in DIR; prints its superuser URL
#   scripts/pg.sh stop DIR         stop the cluster in DIR and remove DIR
#   scripts/pg.sh run CMD...       start a cluster, run CMD with POLICY_MONITOR_TEST_PG_URL set, stop it
#
# The server runs as the owner of DIR: postgres refuses to run as root, so as root the
# cluster belongs to the `postgres` user (created by the Debian package) or `nobody`.
# fsync is off: a test cluster that loses its data on a crash loses nothing of value, and
# CREATE DATABASE ... TEMPLATE (one per test) becomes cheap.
set -euo pipefail

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

install_pg() {
    pg_bin >/dev/null && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "pg.sh: PostgreSQL is not installed; run as root: apt-get install -y postgresql" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    echo "pg.sh: installing Debian's postgresql (apt-get, a minute or two)" >&2
    apt-get update -qq
    # the cluster Debian creates is not used: ours lives in a temporary folder
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    pg_bin >/dev/null
}

as_owner() {  # run a command as the cluster's owner (ourselves unless we are root)
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$OWNER" -- "$@"
    else
        "$@"
    fi
}

start_pg() {
    local dir="$1" port="${2:-}" bin
    bin="$(pg_bin)"
    OWNER="$(id -un)"
    if [ "$(id -u)" = 0 ]; then
        OWNER=postgres
        id postgres >/dev/null 2>&1 || OWNER=nobody
    fi
    mkdir -p "$dir"
    chown "$OWNER" "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    if [ -z "$port" ]; then  # a free loopback port, chosen by the kernel
        port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB" >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
}

stop_pg() {
    local dir="$1" bin
    bin="$(pg_bin)"
    if [ -f "$dir/data/postmaster.pid" ]; then
        OWNER="$(stat -c %U "$dir/data")"
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    install) install_pg ;;
    start) install_pg; start_pg "${2:?DIR}" "${3:-}" ;;
    stop) stop_pg "${2:?DIR}" ;;
    run)
        shift
        install_pg
        dir="$(mktemp -d /tmp/policy-monitor-pg.XXXXXX)"
        trap 'stop_pg "$dir"' EXIT
        url="$(start_pg "$dir")"
        echo "pg.sh: PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') at $url" >&2
        POLICY_MONITOR_TEST_PG_URL="$url" "$@"
        ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
