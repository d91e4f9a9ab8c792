#!/usr/bin/python3
"""First paint of the alarm console, measured in headless Chromium with the browser's Performance API.

Run by `gatewayd-bench console` (which starts a gateway with N open alerts); by hand against any gateway:

    scripts/console-first-paint.py --url http://127.0.0.1:8080 --token OPERATOR_TOKEN --alerts 1000 --runs 5

For each page load: first contentful paint (`paint` entry) and `board-painted` (a mark the page sets in the
frame after the board with every alert was rendered), in ms from navigation start. Prints a table and one
JSON line with the medians.
"""
import argparse
import json
import statistics

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(arguments.url + "/console")
        driver.find_element(By.ID, "token").send_keys(arguments.token)
        driver.find_element(By.ID, "signin-button").click()
        rows = []
        for run in range(arguments.runs):
            driver.get(arguments.url + "/console")  # signed in: the cookie is sent
            WebDriverWait(driver, 30, poll_frequency=0.05).until(
                lambda d: d.execute_script("return performance.getEntriesByName('board-painted').length") > 0)
            shown = driver.execute_script("return document.querySelectorAll('#board-rows tr').length")
            fcp = driver.execute_script("return (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
            board = driver.execute_script("return performance.getEntriesByName('board-painted')[0].startTime")
            events = driver.execute_script("return performance.getEntriesByName('board-received')[0].startTime")
            rows.append({"run": run + 1, "rows": shown, "fcp_ms": round(fcp or 0, 1), "board_received_ms": round(events, 1),
                         "board_painted_ms": round(board, 1)})
            assert shown == arguments.alerts, f"{shown} rows on the board, expected {arguments.alerts}"
    finally:
        driver.quit()
    print("run  rows  first contentful paint  board received  board painted (ms from navigation)")
    for row in rows:
        print(f"{row['run']:>3}  {row['rows']:>4}  {row['fcp_ms']:>22}  {row['board_received_ms']:>14}  {row['board_painted_ms']:>13}")
    print(json.dumps({"alerts": arguments.alerts, "runs": len(rows),
                      "fcp_ms_median": statistics.median(r["fcp_ms"] for r in rows),
                      "board_painted_ms_median": statistics.median(r["board_painted_ms"] for r in rows),
                      "board_painted_ms_max": max(r["board_painted_ms"] for r in rows)}))


if __name__ == "__main__":
    main()
