#!/usr/bin/env python3
"""Drives the portal of a running `cass serve` in headless Chromium.

Usage: portal-browser.py CONFIG.json

The XCTest PortalBrowserTests starts a service with known data on
127.0.0.1, writes CONFIG (base URL, users, an invoice number, a billing
file) and runs this script with the venv's Python (scripts/install-deps
makes it). What it checks, only through the page paths and form field
names the spec names:
  - signing in through /login as an agent (Arabic), an airline (Japanese)
    and the operator;
  - <html lang dir> on every page (rtl for Arabic), Japanese words on the
    airline's pages;
  - the agent's /invoices: each invoice number as text, download links;
  - the airline uploads a billing file on /files (input named `file`) and
    sees it listed with its status (when the service has /files);
  - the operator's /statistics updates from /api/v1/events without a
    reload when something happens;
  - axe-core on every page visited: no violation at all.
Screenshots go to CONFIG["screenshots"] when set. Prints "N passed, N
failed" (one per check) and exits 1 on any failure.
"""
import json
import os
import sys
import time
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

passed = 0
failures = []


def check(ok, what):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)
        print("FAIL: " + what, flush=True)


def new_driver():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    if os.path.exists("/usr/bin/chromium"):
        options.binary_location = "/usr/bin/chromium"
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver") if os.path.exists("/usr/bin/chromedriver") else None
    return webdriver.Chrome(options=options, service=service)


def sign_in(driver, base, username, password):
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type='submit']").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)


