"""Drives the dashboard of a live `audiospool serve` in Debian's firefox-esr
(DashboardTests), over Firefox's own Marionette protocol with
marionette_driver: geckodriver, which Selenium needs for Firefox, is not
packaged for Debian. The core flow of the Chromium check: a .txt given to
the file input becomes a job that finishes with a player that loads and a
drawn waveform, and typed markup is shown as text. Waits have deadlines,
never a bare sleep; what the page showed is printed as one JSON object on
the last line. An expectation that fails exits 1 with what the page showed.

usage: dashboard_firefox.py BASE OUTDIR
"""

import json
import os
import subprocess
import sys
import time

from marionette_driver.by import By
from marionette_driver.errors import NoAlertPresentException
from marionette_driver.marionette import Alert, Marionette

# Script errors and Content-Security-Policy refusals from here on (Marionette
# has no console log to read, as chromedriver has).
RECORDER = """
window.__errors = [];
window.addEventListener('error', (event) => window.__errors.push('error: ' + event.message));
document.addEventListener('securitypolicyviolation', (event) => window.__errors.push('csp: ' + event.violatedDirective + ' ' + event.blockedURI));
"""


class Failed(Exception):
    pass


class Firefox:
    """firefox-esr --headless with a fresh profile whose Marionette port is
    chosen by Firefox (port 0) and read from the profile's MarionetteActivePort."""

    def __init__(self, outdir):
        self.profile = os.path.join(outdir, "firefox-profile")
        os.makedirs(self.profile, exist_ok=True)
        prefs = {
            "marionette.port": 0,
            "browser.shell.checkDefaultBrowser": False,
            "datareporting.policy.dataSubmissionEnabled": False,
            "toolkit.telemetry.reportingpolicy.firstRun": False,
            "app.update.disabledForTesting": True,
            "media.autoplay.default": 0,
        }
        with open(os.path.join(self.profile, "user.js"), "w", encoding="utf-8") as file:
            for name, value in prefs.items():
                file.write(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n")
        self.log = open(os.path.join(outdir, "firefox.log"), "wb")
        self.process = subprocess.Popen(
            ["firefox-esr", "--marionette", "--headless", "--no-remote", "--profile", self.profile],
            stdout=self.log, stderr=subprocess.STDOUT)
        port_file = os.path.join(self.profile, "MarionetteActivePort")
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failed(f"firefox-esr did not open its Marionette port (exit {self.process.poll()})")
            time.sleep(0.1)
        self.client = Marionette(host="127.0.0.1", port=int(open(port_file).read().strip()), startup_timeout=60)
        self.client.start_session()
        self.client.timeout.script = 60

    def quit(self):
        try:
            self.client.delete_session()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()


def run(m, script, *args):
    # In the page's own scope (as WebDriver runs scripts), not a sandbox of Marionette's.
    return m.execute_script(script, script_args=list(args), new_sandbox=False, sandbox=None)


def wait(m, what, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"timed out waiting until {what}; the page shows: {run(m, 'return document.body.innerText')[:3000]}")
        time.sleep(0.1)


def card(m, job, script):
    """`script` run on the card of `job` (as `card`, null when it has none)."""
    return run(m, "const card = document.querySelector(`#jobs li.job[data-id=\"${arguments[0]}\"]`);" + script, job)


def state(m, job):
    return card(m, job, "return card ? card.dataset.state : null;")


def submitted_id(m, label):
    def find():
        for text in run(m, "return [...document.querySelectorAll('#submissions li')].map(item => item.textContent)"):
            if text.startswith(label + ": submitted as "):
                return text.split("submitted as ", 1)[1].strip()
        return None
    return wait(m, f"{label} is submitted", find, timeout=60)


def alert_text(m):
    try:
        return Alert(m).text
    except NoAlertPresentException:
        return None


def main():
    base, outdir = sys.argv[1:3]
    facts = {}
    try:
        firefox = Firefox(outdir)
    except Failed as failure:
        print(f"dashboard_firefox: {failure}", file=sys.stderr)
        sys.exit(1)
    m = firefox.client
    try:
        facts["user_agent"] = run(m, "return navigator.userAgent")
        m.navigate(base + "/")
        wait(m, "the page is live", lambda: m.find_element(By.ID, "connection").text == "live", timeout=60)
        run(m, RECORDER)

        # A .txt given to the file input: the page's job, its player, its waveform.
        path = os.path.join(outdir, "firefox.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.write("Firefox reads this file. Then it plays what was spoken.")
        m.find_element(By.ID, "files").send_keys(path)
        txt = submitted_id(m, "firefox.txt")
        facts["txt"] = txt
        wait(m, f"{txt} is done", lambda: state(m, txt) == "done", timeout=240)
        facts["txt_title"] = card(m, txt, "return card.querySelector('.job-title').textContent;")
        facts["txt_duration"] = wait(m, f"the player of {txt} has loaded", lambda: card(m, txt, """
            const audio = card && card.querySelector('audio');
            return audio && audio.readyState >= 1 && audio.duration > 0 ? audio.duration : null;"""), timeout=60)
        facts["txt_waveform"] = wait(m, f"the waveform of {txt} is drawn", lambda: card(m, txt, """
            const canvas = card && card.querySelector('canvas.waveform');
            if (!canvas || canvas.dataset.drawn !== '1') return canvas && canvas.dataset.drawn === 'failed' ? 'failed' : null;
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) painted++;
            return {width: canvas.width, height: canvas.height, painted};"""), timeout=60)

        # Text that is markup: shown as typed, no element made of it, no alert.
        hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes"'
        m.find_element(By.ID, "text").send_keys(hostile)
        run(m, "const s = document.getElementById('engine'); s.value = 'tone'; s.dispatchEvent(new Event('change'));")
        m.find_element(By.ID, "speak-submit").click()
        spoken = submitted_id(m, "text")
        facts["hostile"] = spoken
        wait(m, f"{spoken} is done", lambda: state(m, spoken) == "done")
        facts["hostile_text"] = card(m, spoken, "return card.querySelector('.job-text').textContent;")
        facts["hostile_elements"] = run(m, "return document.querySelectorAll('#jobs script, #jobs img').length")
        facts["alert"] = alert_text(m)
        facts["errors"] = run(m, "return window.__errors")
    except Failed as failure:
        print(f"dashboard_firefox: {failure}", file=sys.stderr)
        sys.exit(1)
    finally:
        firefox.quit()
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
