#!/usr/bin/python3
"""The alarm console in a real browser (Debian's headless Chromium through chromedriver; nothing downloaded).

Run by BrowserConsoleTests.swift, which starts the broker and the real gatewayd and answers this script's
requests on stdin/stdout: a line "@@ <command> [argument]" asks the Swift side to act (publish as a device,
check the MQTT alert payload, restart the gateway) and the reply is one line, "ok [detail]" or "fail <why>".

    console_test.py --url http://127.0.0.1:PORT --token TOKEN --out DIR

Exit status 0 when every step held; otherwise 1, with the step that failed and a screenshot (failure.png).
"""
import argparse
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 15


def log(message):
    print(f"[browser] {message}", flush=True)


def ask(command):
    """One request to the Swift side; returns the detail of an "ok" or raises on "fail"."""
    print(f"@@ {command}", flush=True)
    reply = sys.stdin.readline().strip()
    if not reply.startswith("ok"):
        raise AssertionError(f"{command}: {reply or 'no reply'}")
    return reply[2:].strip()


def until(driver, what, condition, timeout=WAIT):
    """Waits for `condition`; an element the page re-rendered meanwhile (the board is redrawn on every event) is
    looked up again on the next poll."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(lambda d: condition(d))
    except TimeoutException:
        raise AssertionError(f"timed out waiting for: {what}")


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def api_status(driver, path):
    """The status the page's own fetch gets (with whatever cookie the browser holds)."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status), e => done(-1));", path)


def row_text(driver, alert_id):
    """The text of an alert's row, read in one step (no element kept across a re-render); "" when absent."""
    return js(driver, "const r = document.querySelector(`#board-rows tr[data-id=\"${arguments[0]}\"]`); return r ? r.innerText : ''", alert_id)


