#!/usr/bin/python3
"""Browser test of dosegate serve's /bedside page: headless Chromium driven by Selenium.

Releases two lots (one then recalled) into a scratch ledger, adds a bedside user, starts the
built `dosegate serve` on 127.0.0.1 (a free port it names), logs in through /login and scans:
the right dose (GO, green), a division not released here (NO-GO, red), a recalled lot (NO-GO,
red), a bag label with a wrong check character (the error), and a colleague's badge (GO, the
colleague recorded as the staff); then, as a qa user, the pending tests, a verified CoA and a
recall from the QA page (the service holds the releaser's key). Saves a screenshot of each answer
in OUT_DIR. Never skips: a missing browser, driver or module is a failure.

usage: bedside_test.py DOSEGATE_BINARY SOURCE_DIR OUT_DIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

RELEASED = "2026-11-21T12:00:00Z"
RECALLED = "2026-11-22T08:00:00Z"
BEDSIDE = "2026-11-22T09:00:00Z"
PASSWORD = "nurse-17 password"
QA_PASSWORD = "qa-lead password"
GREEN = "rgba(10, 125, 40, 1)"
RED = "rgba(176, 0, 32, 1)"


def run(binary, args, now, stdin=None):
    env = dict(os.environ, DOSEGATE_TEST_NOW=now)
    r = subprocess.run([binary] + args, env=env, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"FAIL: dosegate {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")


def main():
    binary, source, out_dir = (os.path.abspath(a) for a in sys.argv[1:4])
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dosegate-browser-")
    ledger, records, users = (os.path.join(work, n) for n in ("ledger.sqlite", "records", "users"))
    trust = os.path.join(source, "certs/trust")
    pki = os.path.join(source, "certs/test-pki")
    signer = ["--key", f"{pki}/releaser.key.pem", "--cert", f"{pki}/releaser.cert.pem",
              "--chain", f"{pki}/qa-chain.pem"]
    for coa in ("samples/coa-pending-mycoplasma.xml", "samples/coa-pass.xml"):
        run(binary, ["release", os.path.join(source, coa), "--trust", trust, "--out", records,
                     "--ledger", ledger, "--quiet"] + signer, RELEASED)
    run(binary, ["recall", "A999926000147", "--reason", "Sterility retest positive", "--trust",
                 trust, "--ledger", ledger] + signer, RECALLED)
    run(binary, ["user", "add", "nurse-17", "--role", "bedside", "--users", users], RELEASED,
        PASSWORD + "\n")
    run(binary, ["user", "add", "qa-lead", "--role", "qa", "--users", users], RELEASED,
        QA_PASSWORD + "\n")
    run(binary, ["user", "add", "nurse-23", "--role", "bedside", "--users", users], RELEASED,
        "nurse-23 password\n")

    server = subprocess.Popen(
        [binary, "serve", "--trust", trust, "--ledger", ledger, "--records", records, "--users",
         users, "--listen", "127.0.0.1:0"] + signer,
        env=dict(os.environ, DOSEGATE_TEST_NOW=BEDSIDE), stdout=subprocess.PIPE, text=True)
    driver = None
    failures = []
    try:
        line = server.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise SystemExit(f"FAIL: no start-up line from dosegate serve: {line!r}")
        base = f"http://127.0.0.1:{m.group(1)}"

        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                  "--window-size=760,700", "--disable-gpu"):
            options.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        wait = WebDriverWait(driver, 20)

        driver.get(base + "/bedside")
        wait.until(ec.presence_of_element_located((By.NAME, "user")))
        driver.find_element(By.NAME, "user").send_keys("nurse-17")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
        wait.until(ec.presence_of_element_located((By.NAME, "scan")))

        def check(name, scans, classes, words, colour):
            scan = driver.find_element(By.NAME, "scan")
            for s in scans:
                if driver.switch_to.active_element != scan:
                    failures.append(f"{name}: the scan input lost the focus")
                scan.send_keys(s + Keys.ENTER)
            answer = driver.find_element(By.ID, "answer")
            try:
                wait.until(lambda d: any(c in answer.get_attribute("class").split()
                                         for c in ("go", "no-go", "error")))
            except Exception:
                failures.append(f"{name}: no answer (class {answer.get_attribute('class')!r})")
            got = answer.get_attribute("class").split()
            text = answer.text
            driver.save_screenshot(os.path.join(out_dir, f"bedside-{name}.png"))
            if classes not in got:
                failures.append(f"{name}: answer class {got}, expected {classes}: {text}")
            for w in words:
                if w not in text:
                    failures.append(f"{name}: {w!r} not in the answer: {text!r}")
            if colour and answer.value_of_css_property("background-color") != colour:
                failures.append(f"{name}: background {answer.value_of_css_property('background-color')}")
            if driver.find_element(By.ID, "field-bag").text != "-":
                failures.append(f"{name}: the fields were not cleared for the next dose")
            print(f"{name}: {' '.join(got)}: {text.splitlines()[0] if text else ''}")

        # The right dose, its two bar codes apart, then the wristband: GO with the pending test.
        check("go", ["=A99992600015400", "=<S1234VB0", "MRN-0001"], "go",
              ["GO", "Pending test: mycoplasma"], GREEN)
        # A division this site never released.
        check("no-go-division", ["=A99992600015400=<S1234VC0", "MRN-0002"], "no-go",
              ["NO-GO", "no release record"], RED)
        # The recalled lot, from its DataMatrix.
        check("no-go-recalled", ["=+02000=A99992600014700=<S1234VA0", "MRN-0003"], "no-go",
              ["NO-GO", "recalled"], RED)
        # Lot 154's check character is B, not C.
        check("wrong-check-character", ["A9999 26 000154 C S1234VB0", "MRN-0004"], "error",
              ["NOT CHECKED", "wrong check character"], None)
        # Two different ids for one dose: refused, never guessed between.
        check("two-ids", ["MRN-0005", "MRN-0006"], "error", ["NOT CHECKED", "two different ids"],
              None)
        # A colleague's badge (another user of the service) names the staff who gives the dose;
        # the answer says through whose account, and the ledger entry names the colleague.
        check("badge-of-another-user", ["nurse-23", "=A99992600015400=<S1234VA0", "MRN-0007"],
              "go", ["GO", "staff nurse-23 by badge scan", "account of nurse-17"], GREEN)
        if driver.find_element(By.ID, "field-staff").text != "nurse-17 (logged in)":
            failures.append("badge: the staff field was not cleared for the next dose: "
                            + driver.find_element(By.ID, "field-staff").text)
        history = subprocess.run([binary, "history", "--ledger", ledger, "--kind", "confirm",
                                  "--format", "csv"], capture_output=True, text=True).stdout
        if not any("nurse-23" in l and "MRN-0007" in l for l in history.splitlines()):
            failures.append("badge: no confirmation entry naming nurse-23:\n" + history)
        # Two different badges for one dose: refused like two wristbands.
        check("two-badges", ["nurse-23", "qa-lead"], "error",
              ["NOT CHECKED", "two different badges"], None)

        # QA: the pending tests of the released lot, then an uploaded CoA verified; the audit.
        driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
        wait.until(ec.presence_of_element_located((By.NAME, "user")))
        driver.find_element(By.NAME, "user").send_keys("qa-lead")
        driver.find_element(By.NAME, "password").send_keys(QA_PASSWORD + Keys.ENTER)
        wait.until(ec.presence_of_element_located((By.ID, "coa")))
        try:
            wait.until(lambda d: "mycoplasma" in d.find_element(By.ID, "pending").text)
        except Exception:
            failures.append("qa: the pending test is not listed: "
                            + driver.find_element(By.ID, "pending").text)
        driver.find_element(By.ID, "coa").send_keys(os.path.join(source, "samples/coa-pass.xml"))
        driver.find_element(By.ID, "verify").click()
        try:
            wait.until(lambda d: "Decision: releasable" in d.find_element(By.ID, "report").text)
        except Exception:
            failures.append("qa: no verify report: " + driver.find_element(By.ID, "report").text)
        driver.save_screenshot(os.path.join(out_dir, "qa.png"))
        # A recall from the QA page (the service holds the releaser's key): asked to confirm,
        # then the answer; the bedside is NO-GO for the lot from then on.
        driver.find_element(By.ID, "recall-lot").send_keys("A999926000154")
        driver.find_element(By.ID, "recall-reason").send_keys("Mycoplasma positive")
        driver.find_element(By.ID, "recall").click()
        wait.until(ec.alert_is_present())
        driver.switch_to.alert.accept()
        try:
            wait.until(lambda d: "RECALLED: lot A9999 26 000154"
                       in d.find_element(By.ID, "recall-result").text)
        except Exception:
            failures.append("qa: no recall answer: "
                            + driver.find_element(By.ID, "recall-result").text)
        try:
            wait.until(lambda d: "No pending tests." in d.find_element(By.ID, "pending").text)
        except Exception:
            failures.append("qa: the recalled lot's pending test is still listed: "
                            + driver.find_element(By.ID, "pending").text)
        driver.save_screenshot(os.path.join(out_dir, "qa-recall.png"))
        print("qa page: recall checked")
        driver.get(base + "/audit")
        driver.find_element(By.ID, "run-audit").click()
        try:
            wait.until(lambda d: "INTACT" in d.find_element(By.ID, "audit-result").text)
        except Exception:
            failures.append("audit: no INTACT verdict: "
                            + driver.find_element(By.ID, "audit-result").text)
        driver.save_screenshot(os.path.join(out_dir, "audit.png"))
        print("qa and audit pages: checked")
    finally:
        if driver:
            driver.quit()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            failures.append("dosegate serve did not stop after SIGTERM")
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print(f"PASS: screenshots in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
