#!/usr/bin/env python3
"""The yardstick: the plain Python gateway a user would write instead of gatewayd.

paho-mqtt (1.6, Debian's python3-paho-mqtt) + sqlite3, one thread: subscribe to devices/# at QoS 1, store
every message as an event (duplicates ignored), batched commits (every 1,000 messages or 50 ms), three
threshold rules on wristband/mattress readings with de-duplication (one open alert per device and rule,
closed when the reading is normal again), alerts published at QoS 1 on alerts/{device}/{rule}.

It acknowledges a message when paho receives it (before the commit): cheaper, and what gatewayd does not do.
`gatewayd-bench yardstick` runs it beside gatewayd under the same load and compares CPU a message.

    python3 bench/python-gateway/gateway.py --broker 127.0.0.1:1883 --db /tmp/yardstick.sqlite
"""
import argparse
import json
import sqlite3
import time

import paho.mqtt.client as mqtt

RULES = (
    ("heart_rate_high", "heart_rate", lambda v: v > 120),
    ("heart_rate_low", "heart_rate", lambda v: v < 40),
    ("spo2_low", "spo2", lambda v: v < 90),
)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", default="127.0.0.1:1883")
    parser.add_argument("--db", required=True)
    parser.add_argument("--client-id", default="python-gateway")
    args = parser.parse_args()
    host, port = args.broker.rsplit(":", 1)

    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("""CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, channel TEXT NOT NULL, ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE (device_id, channel, ts))""")
    db.execute("""CREATE TABLE IF NOT EXISTS alerts (
        id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, rule TEXT NOT NULL, opened_at INTEGER NOT NULL,
        closed_at INTEGER)""")
    db.execute("CREATE TABLE IF NOT EXISTS rejected (id INTEGER PRIMARY KEY, topic TEXT, reason TEXT, received_at INTEGER)")
    db.execute("BEGIN")
    state = {"pending": 0, "last_commit": time.monotonic(), "open": set()}

    def commit():
        db.execute("COMMIT")
        db.execute("BEGIN")
        state["pending"] = 0
        state["last_commit"] = time.monotonic()

    def on_connect(client, userdata, flags, rc):
        client.subscribe("devices/#", qos=1)

    def on_message(client, userdata, message):
        now = int(time.time() * 1000)
        parts = message.topic.split("/")
        try:
            body = json.loads(message.payload)
            if len(parts) != 4 or not isinstance(body, dict):
                raise ValueError("unexpected topic or payload")
            device_id, channel, ts = parts[2], parts[3], int(body["ts"])
        except (ValueError, KeyError, TypeError):
            db.execute("INSERT INTO rejected (topic, reason, received_at) VALUES (?, ?, ?)",
                       (message.topic[:200], "malformed", now))
        else:
            cursor = db.execute("INSERT OR IGNORE INTO events (device_id, channel, ts, received_at, body) VALUES (?, ?, ?, ?, ?)",
                                (device_id, channel, ts, now, json.dumps(body.get("metrics") or body)))
            if cursor.rowcount and channel == "telemetry":
                metrics = body.get("metrics") or {}
                for rule, metric, breached in RULES:
                    value = metrics.get(metric)
                    if value is None:
                        continue
                    key = (device_id, rule)
                    if breached(value):
                        if key not in state["open"]:
                            state["open"].add(key)
                            db.execute("INSERT INTO alerts (device_id, rule, opened_at) VALUES (?, ?, ?)", (device_id, rule, now))
                            client.publish(f"alerts/{device_id}/{rule}",
                                           json.dumps({"device": device_id, "rule": rule, "value": value, "ts": ts}), qos=1)
                    elif key in state["open"]:
                        state["open"].discard(key)
                        db.execute("UPDATE alerts SET closed_at = ? WHERE device_id = ? AND rule = ? AND closed_at IS NULL",
                                   (now, device_id, rule))
        state["pending"] += 1
        if state["pending"] >= 1000:
            commit()

    client = mqtt.Client(client_id=args.client_id, clean_session=False)
    client.on_connect = on_connect
    client.on_message = on_message
    client.connect(host, int(port), keepalive=30)
    try:
        while True:
            client.loop(timeout=0.05)
            if state["pending"] and time.monotonic() - state["last_commit"] >= 0.05:
                commit()
    except KeyboardInterrupt:
        pass
    finally:
        db.execute("COMMIT")


if __name__ == "__main__":
    main()
