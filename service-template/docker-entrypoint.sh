#!/usr/bin/env bash
# The image's entry point (under tini, which forwards signals and reaps zombies).
# Runs the database migrations, then what its argument names:
#   web      the HTTP API (the default)          node dist/src/web.js
#   worker   the BullMQ worker                   node dist/src/worker.js
#   all      both in one container, supervised: if either exits the container exits non-zero;
#            SIGTERM reaches both, and the container exits 0 once both have shut down cleanly
#   other    run as given, without migrations:  docker run IMAGE node dist/src/api-key.js create ci editor
# Migrations run under Kysely's migration lock, so containers starting together are safe.
# MIGRATE_ON_START=false skips them (when a release step runs `node dist/src/migrate.js latest`).
# Preview environments (lsvc preview up/down, src/preview.ts): DATABASE_CREATE=true creates the
# preview's own database first; PREVIEW_TEARDOWN=true drops it and its Redis keys instead of starting.
set -euo pipefail

# healthcheck.js reads PROCESS_TYPE. The HEALTHCHECK runs outside this script's
# environment, so the type is also written where the Dockerfile's HEALTHCHECK reads it.
PROCESS_TYPE_FILE=/tmp/little-service.process-type

log() { echo "docker-entrypoint: $*" >&2; }

set_process_type() {
  export PROCESS_TYPE="$1"
  echo "$1" >"$PROCESS_TYPE_FILE"
}

migrate() {
  if [ "${DATABASE_CREATE:-false}" = true ]; then
    node dist/src/preview.js create
  fi
  if [ "${MIGRATE_ON_START:-true}" = false ]; then
    log "MIGRATE_ON_START=false: not running migrations"
    return
  fi
  node dist/src/migrate.js latest
}

# Runs web and worker side by side and stops both when either stops.
run_all() {
  local web='' worker='' stopping='' status=0 web_status=0 worker_status=0
  stop_both() {
    stopping=1
    kill -TERM $web $worker 2>/dev/null || true
  }
  trap stop_both TERM INT
  node dist/src/web.js &
  web=$!
  node dist/src/worker.js &
  worker=$!
  [ -z "$stopping" ] || stop_both # a signal arrived while they were starting

  # Returns when the first of the two exits, or at once when a signal arrives (after its trap).
  # (bash's wait -n only sees exits that happen while it waits: hence the kill -0 check first.)
  local exited=''
  if kill -0 "$web" 2>/dev/null && kill -0 "$worker" 2>/dev/null; then
    wait -n -p exited "$web" "$worker" || status=$?
  else
    status=1
  fi
  if [ -z "$stopping" ]; then
    local name=process
    [ "$exited" != "$web" ] || name=web
    [ "$exited" != "$worker" ] || name=worker
    log "the $name exited on its own (status $status): stopping the other one"
    stop_both
    wait || true
    exit $((status == 0 ? 1 : status))
  fi
  # Graceful stop: let each finish its shutdown. A second signal makes them exit at once.
  wait "$web" || web_status=$?
  wait "$worker" || worker_status=$?
  log "stopped: web exited $web_status, worker exited $worker_status"
  if [ "$web_status" -ne 0 ]; then exit "$web_status"; fi
  exit "$worker_status"
}

command="${1:-web}"
case "$command" in
  web | worker | all)
    if [ "${PREVIEW_TEARDOWN:-false}" = true ]; then
      set_process_type "$command"
      exec node dist/src/preview.js teardown "$command"
    fi
    ;;
esac
case "$command" in
  web | worker)
    set_process_type "$command"
    migrate
    shift || true
    exec node "dist/src/$command.js" "$@"
    ;;
  all)
    set_process_type all
    migrate
    run_all
    ;;
  *)
    exec "$@"
    ;;
esac
