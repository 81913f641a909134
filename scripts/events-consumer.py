#!/usr/bin/env python3
"""A downstream consumer of OpenCASS's public events, written as one would
outside the project: confluent-kafka and jsonschema from PyPI, the schemas
in Topics/schemas/, nothing from the Swift code.

    events-consumer.py --brokers HOST:PORT --topic NS.cass.invoice-events [--compare DIR] [--no-duplicates]
    events-consumer.py --file events.jsonl [--compare DIR] [--no-duplicates]

Reads every event (Kafka: every partition from the beginning until
nothing new comes for --idle-seconds), and fails (exit 1, naming the event) when:
  - a value is not UTF-8 JSON, or the Kafka header content-type is not
    application/cloudevents+json; charset=UTF-8;
  - an envelope breaks Topics/schemas/cloudevent.schema.json, or its data
    breaks the schema whose $id is its dataschema;
  - two events share an id but differ (with --no-duplicates: share an id at
    all; a clean run writes each event once);
  - an invoice's invoice.lines parts are missing, repeated, over 1,000
    lines, or do not add up to its line count;
  - with --compare DIR: settlement-agents.csv rebuilt from invoice.issued,
    or settlement-airlines.csv rebuilt from period.closed, differs from
    DIR's file byte for byte.
Writes the rebuilt CSVs to --rebuild-to DIR when given.
"""
import argparse
import collections
import glob
import json
import os
import sys

import jsonschema
from jsonschema import Draft202012Validator

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
LINES_PER_PART_MAX = 1000


def fail(message):
    print(f"events-consumer: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def load_schemas(folder):
    envelope = None
    by_id = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.schema.json"))):
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle)
        Draft202012Validator.check_schema(schema)
        if os.path.basename(path) == "cloudevent.schema.json":
            envelope = Draft202012Validator(schema)
        else:
            by_id[schema["$id"]] = Draft202012Validator(schema)
    if envelope is None or not by_id:
        fail(f"no schemas in {folder}")
    return envelope, by_id


def read_file(path):
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield f"{path}:{number}", line.rstrip(b"\n"), CONTENT_TYPE


def read_kafka(brokers, topic, idle_seconds):
    """Every partition from offset 0 until nothing new came for
    idle_seconds (the high watermarks some brokers report lag behind what
    a fetch returns, so they are not trusted as the end)."""
    import time
    from confluent_kafka import Consumer, TopicPartition, KafkaException

    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"events-consumer-{os.getpid()}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    metadata = consumer.list_topics(topic, timeout=30)
    if topic not in metadata.topics or metadata.topics[topic].error is not None:
        fail(f"topic {topic} not found on {brokers}")
    partitions = sorted(metadata.topics[topic].partitions)
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    last = time.monotonic()
    while time.monotonic() - last < idle_seconds:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            raise KafkaException(message.error())
        last = time.monotonic()
        headers = dict((name, value) for name, value in (message.headers() or []))
        content_type = headers.get("content-type")
        yield (f"{topic}[{message.partition()}]@{message.offset()}", message.value(),
               content_type.decode("utf-8", "replace") if content_type is not None else None)
    consumer.close()


def agents_csv(invoices):
    out = "country,period,agent,currency,invoice_number,lines,net_due,tax_charged,tax_credited,total\n"
    for i in sorted(invoices, key=lambda i: (int(i["agent"]), i["country"], int(i["period"]))):
        out += (f'{i["country"]},{i["period"]},{i["agent"]},{i["currency"]},{i["number"]},{i["lines"]},'
                f'{i["netDueMinor"]},{i["taxChargedMinor"]},{i["taxCreditedMinor"]},{i["totalMinor"]}\n')
    return out


