#!/usr/bin/env bash
# Start and stop a throw-away PostgreSQL 15 and Redis for tests and benchmarks.
#
#   eval "$(scripts/services.sh start)"   # prints `export DATABASE_URL=...` and `export REDIS_URL=...`
#   scripts/services.sh env               # print the same lines again for running services
#   scripts/services.sh status            # say what runs (exit 1 if nothing does)
#   scripts/services.sh stop              # stop both and delete their data
#
# Both servers listen on 127.0.0.1 only, on the first free port from 54329
# (PostgreSQL) and 63790 (Redis) up, with their data in a fresh directory
# under /tmp. The state (that directory, the ports, the password) lives in
# $KURSLOTSE_SERVICES_DIR/state.env (default: var/services in the repository),
# so `stop` finds what `start` started. Set KURSLOTSE_SERVICES_DIR to run a
# second, independent pair (the benchmark does).
#
# `start` is idempotent: when the recorded servers still answer it prints their
# URLs again; stale state (e.g. after a reboot) is cleaned up first. Missing
# Debian packages (postgresql-15, redis-server) are installed first. Only the
# export lines go to stdout; everything else goes to stderr, so `eval` is safe.
#
# PostgreSQL's initdb refuses to run as root, so as root the cluster is created
# and run by the `postgres` system user.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${KURSLOTSE_SERVICES_DIR:-$REPO_DIR/var/services}"
STATE_FILE="$STATE_DIR/state.env"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_FIRST_PORT="${PG_FIRST_PORT:-54329}"
REDIS_FIRST_PORT="${REDIS_FIRST_PORT:-63790}"
DB_USER=kurslotse
DB_NAME=kurslotse

log() { printf 'services: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the PostgreSQL owner: `postgres` when we are root, else
# ourselves. From /, because `postgres` may not be allowed into our directory.
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@") 9>&-
    else
        "$@" 9>&-
    fi
}

install_missing_packages() {
    local packages=()
    [ -x "$PG_BIN/initdb" ] || packages+=(postgresql-15)
    command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || packages+=(redis-tools)
    [ "${#packages[@]}" -eq 0 ] && return 0
    log "installing missing Debian packages: ${packages[*]}"
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install ${packages[*]}"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
    [ -x "$PG_BIN/initdb" ] || die "$PG_BIN/initdb still missing after installing postgresql-15"
    command -v redis-server >/dev/null 2>&1 || die "redis-server still missing after installing it"
}

# True if nothing accepts or holds 127.0.0.1:$1 (a bind test, so ports that are
# bound but not yet listening count as taken too).
port_is_free() {
    if ! command -v python3 >/dev/null 2>&1; then
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi
        return 0
    fi
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

first_free_port() {
    local port=$1 last=$(($1 + 200))
    while [ "$port" -le "$last" ]; do
        if port_is_free "$port"; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    die "no free port between $1 and $last"
}

load_state() {
    [ -f "$STATE_FILE" ] || return 1
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    [ -n "${SVC_TMP:-}" ]
}

pg_answers() { [ -n "${PG_PORT:-}" ] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }
redis_answers() { [ -n "${REDIS_PORT:-}" ] && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

print_exports() {
    printf 'export DATABASE_URL=%q\n' "postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
    printf 'export REDIS_URL=%q\n' "redis://127.0.0.1:$REDIS_PORT/0"
}

stop_services() {
    if ! load_state; then
        log "nothing to stop (no state in $STATE_FILE)"
        rm -f "$STATE_FILE"
        return 0
    fi
    local pg_still_running=0
    if [ -f "$SVC_TMP/pgdata/PG_VERSION" ]; then
        if as_pg "$PG_BIN/pg_ctl" -D "$SVC_TMP/pgdata" status >/dev/null 2>&1; then
            log "stopping PostgreSQL on port $PG_PORT"
            if ! as_pg "$PG_BIN/pg_ctl" -D "$SVC_TMP/pgdata" -m fast -w -t 60 stop >&2; then
                log "WARNING: pg_ctl stop failed; see $SVC_TMP/postgres.log"
                pg_still_running=1
            fi
        fi
    fi
    if [ -f "$SVC_TMP/redis.pid" ]; then
        local pid
        pid="$(cat "$SVC_TMP/redis.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "redis-server" ]; then
            log "stopping Redis on port $REDIS_PORT (pid $pid)"
            redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
            local waited=0
            while [ -d "/proc/$pid" ] && [ "$waited" -lt 50 ]; do
                sleep 0.1
                waited=$((waited + 1))
            done
            if [ -d "/proc/$pid" ]; then
                log "Redis did not stop in 5 s; killing pid $pid"
                kill -9 "$pid" 2>/dev/null || true
            fi
        fi
    fi
    if [ "$pg_still_running" -eq 1 ]; then
        # Keep the data and the state, so a second `stop` can try again.
        die "PostgreSQL is still running from $SVC_TMP/pgdata"
    fi
    case "$SVC_TMP" in
        /tmp/kurslotse-services.*) rm -rf "$SVC_TMP" ;;
        *) log "WARNING: not deleting unexpected data directory '$SVC_TMP'" ;;
    esac
    rm -f "$STATE_FILE"
    log "stopped"
}

