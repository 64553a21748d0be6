"""Drives the dashboard of a live `audiospool serve` in Debian's Chromium
(DashboardTests): each scenario does what a user does, waits for what the
page must show (with deadlines, never a bare sleep), and prints what it saw
as one JSON object on the last line for the Swift test to check against
the spool. An expectation that fails exits 1 with what the page showed.

usage: dashboard_check.py queue BASE OUTDIR
       dashboard_check.py keys BASE OUTDIR KEY_A KEY_B WRONG_KEY
       dashboard_check.py details BASE OUTDIR
"""

import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# Every card the page ever shows, as it is put in the list: a job that
# runs for half a second still leaves its running card here.
RECORDER = """
window.__cards = [];
const record = (node) => {
  if (node.nodeType !== 1 || !node.matches('li.job')) return;
  const progress = node.querySelector('.progress-text');
  window.__cards.push({id: node.dataset.id, state: node.dataset.state,
                       progress: !!node.querySelector('progress'), text: progress ? progress.textContent : ''});
};
new MutationObserver((changes) => { for (const change of changes) change.addedNodes.forEach(record); })
  .observe(document.getElementById('jobs'), {childList: true});
document.querySelectorAll('#jobs li.job').forEach(record);
"""


class Failed(Exception):
    pass


def browser(width=1280, height=1500):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # Root in a container: no sandbox; no GPU; /dev/shm may be small.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(60)
    return driver


def wait(driver, what, condition, timeout=120):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition())
    except TimeoutException:
        raise Failed(f"timed out waiting until {what}; the queue shows: {queue_text(driver)[:3000]}")


def queue_text(driver):
    return driver.execute_script("return document.body.innerText")


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def no_alert(driver):
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        return None
    return text


def click(driver, job, label):
    """Clicks a card's button, found afresh (a running job's card is replaced as it changes)."""
    clicked = driver.execute_script(
        """const card = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"]`);
           const button = card && [...card.querySelectorAll('button')].find(b => b.textContent.trim() === arguments[1]);
           if (button) button.click();
           return !!button;""", job, label)
    if not clicked:
        raise Failed(f"no {label} button on {job}: {queue_text(driver)[:2000]}")


def card_text(driver, job, selector):
    return driver.execute_script(
        """const node = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"] ${arguments[1]}`);
           return node ? node.textContent : null;""", job, selector)


def state(driver, job):
    return driver.execute_script(
        """const card = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"]`);
           return card ? card.dataset.state : null;""", job)


def notes(driver, refused=False):
    """The submission notes' texts, read in one go (the page drops old ones as new ones come)."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(item => item.textContent)",
        "#submissions li.refused" if refused else "#submissions li")


def submitted_id(driver, label):
    """The id a submission note gives for `label`, once it is there."""
    def find():
        for text in notes(driver):
            if text.startswith(label + ": submitted as "):
                return text.split("submitted as ", 1)[1].strip()
        return None
    return wait(driver, f"{label} is submitted", find, timeout=60)


def refusal(driver, label):
    def find():
        for text in notes(driver, refused=True):
            if text.startswith(label + ": "):
                return text[len(label) + 2:]
        return None
    return wait(driver, f"{label} is refused", find, timeout=60)


def audio_duration(driver, job):
    return wait(driver, f"the player of {job} has loaded", lambda: driver.execute_script(
        """const audio = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"] audio`);
           return audio && audio.readyState >= 1 && audio.duration > 0 ? audio.duration : null;""", job), timeout=60)


# What a waveform canvas holds: its size, how many columns have paint, and
# the tallest column, in pixels.
WAVEFORM = """
const canvas = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"] canvas.waveform`);
if (!canvas || canvas.dataset.drawn !== '1') return null;
const {width, height} = canvas;
const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
let painted = 0, tallest = 0;
for (let x = 0; x < width; x++) {
  let column = 0;
  for (let y = 0; y < height; y++) if (pixels[(y * width + x) * 4 + 3] > 0) column++;
  if (column) painted++;
  tallest = Math.max(tallest, column);
}
return {width, height, painted, tallest};
"""


def waveform(driver, job):
    """The drawn waveform of a finished job's first output (it is drawn once in view)."""
    driver.execute_script(
        """const c = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"] canvas.waveform`); if (c) c.scrollIntoView();""", job)
    return wait(driver, f"the waveform of {job} is drawn", lambda: driver.execute_script(WAVEFORM, job), timeout=60)


