#!/usr/bin/env python3
"""The driver of scripts/check-api (run with the venv's python).

Starts `cass serve` on a fresh data folder (embedded log, no broker; with
--brokers LIST on a Kafka cluster instead, in a namespace of its own that
is deleted at the end) with
the shipped reference data, makes users of several roles, uploads the
samples and closes a period (so that lists, invoices and settlements hold
real objects whose bodies the response schemas are checked against), then
runs schemathesis once per role against GET /api/v1/openapi.json, as
served. Exit status 1 on any finding, or when the service died or logged a
crash; the service is always stopped.

Operations left out, and why:
- GET /api/v1/events is a Server-Sent Events stream that stays open: a
  request never ends, so schemathesis would only time out. The events are
  checked by scripts/check-events and the CASSService tests.
- DELETE /api/v1/sessions/current ends the session schemathesis
  authenticates with; every later request would be a (documented) 401 and
  test nothing. Logout is covered by the identity route tests.

Checks: all of schemathesis' but positive_data_acceptance, which wants a
2xx for every request its schema admits. The document states types and
the limits a schema can (lengths, patterns, enums, unknown fields); the
service checks more than a schema can say (a cursor `after` must be one it
gave, a period a real one, a company or operation one that exists, text
free of control characters, an SSH key a key) and answers those with the
documented 400/422/404: those answers are checked against the document
like every other (status, content type, body), not required to be 2xx.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "check-api operator password"
USER_PASSWORD = "check-api user password"
# (username, company, role): the brief's operator, airline and agent, plus
# the roles schemathesis authenticates as (one run each, see ROLES below).
USERS = [
    ("ba.input", "airline-125", "input"),
    ("thames", "agent-GB-91200040002", "output"),
]
# The operator runs last: schemathesis learns usernames from the answers
# and, as the cass admin, may rightly disable or delete the other users
# (which ends their sessions).
ROLES = [("airline (airline-125 input)", "ba.input", USER_PASSWORD),
         ("agent (agent-GB-91200040002 output)", "thames", USER_PASSWORD),
         ("operator (cass admin)", "root", ADMIN_PASSWORD)]
EXCLUDED = ["/api/v1/events", "/api/v1/sessions/current"]  # each path has only the one method
CLOSED_PERIOD = ("GB", "20261101")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class API:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method, path, token=None, json_body=None, data=None, headers=None):
        request = urllib.request.Request(self.base + path, method=method)
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            request.add_header("Content-Type", "application/json")
        elif data is not None:
            body = data
            request.add_header("Content-Type", "application/octet-stream")
        elif method == "POST":
            body = b""
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, data=body, timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def json(self, method, path, token=None, expect=200, **kwargs):
        status, body = self.call(method, path, token, **kwargs)
        if status != expect:
            raise SystemExit(f"check-api: setup: {method} {path} answered {status}, not {expect}: {body[:400]!r}")
        return json.loads(body) if body else None

    def login(self, username, password):
        return self.json("POST", "/api/v1/sessions", expect=201, json_body={"username": username, "password": password})["token"]


def wait_until(what, predicate, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"check-api: setup: {what} did not happen in {seconds} s")


def prepare(api):
    root = api.login("root", ADMIN_PASSWORD)
    for username, company, role in USERS:
        api.json("POST", "/api/v1/users", root, expect=201, json_body={
            "username": username, "company": company, "role": role, "name": username,
            "email": f"{username}@example.com", "language": "en", "password": USER_PASSWORD})
    samples = sorted(p for p in (REPO / "samples/input").iterdir() if p.suffix.lower() in (".cbf", ".xml", ".jsonld"))
    for sample in samples:
        api.json("POST", f"/api/v1/files?name={sample.name}", root, expect=201, data=sample.read_bytes())
    wait_until("processing of the samples", lambda: not api.json("GET", "/api/v1/files?status=received&limit=1000", root)["items"])
    country, period = CLOSED_PERIOD
    api.json("POST", f"/api/v1/operations/{country}/periods/{period}/close", root, expect=202)
    wait_until(f"closing {country} {period}", lambda: any(
        item["period"] == period and item["status"] == "closed"
        for item in api.json("GET", f"/api/v1/operations/{country}/periods?limit=1000", root)["items"]))
    print(f"check-api: {len(samples)} samples uploaded, {country} {period} closed", file=sys.stderr)
    # Every token is made before any run: a run may change a password
    # (PATCH /users/me) or lock a name out; sessions outlive both.
    return {username: api.login(username, password) for _, username, password in ROLES}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cass", required=True)
    parser.add_argument("--examples", type=int, default=40)
    parser.add_argument("--mode", default="all", choices=["all", "positive", "negative"])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis' seed (CI keeps 1; others explore)")
    parser.add_argument("--brokers", help="run cass serve on this Kafka cluster instead of its embedded log")
    args = parser.parse_args()

    schemathesis = Path(sys.executable).parent / "schemathesis"
    data = Path(tempfile.mkdtemp(prefix="cass-check-api."))
    port = free_port()
    log_path = data.parent / (data.name + ".serve.log")
    environment = dict(os.environ)
    environment.pop("CASS_BROKERS", None)  # the embedded log: CI exports the test broker's address
    kafka = []
    if args.brokers:
        # State in Kafka's topics, under a namespace of this run only.
        environment["CASS_NAMESPACE"] = f"check-api-{os.getpid()}-{int(time.time())}"
        kafka = ["--brokers", args.brokers]
    environment["CASS_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    environment["CASS_TEST_PASSWORD_ITERATIONS"] = "1000"
    with open(log_path, "wb") as log:
        serve = subprocess.Popen([args.cass, "serve", "--data", str(data), "--reference", str(REPO / "samples/reference"),
                                  "--listen", f"127.0.0.1:{port}", "--admin", "root"] + kafka,
                                 stdout=subprocess.DEVNULL, stderr=log, env=environment)
    api = API(port)
    failures = []
    try:
        wait_until("cass serve answering /healthz", lambda: serve.poll() is None and api.call("GET", "/healthz")[0] == 200, 180)
        tokens = prepare(api)
        reports = data.parent / (data.name + ".reports")
        for label, username, _ in ROLES:
            command = [str(schemathesis), "run", f"{api.base}/api/v1/openapi.json",
                       "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--mode", args.mode, "--max-examples", str(args.examples),
                       "--phases", "examples,coverage,fuzzing", "--seed", str(args.seed), "--workers", "1",
                       "--request-timeout", "30", "--generation-database", "none", "--no-color",
                       "--header", f"Authorization: Bearer {tokens[username]}",
                       "--report", "junit", "--report-dir", str(reports / username)]
            for path in EXCLUDED:
                command += ["--exclude-path", path]
            if api.call("GET", "/api/v1/users/me", tokens[username])[0] != 200:
                failures.append(f"the session of {username} no longer works before its run")
            print(f"\ncheck-api: schemathesis as {label}", file=sys.stderr, flush=True)
            started = time.monotonic()
            (reports / username).mkdir(parents=True, exist_ok=True)
            # Its working folder is the reports' one: it leaves a .schemathesis folder behind.
            status = subprocess.call(command, cwd=reports / username)
            print(f"check-api: {label}: exit {status} after {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            if status != 0:
                failures.append(f"schemathesis as {label} (exit {status})")
            if serve.poll() is not None:
                failures.append(f"cass serve exited ({serve.returncode}) during the run as {label}")
                break
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(60)
            except subprocess.TimeoutExpired:
                serve.kill()
                failures.append("cass serve did not stop within 60 s of SIGTERM")
        log_text = log_path.read_text(errors="replace")
        for marker in ("Fatal error", "fatalError", "Crash", "panic", "Segmentation"):
            if marker in log_text:
                failures.append(f"the service's log has '{marker}'")
        if serve.returncode not in (0, None):
            failures.append(f"cass serve ended with status {serve.returncode}")
        if failures:
            print(f"\ncheck-api: the service's log (last 60 lines of {log_path}):", file=sys.stderr)
            print("\n".join(log_text.splitlines()[-60:]), file=sys.stderr)
        if args.brokers:
            deleted = subprocess.call([args.cass, "topics", "delete", "--yes", "--brokers", args.brokers],
                                      env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if deleted != 0:
                print(f"check-api: could not delete the topics of namespace {environment['CASS_NAMESPACE']} (exit {deleted})", file=sys.stderr)
        if args.keep:
            print(f"check-api: kept {data}, {log_path} and the reports beside them", file=sys.stderr)
        else:
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(data.parent / (data.name + ".reports"), ignore_errors=True)
            log_path.unlink(missing_ok=True)
    if failures:
        print("check-api: FAILED: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)
    print("check-api: no findings", file=sys.stderr)


if __name__ == "__main__":
    main()
