#!/usr/bin/env python3
"""What a client sees of `cass serve` through the TLS proxy of the compose
file (docker/nginx.conf), run by scripts/check-proxy. Standard library only."""
import argparse
import http.client
import json
import re
import socket
import ssl
import sys
import time

problems = []


def check(condition, text):
    if not condition:
        problems.append(text)
    print(("ok   " if condition else "FAIL ") + text, file=sys.stderr)
    return condition


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--https", type=int, required=True)
    parser.add_argument("--http", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--samples", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.ca)
    origin = f"https://127.0.0.1:{args.https}"

    def connect():
        return http.client.HTTPSConnection("127.0.0.1", args.https, context=context, timeout=30)

    def request(method, path, body=None, headers=None, source=None):
        connection = connect() if source is None else \
            http.client.HTTPSConnection("127.0.0.1", args.https, context=context, timeout=30, source_address=(source, 0))
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        data = answer.read()
        connection.close()
        return answer, data

    # TLS with the proxy's certificate, and the service behind it.
    answer, data = request("GET", "/healthz")
    check(answer.status == 200, f"GET /healthz over TLS: {answer.status}")
    plain = socket.create_connection(("127.0.0.1", args.https), timeout=10)
    plain.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    check(b" 200 " not in plain.recv(200).split(b"\r\n")[0], "plain HTTP on the TLS port is not served")
    plain.close()

    # Plain HTTP is sent on to https, method and body kept (308).
    connection = http.client.HTTPConnection("127.0.0.1", args.http, timeout=10)
    connection.request("POST", "/api/v1/sessions?x=1", body=b"{}", headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    check(answer.status == 308 and (answer.getheader("Location") or "").startswith("https://127.0.0.1")
          and (answer.getheader("Location") or "").endswith("/api/v1/sessions?x=1"),
          f"plain HTTP is sent on to https: {answer.status} {answer.getheader('Location')}")

    # An API session, then the portal's sign-in: the session cookie is
    # Secure, because the service sees X-Forwarded-Proto: https, and the
    # origin check accepts the browser's https origin.
    # The client (from 127.0.0.2, not a proxy) claims an address of its
    # own; the proxy appends the real one, and the service
    # (--trusted-proxy 127.0.0.1, the proxy's side) records that.
    answer, data = request("POST", "/api/v1/sessions", json.dumps({"username": "root", "password": args.password}),
                           {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.66"}, source="127.0.0.2")
    token = json.loads(data).get("token", "") if answer.status in (200, 201) else ""
    check(bool(token), f"API login through the proxy: {answer.status}")
    auth = {"Authorization": f"Bearer {token}"}
    answer, data = request("GET", "/api/v1/audit?limit=1000", headers=auth)
    started = [item for item in json.loads(data).get("items", []) if item.get("action") == "session.started"] if answer.status == 200 else []
    check(bool(started) and started[-1].get("from") == "127.0.0.2",
          f"the audit trail names the client the proxy saw, not the address the client claimed: {started[-1].get('from') if started else answer.status}")

    answer, page = request("GET", "/login")
    cookies = "; ".join(value.split(";")[0] for name, value in answer.getheaders() if name.lower() == "set-cookie")
    match = re.search(rb'name="csrf" value="([^"]+)"', page)
    check(answer.status == 200 and match is not None, f"GET /login: {answer.status}, a CSRF token in the form")
    if match:
        form = f"username=root&password={args.password.replace(' ', '+')}&csrf={match.group(1).decode()}"
        answer, _ = request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                       "Origin": origin, "Cookie": cookies})
        session = [value for name, value in answer.getheaders() if name.lower() == "set-cookie" and value.startswith("cass_session=")]
        check(answer.status == 303 and bool(session) and "Secure" in session[0],
              f"portal sign-in with the https origin: {answer.status}, cookie {session[0].split(';', 1)[1] if session else 'none'}")
        answer, _ = request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                       "Origin": f"http://127.0.0.1:{args.https}", "Cookie": cookies})
        check(answer.status == 403, f"the same sign-in from the plain-http origin is refused: {answer.status}")

    # The event stream, opened before the upload: its event must come
    # through at once (the proxy does not buffer it).
    events = http.client.HTTPSConnection("127.0.0.1", args.https, context=context, timeout=10)
    events.request("GET", "/api/v1/events", headers=auth)
    try:
        stream = events.getresponse()
        check(stream.status == 200 and (stream.getheader("Content-Type") or "").startswith("text/event-stream"),
              f"GET /api/v1/events: {stream.status} {stream.getheader('Content-Type')}")
    except (socket.timeout, TimeoutError):
        stream = None
        check(False, "GET /api/v1/events: no answer within 10 s (is the proxy buffering it?)")

    # A billing file streamed in chunks (Transfer-Encoding: chunked), as
    # big uploads go: settled as if sent directly.
    name = "125_GB_20261101_000001.cbf"
    content = open(f"{args.samples}/{name}", "rb").read()

    def chunks():
        for start in range(0, len(content), 4096):
            yield content[start:start + 4096]

    connection = connect()
    connection.request("POST", f"/api/v1/files?name={name}", body=chunks(), encode_chunked=True,
                       headers={**auth, "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    check(answer.status in (201, 202), f"chunked upload of {name} ({len(content)} bytes) through the proxy: {answer.status}")
    status = None
    deadline = time.time() + 60
    while time.time() < deadline:
        _, data = request("GET", "/api/v1/files?limit=100", headers=auth)
        items = [item for item in json.loads(data).get("items", []) if item.get("name") == name]
        status = items[0].get("status") if items else None
        if status not in (None, "received"):
            break
        time.sleep(0.2)
    check(status == "accepted", f"the uploaded file was processed: {status}")

    seen = b""
    try:
        if events.sock is not None:
            events.sock.settimeout(30)
        while stream is not None and b"event: file." not in seen and len(seen) < 1_000_000:
            line = stream.fp.readline()
            if not line:
                break
            seen += line
    except (socket.timeout, TimeoutError):
        pass
    check(b"event: file." in seen, "the upload's event came through the event stream")
    events.close()

    # The service's limits answer through the proxy, as problem+json (not
    # the proxy's own HTML): headers over 16 KiB, a JSON body over 1 MiB,
    # a billing file over 256 MiB (announced, never sent).
    answer, data = request("GET", "/api/v1/files", headers={**auth, "X-Padding": "a" * 20_000})
    check(answer.status == 431 and "problem+json" in (answer.getheader("Content-Type") or ""),
          f"20 KB of headers: {answer.status} {answer.getheader('Content-Type')}")
    answer, data = request("POST", "/api/v1/sessions", b'{"username":"' + b"a" * (1_100_000) + b'"}',
                           {"Content-Type": "application/json"})
    check(answer.status == 413 and "problem+json" in (answer.getheader("Content-Type") or ""),
          f"a 1.1 MB JSON body: {answer.status} {answer.getheader('Content-Type')}")
    connection = connect()
    connection.putrequest("POST", "/api/v1/files?name=125_GB_20261101_000099.cbf")
    for header, value in {**auth, "Content-Type": "application/octet-stream", "Content-Length": str(256 * 1024 * 1024 + 1)}.items():
        connection.putheader(header, value)
    connection.endheaders()
    answer = connection.getresponse()
    answer.read()
    connection.close()
    check(answer.status == 413 and "problem+json" in (answer.getheader("Content-Type") or ""),
          f"a billing file of 256 MiB + 1 byte (announced): {answer.status} {answer.getheader('Content-Type')}")

    # A download through the proxy, whole.
    answer, document = request("GET", "/api/v1/openapi.json")
    check(answer.status == 200 and json.loads(document).get("openapi", "").startswith("3.1"),
          f"GET /api/v1/openapi.json: {answer.status}, {len(document)} bytes of OpenAPI 3.1")

    if problems:
        print(f"check-proxy: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check-proxy: cass serve answers through docker/nginx.conf as it should", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