def audit(driver, config, label):
    """axe-core on the page as it stands: every violation is a failure."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    violations = results["violations"]
    # axe ran for real: it passed some rules (an empty result would hide a broken injection).
    check(len(results.get("passes", [])) > 0, "axe: %s ran no rule" % label)
    for v in violations:
        targets = [n["target"] for n in v["nodes"][:3]]
        print("  axe %s: %s (%s) %s" % (label, v["id"], v.get("impact"), targets), flush=True)
    check(not violations, "axe: %s has %d violation(s)" % (label, len(violations)))
    folder = config.get("screenshots")
    if folder:
        os.makedirs(folder, exist_ok=True)
        driver.save_screenshot(os.path.join(folder, label.replace("/", "_").strip("_") + ".png"))


def visit(driver, config, path, lang, label):
    driver.get(config["base"] + path)
    html = driver.find_element(By.TAG_NAME, "html")
    check(html.get_attribute("lang") == lang, "%s: lang is %r, not %r" % (label, html.get_attribute("lang"), lang))
    want_dir = "rtl" if lang == "ar" else "ltr"
    check(html.get_attribute("dir") == want_dir, "%s: dir is %r, not %r" % (label, html.get_attribute("dir"), want_dir))
    check(len(driver.find_elements(By.TAG_NAME, "h1")) == 1, "%s: one h1" % label)
    audit(driver, config, label)


def api(config, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(config["base"] + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")


def token(config, username, password):
    request = urllib.request.Request(config["base"] + "/api/v1/sessions", method="POST",
                                     data=json.dumps({"username": username, "password": password}).encode())
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["token"]


def agent_pages(driver, config, key="agent"):
    user = config[key]
    sign_in(driver, config["base"], user["username"], user["password"])
    for path in user["pages"]:
        visit(driver, config, path, user["language"], "agent-" + user["language"] + path)
    driver.get(config["base"] + "/invoices")
    numbers = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.invoice-number")]
    for number in config["invoices"]:
        check(number in numbers, "agent /invoices: %s shown as text (got %s)" % (number, numbers))
        for fmt in ("pdf", "xlsx", "hot", "xml"):
            href = "/api/v1/invoices/%s/documents/%s" % (number, fmt)
            check(bool(driver.find_elements(By.CSS_SELECTOR, "a[href='%s']" % href)), "agent /invoices: link %s" % href)
    # The invoice's page, then the dispute form on it.
    driver.get(config["base"] + "/invoices/" + config["invoices"][0])
    visit(driver, config, "/invoices/" + config["invoices"][0], user["language"], "agent-" + user["language"] + "/invoice")


def airline_pages(driver, config):
    user = config["airline"]
    sign_in(driver, config["base"], user["username"], user["password"])
    for path in user["pages"]:
        visit(driver, config, path, user["language"], "airline-" + user["language"] + path)
    # Japanese words on the page, not only the attribute.
    body = driver.find_element(By.TAG_NAME, "body").text
    check(any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in body), "airline pages are in Japanese")
    driver.get(config["base"] + "/files")
    inputs = driver.find_elements(By.CSS_SELECTOR, "input[type='file'][name='file']")
    if not inputs:
        print("note: /files has no upload form in this service (answered %r); upload not checked" % driver.title, flush=True)
        return
    visit(driver, config, "/files", user["language"], "airline-" + user["language"] + "/files")
    upload = config["upload"]
    driver.find_element(By.CSS_SELECTOR, "input[type='file'][name='file']").send_keys(upload)
    form = driver.find_element(By.CSS_SELECTOR, "form[enctype='multipart/form-data']")
    form.find_element(By.CSS_SELECTOR, "button[type='submit']:not([formaction])").click()
    name = os.path.basename(upload)
    try:
        # textContent: a long name may wrap on screen, which .text would show as two lines.
        WebDriverWait(driver, 60).until(lambda d: name in d.execute_script("return document.querySelector('main').textContent"))
        check(True, "upload listed")
    except Exception:
        check(False, "airline /files: %s listed after the upload" % name)
    audit(driver, config, "airline-" + user["language"] + "/files-after-upload")
    # Once accepted (the list is live), a withdraw button for it; then its own page.
    try:
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#files-live form[action$='/withdraw'] button"))
        check(True, "withdraw button")
    except Exception:
        check(False, "airline /files: no withdraw button for the accepted file")
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#files-live a[href*='/files/']")]
    if links:
        path = "/files/" + links[0].rsplit("/files/", 1)[1]
        visit(driver, config, path, user["language"], "airline-" + user["language"] + "/file")


def operator_pages(driver, config):
    user = config["operator"]
    sign_in(driver, config["base"], user["username"], user["password"])
    for path in user["pages"]:
        visit(driver, config, path, user["language"], "operator-" + user["language"] + path)
    # The dashboard updates from the event stream without a reload.
    driver.get(config["base"] + "/statistics")
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.execute_script("window.__notReloaded = true;")
    before = driver.find_element(By.ID, "statistics-live").text
    time.sleep(1.5)   # the EventSource is open
    agent = config["agent"]
    pay = config["payment"]
    api(config, "POST", "/api/v1/invoices/%s/payments" % pay["invoice"], token(config, agent["username"], agent["password"]),
        {"amountMinor": pay["amountMinor"], "method": "bank-transfer", "reference": "browser-test"})
    try:
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "statistics-live").text != before)
        check(True, "statistics updated")
    except Exception:
        check(False, "operator /statistics: the figures did not change within 30 s of a payment")
    check(driver.execute_script("return window.__notReloaded === true;") is True, "operator /statistics: updated without a reload")
    # Then a file arrives (the airline uploads it through the API) while the operator watches.
    arrival = config.get("arrival")
    if arrival:
        before = driver.find_element(By.ID, "statistics-live").text
        airline = config["airline"]
        with open(arrival, "rb") as f:
            body = f.read()
        request = urllib.request.Request(config["base"] + "/api/v1/files?name=" + os.path.basename(arrival), data=body, method="POST")
        request.add_header("Authorization", "Bearer " + token(config, airline["username"], airline["password"]))
        request.add_header("Content-Type", "application/octet-stream")
        urllib.request.urlopen(request, timeout=60).read()
        try:
            WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "statistics-live").text != before)
            check(True, "statistics updated on a file")
        except Exception:
            check(False, "operator /statistics: the figures did not change within 60 s of a file's arrival")
        check(driver.execute_script("return window.__notReloaded === true;") is True, "operator /statistics: no reload for a file")
    audit(driver, config, "operator-statistics-after-event")


def main():
    os.environ["SE_OFFLINE"] = "true"
    os.environ["SE_AVOID_STATS"] = "true"
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        config = json.load(f)
    driver = new_driver()
    try:
        parts = [agent_pages, airline_pages, operator_pages]
        if "agent_en" in config:
            parts.insert(1, lambda d, c: agent_pages(d, c, "agent_en"))
        for part in parts:
            try:
                part(driver, config)
            except Exception as error:
                check(False, "%s stopped: %r" % (getattr(part, "__name__", "part"), error))
    finally:
        driver.quit()
    print("%d passed, %d failed" % (passed, len(failures)), flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
