#!/bin/sh
# One-shot setup for newsflow: waits for Elasticsearch, (secured variant)
# sets the kibana_system password and creates the indexer's role
# (indexer-role.json: monitor; on newsflow-articles-* and the read alias
# create_index, create, indices:admin/aliases and, for re-pointing a merged
# story's articles, read, update_by_query and refresh; create_index and
# create on newsflow-stories) and user, installs the index templates from deploy/elasticsearch (the
# indexer's role may not: setup must run first, as operator), waits for
# Kibana and imports deploy/kibana/*.ndjson. It exits non-zero, printing
# the server's answer, on the first thing that fails: the indexer does not
# start (service_completed_successfully) until this has worked.
#
# Environment:
#   ES_URL                   http://elasticsearch:9200
#   KIBANA_URL               http://kibana:5601
#   TEMPLATE_DIR             /elasticsearch (deploy/elasticsearch)
#   KIBANA_DIR               /kibana (deploy/kibana)
#   CA_CERT                  CA file for https URLs (secured variant)
#   ELASTIC_PASSWORD         elastic superuser password (secured variant)
#   KIBANA_SYSTEM_PASSWORD   set as kibana_system's password when given
#   NEWSFLOW_ES_USERNAME     indexer user to create when given, with
#   NEWSFLOW_ES_PASSWORD     its password
#   WAIT_SECONDS             how long to wait for each server (300)
set -eu

ES_URL=${ES_URL:-http://elasticsearch:9200}
KIBANA_URL=${KIBANA_URL:-http://kibana:5601}
TEMPLATE_DIR=${TEMPLATE_DIR:-/elasticsearch}
KIBANA_DIR=${KIBANA_DIR:-/kibana}
WAIT_SECONDS=${WAIT_SECONDS:-300}
SETUP_DIR=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

fail() {
  echo "setup: FAILED: $*" >&2
  if [ -s "$OUT" ]; then
    echo "setup: server answered:" >&2
    cat "$OUT" >&2
    echo >&2
  fi
  exit 1
}

# call METHOD URL [curl args...]: prints the HTTP status, body in $OUT.
call() {
  method=$1 url=$2
  shift 2
  set -- -sS -o "$OUT" -w '%{http_code}' -X "$method" "$@" "$url"
  if [ -n "${CA_CERT:-}" ]; then set -- --cacert "$CA_CERT" "$@"; fi
  if [ -n "${ELASTIC_PASSWORD:-}" ]; then set -- -u "elastic:$ELASTIC_PASSWORD" "$@"; fi
  curl "$@" || true # curl still prints 000 for -w when it cannot connect
}

# expect WHAT STATUS: fails unless STATUS is 2xx.
expect() {
  case $2 in
    2??) echo "setup: $1: ok ($2)" ;;
    *) fail "$1: HTTP $2" ;;
  esac
}

# wait_for NAME URL: polls until URL answers 200.
wait_for() {
  name=$1 url=$2 waited=0
  echo "setup: waiting for $name at $url"
  while :; do
    code=$(call GET "$url")
    [ "$code" = 200 ] && { echo "setup: $name is up"; return 0; }
    [ "$waited" -ge "$WAIT_SECONDS" ] && fail "$name did not answer 200 within ${WAIT_SECONDS}s (last HTTP $code)"
    sleep 5
    waited=$((waited + 5))
  done
}

put_json() { # put_json WHAT URL FILE
  expect "$1" "$(call PUT "$2" -H 'Content-Type: application/json' --data-binary "@$3")"
}

wait_for elasticsearch "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=5s"

# Secured variant: Kibana 8 refuses the elastic superuser, so it logs in
# as kibana_system, whose password only the security API can set.
if [ -n "${KIBANA_SYSTEM_PASSWORD:-}" ]; then
  [ -n "${ELASTIC_PASSWORD:-}" ] || fail "KIBANA_SYSTEM_PASSWORD needs ELASTIC_PASSWORD"
  printf '{"password":"%s"}' "$KIBANA_SYSTEM_PASSWORD" >"$OUT.body"
  code=$(call POST "$ES_URL/_security/user/kibana_system/_password" -H 'Content-Type: application/json' --data-binary "@$OUT.body")
  rm -f "$OUT.body"
  expect "kibana_system password" "$code"
fi

# Secured variant: the indexer writes with a least-privilege user.
if [ -n "${NEWSFLOW_ES_USERNAME:-}" ]; then
  [ -n "${NEWSFLOW_ES_PASSWORD:-}" ] || fail "NEWSFLOW_ES_USERNAME needs NEWSFLOW_ES_PASSWORD"
  put_json "role newsflow_indexer" "$ES_URL/_security/role/newsflow_indexer" "$SETUP_DIR/indexer-role.json"
  printf '{"password":"%s","roles":["newsflow_indexer"],"full_name":"newsflow indexer"}' "$NEWSFLOW_ES_PASSWORD" >"$OUT.body"
  code=$(call PUT "$ES_URL/_security/user/$NEWSFLOW_ES_USERNAME" -H 'Content-Type: application/json' --data-binary "@$OUT.body")
  rm -f "$OUT.body"
  expect "user $NEWSFLOW_ES_USERNAME" "$code"
fi

# Index templates: component templates first, since the composable
# template composes them. A file's name (without .json) is the object's.
found=0
for f in "$TEMPLATE_DIR"/component-templates/*.json "$TEMPLATE_DIR"/component_templates/*.json; do
  [ -f "$f" ] || continue
  name=$(basename "$f" .json)
  put_json "component template $name" "$ES_URL/_component_template/$name" "$f"
done
for f in "$TEMPLATE_DIR"/index-templates/*.json "$TEMPLATE_DIR"/index_templates/*.json "$TEMPLATE_DIR"/*index-template*.json "$TEMPLATE_DIR"/*index_template*.json; do
  [ -f "$f" ] || continue
  name=$(basename "$f" .json)
  name=${name%.index-template}
  name=${name%-index-template}
  name=${name%_index_template}
  case $name in index-template|index_template) name=newsflow-articles ;; esac
  put_json "index template $name" "$ES_URL/_index_template/$name" "$f"
  found=$((found + 1))
done
[ "$found" -gt 0 ] || fail "no index template found in $TEMPLATE_DIR"

# Kibana saved objects: overwrite, so re-running setup upgrades them.
wait_for kibana "$KIBANA_URL/api/status"
for f in "$KIBANA_DIR"/*.ndjson; do
  [ -f "$f" ] || fail "no saved objects found in $KIBANA_DIR"
  code=$(call POST "$KIBANA_URL/api/saved_objects/_import?overwrite=true" -H 'kbn-xsrf: newsflow-setup' --form "file=@$f")
  expect "import $(basename "$f")" "$code"
  # The import API answers 200 even when objects fail; success is in the body.
  grep -q '"success":true' "$OUT" || fail "import $(basename "$f"): success is not true"
  cat "$OUT"; echo
done

echo "setup: done"