def post(base, job, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    request = urllib.request.Request(base + "/v1/jobs", data=json.dumps(job).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request) as response:
        return json.load(response)["id"]


def get(base, path, key=None):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + key} if key else {})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def open_page(driver, base):
    driver.get(base + "/")
    wait(driver, "the page is live", lambda: driver.find_element(By.ID, "connection").text == "live", timeout=60)
    driver.execute_script(RECORDER)


def write(outdir, name, text):
    path = os.path.join(outdir, name)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def scenario_queue(base, outdir):
    facts = {}
    driver = browser()
    try:
        open_page(driver, base)
        facts["load_console_errors"] = console_errors(driver)
        files = driver.find_element(By.ID, "files")
        # Without a mouse: Tab reaches the file input first, then the form's controls, in order.
        focused = []
        for _ in range(8):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            focused.append(driver.execute_script("return document.activeElement.id || document.activeElement.tagName"))
        facts["tab_order"] = focused

        # A .txt given to the file input: the page's job, its progress, its player.
        chapter = ("The spool keeps every job in a folder. A supervisor claims it and runs it. "
                   "Each sentence is spoken on its own. The page shows how far it got. "
                   "When it is done, the audio plays here. Nothing is lost when the page reloads.")
        files.send_keys(write(outdir, "chapter.txt", chapter))
        txt = submitted_id(driver, "chapter.txt")
        facts["txt"] = txt
        wait(driver, f"{txt} is done", lambda: state(driver, txt) == "done", timeout=240)
        facts["txt_duration"] = audio_duration(driver, txt)
        facts["txt_download"] = driver.execute_script(
            """return document.querySelector(`#jobs li.job[data-id="${arguments[0]}"] a[download]`).getAttribute('download')""", txt)
        seen = driver.execute_script("return window.__cards.filter(c => c.id === arguments[0])", txt)
        facts["txt_running"] = [c["text"] for c in seen if c["state"] == "running" and c["progress"]]
        facts["txt_title"] = card_text(driver, txt, ".job-title")

        # A bad job.json: the server's message, shown as text.
        files.send_keys(write(outdir, "broken.json", '{"engine": "tone", "ouptut": {"format": "mp3"}}'))
        facts["refused"] = refusal(driver, "broken.json")
        # A file of no kind new/ takes.
        files.send_keys(write(outdir, "notes.pdf", "%PDF-1.4"))
        facts["refused_pdf"] = refusal(driver, "notes.pdf")

        # A job the engine fails: its error, then Retry (it runs again and fails again).
        files.send_keys(write(outdir, "fails.json", '{"engine": "tone", "params": {"seconds": -1}}'))
        failing = submitted_id(driver, "fails.json")
        facts["failing"] = failing
        wait(driver, f"{failing} failed", lambda: state(driver, failing) == "failed")
        facts["failed_error"] = card_text(driver, failing, ".job-error")
        driver.execute_script("window.__cards = []")
        click(driver, failing, "Retry")
        wait(driver, f"{failing} went back to the queue and failed again", lambda: state(driver, failing) == "failed" and any(
            c["id"] == failing and c["state"] != "failed" for c in driver.execute_script("return window.__cards")))
        facts["failed_again"] = wait(driver, f"{failing} shows its error again", lambda: card_text(driver, failing, ".job-error"))

        # Cancel a job that waits for a time far ahead.
        files.send_keys(write(outdir, "later.json", '{"engine": "tone", "params": {"seconds": 0.2}, "not_before": "2099-01-01T00:00:00Z"}'))
        later = submitted_id(driver, "later.json")
        facts["later"] = later
        wait(driver, f"{later} is queued", lambda: state(driver, later) == "queued")
        click(driver, later, "Cancel")
        wait(driver, f"{later} is cancelled", lambda: state(driver, later) == "cancelled")

        # Text that is markup: shown as text, nothing runs, nothing is logged.
        console_errors(driver)
        hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes"'
        driver.find_element(By.ID, "text").send_keys(hostile)
        select_option(driver, "engine", "tone")
        driver.find_element(By.ID, "speak-submit").click()
        spoken = submitted_id(driver, "text")
        facts["hostile"] = spoken
        wait(driver, f"{spoken} is done", lambda: state(driver, spoken) == "done")
        facts["hostile_text"] = card_text(driver, spoken, ".job-text")
        facts["hostile_elements"] = driver.execute_script("return document.querySelectorAll('#jobs script, #jobs img').length")
        facts["alert"] = no_alert(driver)
        facts["hostile_console_errors"] = console_errors(driver)

        # The screenshot: a job running (slow beeps) beside finished ones.
        slow = post(base, {"engine": "tone", "task": "tts", "params": {"pace": 1.5}, "metadata": {"title": "slow beeps"},
                           "text": " ".join(["word"] * 40) + ". " + " ".join(["more"] * 40) + "."})
        facts["slow"] = slow
        wait(driver, f"{slow} shows progress", lambda: state(driver, slow) == "running" and driver.execute_script(
            """const c = document.querySelector(`#jobs li.job[data-id="${arguments[0]}"]`);
               return c && c.querySelector('progress') && c.querySelector('progress').value > 0.05""", slow))
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(os.path.join(outdir, "dashboard.png"))
        driver.set_window_size(390, 1800)
        driver.save_screenshot(os.path.join(outdir, "dashboard-phone.png"))
        facts["phone_overflow"] = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
        facts["slow_running_text"] = card_text(driver, slow, ".progress-text")
        click(driver, slow, "Cancel")
        wait(driver, f"{slow} is cancelled", lambda: state(driver, slow) in ("cancelled", "failed"))
        facts["slow_state"] = state(driver, slow)
        facts["key_in_urls"] = False
    finally:
        driver.quit()
    return facts


