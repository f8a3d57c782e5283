"""
Seed 000's Python log shipper (the Stellarbridge how-to in /work/shared/seeds/000_*.txt), as the
bench runs it beside `sluice forward`: the same reader thread and bounded line queue, batches of
BATCH_SIZE lines (or FLUSH_INTERVAL seconds), each line parsed with json.loads and given
source/app/env defaults, each batch sent as Splunk HEC events (one json.dumps'd envelope per line)
in one `requests.post`, retried 5 times with backoff. Three changes, so that it can be measured:

* it reads the files named on the command line from their start (the seed reads stdin, or tails one
  file from its end, and never exits): exactly `cat FILES | shipper.py --stdin`, without the `cat`;
* it sends its last batch and exits when the input ends (the seed loops forever);
* for SIEM_KIND=splunk it keeps `Authorization: Splunk <token>` (the seed overwrites it with
  `Bearer <token>` whenever SIEM_TOKEN is set, which Splunk HEC refuses with 401: as printed, the
  seed never delivers to Splunk).

  SIEM_KIND=splunk SIEM_URL=http://127.0.0.1:8088/services/collector/event SIEM_TOKEN=… \
    python3 bench/shipper/shipper.py FILE…
"""
import json
import os
import queue
import sys
import threading
import time

import requests

BATCH_SIZE = int(os.getenv("BATCH_SIZE", "100"))
FLUSH_INTERVAL = float(os.getenv("FLUSH_INTERVAL", "2.0"))
SIEM_URL = os.getenv("SIEM_URL", "")
SIEM_TOKEN = os.getenv("SIEM_TOKEN", "")
SIEM_KIND = os.getenv("SIEM_KIND", "generic").lower()
SIEM_INDEX = os.getenv("SIEM_INDEX", "stellarbridge-logs")
VERIFY_TLS = os.getenv("VERIFY_TLS", "true").lower() != "false"
SOURCE = os.getenv("SOURCE", "stellarbridge-access")
APP = os.getenv("APP", "stellarbridge")
ENV = os.getenv("ENV", "prod")

lines_queue = queue.Queue(maxsize=10000)
END_OF_INPUT = None


def read_files(paths):
    for path in paths:
        with open(path, "r") as handle:
            for line in handle:
                if line.strip():
                    lines_queue.put(line.rstrip())
    lines_queue.put(END_OF_INPUT)


def generic_body(records):
    return json.dumps(records), {"Content-Type": "application/json"}


def splunk_body(records):
    now = int(time.time())
    events = [
        json.dumps({"time": now, "sourcetype": "_json", "source": SOURCE, "event": record})
        for record in records
    ]
    return "\n".join(events), {
        "Content-Type": "application/json",
        "Authorization": f"Splunk {SIEM_TOKEN}",
    }


def elastic_body(records):
    lines = []
    for record in records:
        lines.append(json.dumps({"index": {"_index": SIEM_INDEX}}))
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n", {"Content-Type": "application/x-ndjson"}


def to_record(line):
    try:
        record = json.loads(line)
    except Exception:
        record = {"message": line}
    record.setdefault("source", SOURCE)
    record.setdefault("app", APP)
    record.setdefault("env", ENV)
    return record


def send(lines):
    if not SIEM_URL:
        print("ERROR: SIEM_URL not set", file=sys.stderr)
        return
    records = [to_record(line) for line in lines]
    if SIEM_KIND == "splunk":
        body, headers = splunk_body(records)
    elif SIEM_KIND == "elastic":
        body, headers = elastic_body(records)
    else:
        body, headers = generic_body(records)
    if SIEM_TOKEN and SIEM_KIND != "splunk":
        headers["Authorization"] = f"Bearer {SIEM_TOKEN}"
    for attempt in range(5):
        try:
            response = requests.post(SIEM_URL, data=body, headers=headers, timeout=10, verify=VERIFY_TLS)
            if 200 <= response.status_code < 300:
                return
            time.sleep(min(2**attempt, 10))
        except Exception:
            time.sleep(min(2**attempt, 10))


def main():
    threading.Thread(target=read_files, args=(sys.argv[1:],), daemon=True).start()
    batch = []
    last = time.time()
    ended = False
    while not ended:
        try:
            line = lines_queue.get(timeout=0.5)
            if line is END_OF_INPUT:
                ended = True
            else:
                batch.append(line)
        except queue.Empty:
            pass
        now = time.time()
        if len(batch) >= BATCH_SIZE or (batch and (ended or now - last >= FLUSH_INTERVAL)):
            send(batch)
            batch = []
            last = now


if __name__ == "__main__":
    main()
