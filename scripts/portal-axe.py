#!/usr/bin/env python3
"""Audits the portal's pages with axe-core in headless Chromium.

Usage: portal-axe.py PREVIEW_DIR [--only SUBSTRING]...

PREVIEW_DIR is what `cass-bench portal --preview DIR` writes (every page of
six kinds of user in every language, with the static files). It is served
on 127.0.0.1 so that the pages load /static/portal.css and /static/portal.js
as the service serves them, then each page is opened and audited. Prints
each serious or critical violation and ends with "N passed, N failed"
(one per page). Exit 1 when any page has a serious or critical violation.
"""
import functools
import http.server
import os
import sys
import threading

from axe_selenium_python import Axe
from selenium import webdriver


def main():
    # Never let Selenium look for drivers or send statistics over the network.
    os.environ["SE_OFFLINE"] = "true"
    os.environ["SE_AVOID_STATS"] = "true"
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    root = os.path.abspath(sys.argv[1])
    only = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--only" and i + 1 < len(sys.argv)]
    pages = sorted(
        os.path.relpath(os.path.join(d, f), root)
        for d, _, files in os.walk(root) for f in files if f.endswith(".html")
    )
    if only:
        pages = [p for p in pages if any(o in p for o in only)]
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/" % server.server_address[1]

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    if os.path.exists("/usr/bin/chromium"):
        options.binary_location = "/usr/bin/chromium"
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver") if os.path.exists("/usr/bin/chromedriver") else None
    driver = webdriver.Chrome(options=options, service=service)
    passed = failed = 0
    try:
        for page in pages:
            driver.get(base + page)
            axe = Axe(driver)
            axe.inject()
            results = axe.run()
            bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
            if bad:
                failed += 1
                for v in bad:
                    targets = [n["target"] for n in v["nodes"][:3]]
                    print("%s: %s (%s) %s" % (page, v["id"], v["impact"], targets))
            else:
                passed += 1
    finally:
        driver.quit()
        server.shutdown()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