def select_option(driver, select, value):
    driver.execute_script(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change'));",
        select, value)


def log_in(driver, key):
    field = wait(driver, "the page asks for a key", lambda: driver.find_element(By.ID, "auth-key") if driver.find_element(By.ID, "auth").is_displayed() else None, timeout=60)
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#auth-form button[type=submit]").click()


def scenario_keys(base, outdir, alice, bob, wrong):
    facts = {}
    driver = browser()
    try:
        driver.get(base + "/")
        log_in(driver, wrong)
        facts["wrong_key"] = wait(driver, "the wrong key is refused", lambda: driver.find_element(By.ID, "auth-error").text or None)
        facts["app_hidden_after_wrong_key"] = not driver.find_element(By.ID, "app").is_displayed()

        log_in(driver, alice)
        wait(driver, "the page is live", lambda: driver.find_element(By.ID, "connection").text == "live", timeout=60)
        driver.execute_script(RECORDER)
        # Bob's job, submitted beside the page: Alice's page must never show it.
        bobs = post(base, {"engine": "tone", "task": "tts", "text": "bob speaks", "metadata": {"title": "bob's job"}}, key=bob)
        facts["bobs"] = bobs
        driver.find_element(By.ID, "text").send_keys("alice speaks")
        select_option(driver, "engine", "tone")
        driver.find_element(By.ID, "speak-submit").click()
        alices = submitted_id(driver, "text")
        facts["alices"] = alices
        wait(driver, f"{alices} is done", lambda: state(driver, alices) == "done")
        facts["alice_duration"] = audio_duration(driver, alices)
        facts["alice_waveform"] = waveform(driver, alices)
        # Bob's has finished too by now (one supervisor, in order): then it would have shown.
        deadline = time.monotonic() + 120
        while get(base, "/v1/jobs/" + bobs, key=bob)["state"] != "done":
            if time.monotonic() > deadline:
                raise Failed("bob's job did not finish")
            time.sleep(0.2)
        driver.execute_script("window.__cards.push({id: 'marker'})")
        facts["alice_saw"] = sorted({c["id"] for c in driver.execute_script("return window.__cards") if c["id"] != "marker"})
        facts["alice_page_mentions_bob"] = bobs in queue_text(driver)
        facts["key_in_urls"] = driver.execute_script(
            "return performance.getEntriesByType('resource').some(e => e.name.includes(arguments[0]) || e.name.includes(arguments[1]))"
            " || location.href.includes(arguments[0])", alice, bob)
        facts["stored_key"] = driver.execute_script("return sessionStorage.getItem('audiospool.key')") == alice

        # Bob, in the same tab after Alice forgets her key.
        driver.find_element(By.ID, "forget-key").click()
        log_in(driver, bob)
        wait(driver, "bob's job shows", lambda: state(driver, bobs) == "done", timeout=60)
        facts["bob_page_mentions_alice"] = alices in queue_text(driver)
    finally:
        driver.quit()
    return facts


