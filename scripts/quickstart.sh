#!/usr/bin/env bash
# Sets up and runs gatewayd on the sample devices.yaml: installs system packages, builds a release binary,
# starts a local mosquitto on 127.0.0.1:1883 (unless one already listens there) with one account per device,
# the console and the gateway (`gatewayd broker-config`: no anonymous clients, each device its own topics only)
# and runs the gateway with the SQLite file gateway.sqlite. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product gatewayd
.build/release/gatewayd check devices.yaml

mkdir -p .run
broker_pid=""
if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  .build/release/gatewayd broker-config devices.yaml --out .run/mosquitto
  gateway_user=$(awk '/^gatewayd-/ {print $1}' .run/mosquitto/credentials)
  export GATEWAYD_MQTT_USERNAME="$gateway_user"
  GATEWAYD_MQTT_PASSWORD=$(awk -v u="$gateway_user" '$1 == u {print $2}' .run/mosquitto/credentials)
  export GATEWAYD_MQTT_PASSWORD
  band_password=$(awk '$1 == "xf-0301-band" {print $2}' .run/mosquitto/credentials)
  cat > .run/mosquitto.conf <<CONF
user $(id -un)
listener 1883 127.0.0.1
allow_anonymous false
password_file $PWD/.run/mosquitto/passwd
acl_file $PWD/.run/mosquitto/acl
persistence true
persistence_location $PWD/.run/
max_queued_messages 100000
max_inflight_messages 1000
log_dest file $PWD/.run/mosquitto.log
CONF
  mosquitto -c .run/mosquitto.conf &
  broker_pid=$!
  trap '[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.1; done
  echo "Started mosquitto on 127.0.0.1:1883 (log: .run/mosquitto.log; accounts and passwords: .run/mosquitto/credentials)"
  echo "Try: mosquitto_pub -u xf-0301-band -P $band_password -q 1 -t devices/xingfuli/xf-0301-band/telemetry -m '{\"ts\": '\$(date +%s%3N)', \"metrics\": {\"heart_rate\": 72}}'"
else
  echo "A broker already listens on 127.0.0.1:1883: the gateway connects to it as it is configured (see README, Broker accounts)."
fi
echo "then: sqlite3 gateway.sqlite 'SELECT device_id, channel, ts, body FROM events ORDER BY id DESC LIMIT 5'"
.build/release/gatewayd run --config devices.yaml --broker mqtt://127.0.0.1:1883 --db gateway.sqlite --http 127.0.0.1:8080