def airlines_csv(periods):
    rows = []
    for p in periods:
        for d in p["disbursements"]:
            rows.append((int(d["airline"]), p["country"], int(p["period"]),
                         f'{p["country"]},{p["period"]},{d["airline"]},{p["currency"]},{d["agents"]},{d["disbursementMinor"]}\n'))
    rows.sort(key=lambda r: r[:3])
    return "country,period,airline,currency,agents,disbursement\n" + "".join(r[3] for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--file")
    source.add_argument("--brokers")
    parser.add_argument("--topic", default="cass.invoice-events")
    parser.add_argument("--schemas", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Topics", "schemas"))
    parser.add_argument("--compare")
    parser.add_argument("--rebuild-to")
    parser.add_argument("--no-duplicates", action="store_true")
    parser.add_argument("--min-events", type=int, default=1)
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="Kafka: stop when nothing new came for this long")
    args = parser.parse_args()

    envelope, by_id = load_schemas(args.schemas)
    records = read_file(args.file) if args.file else read_kafka(args.brokers, args.topic, args.idle_seconds)

    seen = {}
    duplicates = 0
    counts = collections.Counter()
    invoices = {}
    periods = {}
    parts = collections.defaultdict(dict)
    for where, value, content_type in records:
        if content_type != CONTENT_TYPE:
            fail(f"{where}: header content-type is {content_type!r}, not {CONTENT_TYPE!r}")
        try:
            event = json.loads(value.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            fail(f"{where}: not UTF-8 JSON: {error}")
        errors = sorted(envelope.iter_errors(event), key=lambda e: list(e.path))
        if errors:
            fail(f"{where}: envelope breaks cloudevent.schema.json: {errors[0].message} at {list(errors[0].path)}")
        validator = by_id.get(event["dataschema"])
        if validator is None:
            fail(f"{where}: dataschema {event['dataschema']} is not the $id of any schema in {args.schemas}")
        errors = sorted(validator.iter_errors(event["data"]), key=lambda e: list(e.path))
        if errors:
            fail(f"{where}: event {event['id']} ({event['type']}) breaks {event['dataschema']}: "
                 f"{errors[0].message} at data{''.join(f'[{p!r}]' for p in errors[0].path)}")
        identity = event["id"]
        if identity in seen:
            if seen[identity] != event:
                fail(f"{where}: id {identity} was already used by another event: ids must name one fact")
            if args.no_duplicates:
                fail(f"{where}: event {identity} delivered twice")
            duplicates += 1
            continue
        seen[identity] = event
        kind = event["type"].removeprefix("org.opencass.")
        counts[kind] += 1
        data = event["data"]
        if kind == "invoice.issued":
            if event["subject"] != data["number"]:
                fail(f"{where}: subject {event['subject']} is not the invoice number {data['number']}")
            invoices[data["number"]] = data
        elif kind == "invoice.lines":
            if len(data["lines"]) > LINES_PER_PART_MAX:
                fail(f"{where}: {len(data['lines'])} lines in one part")
            parts[data["number"]][data["part"]] = data
        elif kind == "period.closed":
            periods[(data["country"], data["period"])] = data

    # Every invoice's lines are there, once, and add up.
    for number, invoice in invoices.items():
        got = parts.get(number, {})
        expected = invoice["lineParts"]
        if sorted(got) != list(range(1, expected + 1)):
            fail(f"invoice {number}: expected line parts 1..{expected}, got {sorted(got)}")
        if any(part["parts"] != expected for part in got.values()):
            fail(f"invoice {number}: a line part disagrees on the number of parts")
        lines = sum(len(part["lines"]) for part in got.values())
        if expected and lines != invoice["lines"]:
            fail(f"invoice {number}: {lines} lines in its parts, {invoice['lines']} in the invoice")
        per_airline = collections.Counter()
        for part in got.values():
            for line in part["lines"]:
                per_airline[line["airline"]] += 1
        if expected and any(per_airline[s["airline"]] != s["lines"] for s in invoice["sections"]):
            fail(f"invoice {number}: section line counts differ from its lines")
    for number in parts:
        if number not in invoices:
            fail(f"invoice.lines of {number} without its invoice.issued")
    # The settlement invariant, as a consumer can check it.
    for (country, period), closed in periods.items():
        issued = [i for i in invoices.values() if i["country"] == country and i["period"] == period]
        if len(issued) != closed["invoices"] or sum(i["totalMinor"] for i in issued) != closed["totalMinor"]:
            fail(f"period {country} {period}: period.closed says {closed['invoices']} invoices totalling {closed['totalMinor']}, "
                 f"invoice.issued events give {len(issued)} totalling {sum(i['totalMinor'] for i in issued)}")
        if sum(d["disbursementMinor"] for d in closed["disbursements"]) != closed["totalMinor"]:
            fail(f"period {country} {period}: disbursements do not add up to the invoices' total")

    total = sum(counts.values())
    if total < args.min_events:
        fail(f"only {total} events read")
    rebuilt = {"settlement-agents.csv": agents_csv(invoices.values()), "settlement-airlines.csv": airlines_csv(periods.values())}
    if args.rebuild_to:
        os.makedirs(args.rebuild_to, exist_ok=True)
        for name, text in rebuilt.items():
            with open(os.path.join(args.rebuild_to, name), "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
    if args.compare:
        for name, text in rebuilt.items():
            with open(os.path.join(args.compare, name), encoding="utf-8", newline="") as handle:
                expected = handle.read()
            if text != expected:
                got_lines, want_lines = text.splitlines(), expected.splitlines()
                first = next((n for n, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b), min(len(got_lines), len(want_lines)))
                fail(f"{name} rebuilt from the events differs from {args.compare}/{name} at line {first + 1}: "
                     f"{got_lines[first] if first < len(got_lines) else '(end)'!r} vs {want_lines[first] if first < len(want_lines) else '(end)'!r}")
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    print(f"events-consumer: ok: {total} events valid ({summary}); {duplicates} duplicate deliveries dropped"
          + (f"; both CSVs equal {args.compare}'s" if args.compare else ""))


if __name__ == "__main__":
    main()
