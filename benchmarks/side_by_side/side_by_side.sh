#!/bin/bash
# Side by side: TS marshal's webhook (node dist/bin/webhook-server.js) and our `marshal webhook` on
# DynamoDB + SQS FIFO in moto's server, the same OnCall-shaped HMAC load (oncall_load.js). Each
# (mode, implementation) gets a fresh moto server, so queue depth from one run never slows the next.
# Usage: side_by_side.sh TSDIR MARSHAL_VENV [N] [C] [MODES]
#
# marshal's copy of ../shared/bench/side-by-side/side_by_side.sh (its helpers are used from there),
# changed only where the shared one cannot run today's marshal or a loaded machine:
# - MARSHAL_AUDIT_KEY is set (marshal on DynamoDB refuses to start without one since issue 11);
# - MARSHAL_VENV may be relative (it is made absolute before the script changes directory);
# - the TypeScript webhook is waited for on its port, not for a fixed 3 s;
# - MOTO=serialised runs moto with DynamoDB requests one at a time and transactions that snapshot
#   only the items they name (tests/fakes/moto.py), for both implementations alike: plain moto's
#   transactions deep-copy and restore whole tables, so each costs time in proportion to the
#   table (DynamoDB's cost is per item) and, interleaved, they fail with 500s and lose writes
#   that real DynamoDB keeps. Default: plain.
# Per run it prints AWS calls per request, counted from moto's request log.
set -u
TS=$1; MV=$(cd "$2" && pwd); N=${3:-1000}; C=${4:-16}; MODES=${5:-"badsig dup fresh"}
HERE=/work/shared/bench/side-by-side; W=$(mktemp -d)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
start_moto() {  # log file
  if [ "${MOTO:-plain}" = serialised ]; then
    cd "$ROOT" && exec "$MV/bin/python" -c "
from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from tests.fakes.moto import OneRequestAtATime, dynamodb_requests, per_item_transactions
per_item_transactions()
app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app), dynamodb_requests)
make_server('127.0.0.1', 5055, app, threaded=True, request_handler=MotoRequestHandler).serve_forever()" >>"$1" 2>&1
  else
    exec "$MV/bin/moto_server" -H 127.0.0.1 -p 5055 >>"$1" 2>&1
  fi
}
run_one() {  # impl mode
  start_moto "$W/moto-$1-$2.log" & local MOTO=$!
  for i in $(seq 30); do curl -s localhost:5055 >/dev/null && break; sleep 0.5; done
  "$MV/bin/python" "$HERE/ts_marshal_moto_setup.py" >/dev/null
  if [ "$1" = ts ]; then
    ( set -a; source "$HERE/ts_marshal_webhook.env"; cd "$TS" && exec node dist/bin/webhook-server.js ) >>"$W/ts.log" 2>&1 & local SRV=$!
    local PORT=3901 WPATH=/webhook
    for i in $(seq 60); do curl -s -o /dev/null localhost:3901 && break; sleep 0.5; done
  else
    "$MV/bin/python" -c "
import boto3
kw=dict(region_name='us-east-1', endpoint_url='http://127.0.0.1:5055', aws_access_key_id='fake', aws_secret_access_key='fake')
boto3.client('sqs',**kw).create_queue(QueueName='marshal-events.fifo', Attributes={'FifoQueue':'true'})"
    ( export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake AWS_ENDPOINT_URL=http://127.0.0.1:5055 \
        MARSHAL_STORE=dynamodb MARSHAL_QUEUE=sqs MARSHAL_TABLE_PREFIX=bench- MARSHAL_QUEUE_URL=http://127.0.0.1:5055/123456789012/marshal-events.fifo \
        MARSHAL_HTTP_PORT=3902 MARSHAL_SECRET_GRAFANA_ONCALL=local-test-hmac-secret MARSHAL_LOG_LEVEL=WARNING \
        MARSHAL_AUDIT_KEY=side-by-side-audit-key-0123456789abcdef; cd "$W" && exec "$MV/bin/marshal" webhook ) >>"$W/py.log" 2>&1 & local SRV=$!
    local PORT=3902 WPATH=/webhooks/grafana-oncall
    for i in $(seq 60); do curl -sf localhost:3902/readyz >/dev/null && break; sleep 0.5; done
  fi
  local BEFORE=$(grep -c 'POST /' "$W/moto-$1-$2.log")
  printf '%-8s %s\n' "$1" "$(PORT=$PORT WPATH=$WPATH node "$HERE/oncall_load.js" $2 $N $C)"
  sleep 2  # marshal marks outbox events sent just after answering: count those too
  local AFTER=$(grep -c 'POST /' "$W/moto-$1-$2.log")
  printf '%-8s AWS calls during the load: %s (%s per request)\n' "$1" $((AFTER - BEFORE)) \
    "$(echo "scale=2; ($AFTER - $BEFORE) / $N" | bc)"
  kill $SRV; wait $SRV 2>/dev/null; kill $MOTO; wait $MOTO 2>/dev/null
}
for mode in $MODES; do run_one ts $mode; run_one marshal $mode; done
echo "logs in $W"