def click_row(driver, alert_id):
    until(driver, f"a click on the row of {alert_id}",
          lambda d: d.find_element(By.CSS_SELECTOR, f'#board-rows tr[data-id="{alert_id}"]').click() or True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,768",
                 "--lang=zh-CN", "--autoplay-policy=no-user-gesture-required", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(WAIT)
    # The duty desk's screen: a 1366×768 viewport (the window's own frame not counted).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    try:
        run(driver, arguments)
    except Exception as error:  # the step that failed, with what the page showed
        driver.save_screenshot(os.path.join(arguments.out, "failure.png"))
        log(f"FAILED: {error}")
        log("page text: " + js(driver, "return document.body.innerText")[:1500].replace("\n", " | "))
        log("browser log: " + json.dumps([entry.get("message") for entry in driver.get_log("browser")][-10:], ensure_ascii=False))
        return 1
    finally:
        driver.quit()
    return 0


def run(driver, arguments):
    console = arguments.url + "/console"
    driver.get(console)
    width, height = js(driver, "return [innerWidth, innerHeight]")
    log(f"viewport {width}x{height}")

    # A wrong token: refused, and the API gives the browser nothing.
    until(driver, "the sign-in form", lambda d: d.find_element(By.ID, "token").is_displayed())
    driver.find_element(By.ID, "token").send_keys("not-the-token")
    driver.find_element(By.ID, "signin-button").click()
    until(driver, "the refusal", lambda d: d.find_element(By.ID, "signin-error").is_displayed())
    assert "令牌无效" in driver.find_element(By.ID, "signin-error").text
    assert not driver.find_element(By.ID, "alerts-view").is_displayed(), "the board shows after a wrong token"
    assert api_status(driver, "/api/v1/alerts") == 401, "the API answered without a session"
    assert api_status(driver, "/api/v1/alerts/stream") == 401, "the stream answered without a session"
    log("wrong token: refused, no access")

    # Sign in; the cookie is HttpOnly (the page cannot read it).
    driver.find_element(By.ID, "token").clear()
    driver.find_element(By.ID, "token").send_keys(arguments.token)
    driver.find_element(By.ID, "signin-button").click()
    until(driver, "the board", lambda d: d.find_element(By.ID, "alerts-view").is_displayed())
    until(driver, "the live stream", lambda d: d.find_element(By.ID, "link").get_attribute("data-state") == "live")
    assert "gatewayd_session" not in js(driver, "return document.cookie"), "the session cookie is readable by scripts"
    js(driver, "window.__sameDocument = true")
    log("signed in, stream live")

    # A fall, published as the wristband would: on the board without a reload, ringing.
    ask("publish fall")
    until(driver, "the fall on the board", lambda d: "跌倒报警" in d.find_element(By.ID, "board-rows").text)
    alert_id, text = js(driver, "const r = document.querySelector('#board-rows tr'); return [r.dataset.id, r.innerText]")
    assert "3-501" in text, f"the fall's room is not on its row: {text}"
    assert "张*华" in text, f"the resident is not shown masked: {text}"
    until(driver, "the alarm tone", lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-alarm") == "ringing")
    driver.save_screenshot(os.path.join(arguments.out, "board.png"))
    log(f"fall {alert_id} on the board, ringing")

    # Acknowledge it with the keyboard: A.
    ActionChains(driver).send_keys("a").perform()
    until(driver, "the acknowledgement on the row", lambda d: "已确认" in row_text(d, alert_id))
    until(driver, "the tone stopping", lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-alarm") != "ringing")
    detail = ask(f"expect-acked {alert_id}")
    log(f"acknowledged; MQTT payload: {detail}")

    # The timeline of the alert: opened, acknowledged by the operator.
    until(driver, "the timeline", lambda d: "确认" in d.find_element(By.ID, "timeline").text and "触发" in d.find_element(By.ID, "timeline").text)
    driver.save_screenshot(os.path.join(arguments.out, "timeline.png"))
    log("timeline: " + driver.find_element(By.ID, "timeline").text.replace("\n", " | "))

    # The gateway restarts (a real process restart): the page reconnects by itself and misses nothing.
    ask("restart")
    ask("publish smoke")
    until(driver, "the smoke alarm after the restart", lambda d: "烟雾报警" in d.find_element(By.ID, "board-rows").text, timeout=30)
    assert js(driver, "return window.__sameDocument === true"), "the page was reloaded"
    until(driver, "the live stream again", lambda d: d.find_element(By.ID, "link").get_attribute("data-state") == "live")
    log("reconnected after the restart; smoke alarm arrived")

    # The building view: the fall's room 3-501 is red at a glance; then back to the board.
    driver.find_element(By.CSS_SELECTOR, '#tabs button[data-tab="buildings"]').click()
    until(driver, "room 3-501 marked", lambda d: "alert" in (d.find_element(By.CSS_SELECTOR, '#buildings .cell[data-room="3-501"]').get_attribute("class")
                                                            if d.find_elements(By.CSS_SELECTOR, '#buildings .cell[data-room="3-501"]') else ""))
    driver.save_screenshot(os.path.join(arguments.out, "buildings.png"))
    driver.find_element(By.CSS_SELECTOR, '#tabs button[data-tab="alerts"]').click()
    until(driver, "the board again", lambda d: row_text(d, alert_id) != "")

    # Resolve the fall with a category and a note: it leaves the board.
    click_row(driver, alert_id)
    until(driver, "the detail of the fall", lambda d: d.find_element(By.ID, "detail").is_displayed())
    ActionChains(driver).send_keys("r").perform()
    until(driver, "the resolve form", lambda d: d.find_element(By.ID, "resolve").is_displayed())
    Select(driver.find_element(By.ID, "category")).select_by_value("genuine")
    driver.find_element(By.ID, "note").send_keys("已上门查看，老人无碍")
    driver.find_element(By.ID, "resolve-submit").click()
    until(driver, "the fall leaving the board", lambda d: row_text(d, alert_id) == "")
    ask(f"expect-resolved {alert_id}")
    log("resolved; left the board")

    # The status board at this size.
    driver.find_element(By.CSS_SELECTOR, '#tabs button[data-tab="status"]').click()
    until(driver, "the status board", lambda d: "band-1" in d.find_element(By.ID, "status-families").text)
    driver.save_screenshot(os.path.join(arguments.out, "status.png"))

    # The governance report tab: last month's report for all communities, inside the console.
    driver.find_element(By.CSS_SELECTOR, '#tabs button[data-tab="report"]').click()
    until(driver, "the report in its frame", lambda d: (d.find_element(By.ID, "report-frame").get_attribute("src") or "").find("format=html") >= 0)
    frame = driver.find_element(By.ID, "report-frame")
    driver.switch_to.frame(frame)
    until(driver, "the report's title", lambda d: "社区治理月报" in d.find_element(By.TAG_NAME, "body").text)
    driver.switch_to.default_content()
    assert "format=csv" in driver.find_element(By.ID, "report-csv").get_attribute("href"), "no CSV link beside the report"
    driver.save_screenshot(os.path.join(arguments.out, "report.png"))
    log("report shown in the console")

    # A tablet held upright (768×1024): the board and the detail stack, nothing cut off sideways.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 768, "height": 1024, "deviceScaleFactor": 1, "mobile": True})
    driver.find_element(By.CSS_SELECTOR, '#tabs button[data-tab="alerts"]').click()
    until(driver, "the smoke alarm on the tablet", lambda d: "烟雾报警" in d.find_element(By.ID, "board-rows").text)
    until(driver, "a click on the first row", lambda d: d.find_element(By.CSS_SELECTOR, "#board-rows tr").click() or True)
    until(driver, "the detail on the tablet", lambda d: d.find_element(By.ID, "detail").is_displayed())
    overflow = js(driver, "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a tablet"
    driver.save_screenshot(os.path.join(arguments.out, "tablet.png"))

    # Sign out: the session is gone.
    driver.find_element(By.ID, "signout").click()
    until(driver, "the sign-in form again", lambda d: d.find_element(By.ID, "token").is_displayed())
    assert api_status(driver, "/api/v1/alerts") == 401, "the API still answers after sign-out"
    log(f"signed out; screenshots in {arguments.out}")


if __name__ == "__main__":
    sys.exit(main())
