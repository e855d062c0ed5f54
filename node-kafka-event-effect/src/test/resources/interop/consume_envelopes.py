"""Reads ONEX envelopes the Java node published, with librdkafka (confluent-kafka), and prints what it saw.

Usage: consume_envelopes.py BOOTSTRAP TOPIC COUNT
Prints one JSON object on stdout: {"records": [...]} where each record carries the partition, offset, key,
headers (decoded as UTF-8), the envelope's key order, and the Python type names of the payload values, so the
Java test can check that a non-Java client sees the same event.
"""
import json
import sys
import time
import uuid

from confluent_kafka import Consumer


def main():
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "interop-" + str(uuid.uuid4()),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    records = []
    deadline = time.time() + 30
    try:
        while len(records) < count and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise SystemExit("consumer error: %s" % msg.error())
            envelope = json.loads(msg.value().decode("utf-8"))
            records.append({
                "partition": msg.partition(),
                "offset": msg.offset(),
                "key": msg.key().decode("utf-8") if msg.key() is not None else None,
                "headers": {k: v.decode("utf-8") for k, v in (msg.headers() or [])},
                "envelope_keys": list(envelope.keys()),
                "source_keys": list(envelope["source"].keys()),
                "timestamp_type": type(envelope["timestamp"]).__name__,
                "payload_types": {k: type(v).__name__ for k, v in envelope["payload"].items()},
                "envelope": envelope,
            })
    finally:
        consumer.close()
    json.dump({"records": records}, sys.stdout)


if __name__ == "__main__":
    main()