def cards(driver):
    return driver.execute_script("return [...document.querySelectorAll('#jobs li.job')].map(card => card.dataset.id)")


def scenario_details(base, outdir):
    """Older jobs past the first page, a CPU fallback's reason, a waveform."""
    facts = {}
    # Jobs that wait for a time far ahead: more than one page (200) of them, the oldest first.
    parked = [post(base, {"engine": "tone", "params": {"seconds": 0.2}, "not_before": "2099-01-01T00:00:00Z",
                          "metadata": {"title": f"parked {number}"}}) for number in range(205)]
    facts["parked"] = parked
    driver = browser()
    try:
        open_page(driver, base)
        wait(driver, "the first page is shown", lambda: len(cards(driver)) == 200)
        facts["first_page"] = cards(driver)
        facts["older_shown"] = driver.find_element(By.ID, "older").is_displayed()
        driver.find_element(By.ID, "older").click()
        wait(driver, "the older jobs are shown", lambda: len(cards(driver)) == 205)
        facts["all_pages"] = cards(driver)
        facts["older_shown_after"] = driver.find_element(By.ID, "older").is_displayed()

        # One gpu-preferred job holds the one (fake) GPU; the next runs on the CPU and says why.
        holder = post(base, {"engine": "gpu-preferred", "params": {"seconds": 30}, "metadata": {"title": "holds the GPU"}})
        wait(driver, f"{holder} runs on the GPU", lambda: "cuda:0" in (card_text(driver, holder, ".progress-text") or ""))
        # (Another length: the same job would wait for the first's result, the spool's cache.)
        fallback = post(base, {"engine": "gpu-preferred", "params": {"seconds": 31}, "metadata": {"title": "on the CPU"}})
        facts["fallback_text"] = wait(driver, f"{fallback} says why it is on the CPU", lambda: (
            lambda text: text if "because" in text else None)(card_text(driver, fallback, ".progress-text") or ""))
        for job in (holder, fallback):
            click(driver, job, "Cancel")

        # A finished job's waveform, drawn from the decoded audio.
        beep = post(base, {"engine": "tone", "params": {"seconds": 1}, "metadata": {"title": "a beep"}})
        wait(driver, f"{beep} is done", lambda: state(driver, beep) == "done")
        facts["waveform"] = waveform(driver, beep)
        # The older jobs are kept when the page lists the jobs again (a reconnect).
        driver.execute_script("listJobs()")
        facts["after_relist"] = wait(driver, "the jobs are listed again", lambda: (
            lambda ids: ids if beep in ids and len(ids) >= 208 else None)(cards(driver)))
        facts["console_errors"] = console_errors(driver)
    finally:
        driver.quit()
    return facts


def main():
    scenario, base, outdir = sys.argv[1:4]
    try:
        if scenario == "queue":
            facts = scenario_queue(base, outdir)
        elif scenario == "keys":
            facts = scenario_keys(base, outdir, *sys.argv[4:7])
        elif scenario == "details":
            facts = scenario_details(base, outdir)
        else:
            raise Failed(f"no scenario {scenario}")
    except Failed as failure:
        print(f"dashboard_check: {failure}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