start_postgres() {
    local pgdata="$SVC_TMP/pgdata" sockdir="$SVC_TMP/pgsocket" pwfile="$SVC_TMP/pgpass.init"
    mkdir -p "$sockdir"
    # initdb reads the superuser's password from a file, never the command line.
    printf '%s\n' "$DB_PASSWORD" >"$pwfile"
    if is_root; then
        chown -R postgres:postgres "$SVC_TMP"
    fi
    log "initdb in $pgdata"
    as_pg "$PG_BIN/initdb" -D "$pgdata" -U postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        >"$SVC_TMP/initdb.log" 2>&1 || {
        cat "$SVC_TMP/initdb.log" >&2
        die "initdb failed"
    }
    rm -f "$pwfile"

    local attempt
    for attempt in 1 2 3; do
        PG_PORT="$(first_free_port "$PG_FIRST_PORT")"
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        if as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$SVC_TMP/postgres.log" -w -t 60 \
            -o "-c fsync=off -c max_connections=200 -c listen_addresses=127.0.0.1 -p $PG_PORT -k $sockdir" \
            start >/dev/null; then
            break
        fi
        [ "$attempt" -eq 3 ] && {
            tail -n 30 "$SVC_TMP/postgres.log" >&2 || true
            die "PostgreSQL did not start"
        }
        log "start failed (port taken meanwhile?); retrying"
    done

    # Superuser over the private socket (trust); the app's role gets a password.
    local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$PG_PORT" -U postgres -d postgres)
    as_pg "${psql[@]}" -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" >&2
    as_pg "${psql[@]}" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
}

start_redis() {
    local attempt
    for attempt in 1 2 3; do
        REDIS_PORT="$(first_free_port "$REDIS_FIRST_PORT")"
        log "starting Redis on 127.0.0.1:$REDIS_PORT"
        if redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize yes --pidfile "$SVC_TMP/redis.pid" --logfile "$SVC_TMP/redis.log" \
            --dir "$SVC_TMP" >&2 9>&-; then
            local waited=0
            while [ "$waited" -lt 100 ]; do
                redis_answers && return 0
                sleep 0.1
                waited=$((waited + 1))
            done
        fi
        [ "$attempt" -eq 3 ] && {
            tail -n 30 "$SVC_TMP/redis.log" >&2 || true
            die "Redis did not start"
        }
        log "Redis did not answer (port taken meanwhile?); retrying"
    done
}

write_state() {
    local tmp_state="$STATE_FILE.tmp"
    {
        printf 'SVC_TMP=%q\n' "$SVC_TMP"
        printf 'PG_PORT=%q\n' "$PG_PORT"
        printf 'REDIS_PORT=%q\n' "$REDIS_PORT"
        printf 'DB_PASSWORD=%q\n' "$DB_PASSWORD"
    } >"$tmp_state"
    chmod 600 "$tmp_state"
    mv "$tmp_state" "$STATE_FILE"
}

start_services() {
    if load_state; then
        if pg_answers && redis_answers; then
            log "already running (PostgreSQL :$PG_PORT, Redis :$REDIS_PORT)"
            print_exports
            return 0
        fi
        log "found stale state in $STATE_FILE; cleaning up first"
        stop_services
    fi
    install_missing_packages
    is_root && ! id postgres >/dev/null 2>&1 && die "running as root but there is no 'postgres' user"

    SVC_TMP="$(mktemp -d /tmp/kurslotse-services.XXXXXX)"
    chmod 755 "$SVC_TMP"
    DB_PASSWORD="$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
    PG_PORT=""
    REDIS_PORT=""
    # Record the directory at once, so `stop` can clean up after a half-done start.
    write_state
    # If anything below fails (set -e or die), undo what was started.
    trap 'if [ $? -ne 0 ]; then log "start failed; cleaning up"; stop_services || true; fi' EXIT
    start_postgres
    write_state
    start_redis
    write_state
    trap - EXIT
    log "PostgreSQL 127.0.0.1:$PG_PORT and Redis 127.0.0.1:$REDIS_PORT are up (data in $SVC_TMP)"
    print_exports
}

status_services() {
    if ! load_state; then
        log "not running"
        return 1
    fi
    local ok=0
    if pg_answers; then log "PostgreSQL answers on 127.0.0.1:$PG_PORT"; else
        log "PostgreSQL on port $PG_PORT does not answer"
        ok=1
    fi
    if redis_answers; then log "Redis answers on 127.0.0.1:$REDIS_PORT"; else
        log "Redis on port $REDIS_PORT does not answer"
        ok=1
    fi
    return "$ok"
}

main() {
    local command="${1:-}"
    case "$command" in
        start | stop | env | status) ;;
        *)
            echo "usage: $0 start|stop|env|status" >&2
            exit 2
            ;;
    esac
    mkdir -p "$STATE_DIR"
    # One caller at a time per state directory (two `start`s racing would
    # otherwise start two clusters). The servers are started with fd 9
    # closed (`9>&-`), or the daemons would hold this lock for ever.
    exec 9>"$STATE_DIR/lock"
    flock -w 180 9 || die "another services.sh holds $STATE_DIR/lock"
    case "$command" in
        start) start_services ;;
        stop) stop_services ;;
        status) status_services ;;
        env)
            if ! { load_state && pg_answers && redis_answers; }; then
                die "services are not running"
            fi
            print_exports
            ;;
    esac
}

main "$@"
