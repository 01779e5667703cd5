"""docs/install.md, followed to the letter: build the wheel, install it into a fresh
``wagtail start`` project, apply every marked snippet, and get a push through to the sandbox
push service (run from the installed wheel), once by ``pushseg_send`` and once through the
``qcluster`` the guide starts. Takes about a minute.

The fresh project's environment is a new venv holding only the wheel (``pip install --no-deps``)
plus a ``.pth`` line that makes the test venv's site-packages visible after its own. Why:
the machine is offline (no index to resolve the dependencies from), and the dependencies are
then exactly the Django/Wagtail/aiohttp versions this suite runs on. ``--system-site-packages``
would only add the *base* interpreter's packages, since the tests already run inside a venv.
The ``.pth`` adds a plain path, so the test venv's editable install of the source tree is not
picked up: the test asserts that ``wagtail_pushseg`` is imported from the installed wheel.
"""

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from .install_snippets import snippets, unmarked_blocks


ROOT = Path(__file__).resolve().parents[2]

#: The guide's project runs on its own SQLite file whatever DATABASE_URL says; CI runs it in
#: the SQLite passes (both Wagtail versions) and leaves it out of the PostgreSQL one.
pytestmark = pytest.mark.install_guide
GUIDE = ROOT / "docs" / "install.md"
TIMEOUT = 240


def test_every_install_step_is_marked_for_this_test():
    """A code block in the guide without a marker would escape the test below; only the
    illustrative ones (JavaScript, the sandbox's own start line) may."""
    markdown = GUIDE.read_text()
    allowed = {("js", None), ("sh", "python -m wagtail_pushseg.testing --port 8001\n")}
    for lang, code in unmarked_blocks(markdown):
        assert (lang, None) in allowed or (lang, code) in allowed, f"unmarked block: {code}"
    kinds = {s.action for s in snippets(markdown)}
    assert kinds == {"run", "append", "insert"}


class Project:
    """A fresh ``wagtail start`` project in its own venv, with the guide's commands run in it."""

    def __init__(self, base: Path, wheel: Path):
        self.base, self.wheel = base, wheel
        self.venv = base / "venv"
        self.dir = base / "proj"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL")}
        self.env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{self.env.get('PATH', '')}"
        self.env["PYTHONUNBUFFERED"] = "1"
        self.background: list[subprocess.Popen] = []

    def create(self) -> None:
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True,
                       timeout=TIMEOUT)
        purelib = subprocess.run(
            [str(self.venv / "bin" / "python"), "-c",
             "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True).stdout.strip()
        Path(purelib, "test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        wagtail = Path(sys.executable).parent / "wagtail"
        self.dir.mkdir()
        self.run(f"{wagtail} start mysite {self.dir}", cwd=self.base)

    def run(self, command: str, cwd: Path | None = None) -> str:
        result = subprocess.run(command, shell=True, cwd=cwd or self.dir, env=self.env,
                                capture_output=True, text=True, timeout=TIMEOUT)
        assert result.returncode == 0, (
            f"`{command}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
        return result.stdout

    def start(self, command: str, cwd: Path | None = None) -> Path:
        """Run in the background (own session, output to a log file); returns the log."""
        log = self.base / f"background-{len(self.background)}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(command, shell=True, cwd=cwd or self.dir, env=self.env,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.background.append(process)
        return log

    def shell(self, code: str) -> str:
        """Python in the project (``manage.py shell -c``), its last line parsed as JSON."""
        out = self.run(f"python manage.py shell -c {shlex_quote(code)}")
        return json.loads(out.strip().splitlines()[-1])

    def stop(self) -> None:
        for process in self.background:
            # Its own session (process group = the shell's pid): the shell and what it started.
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            # The whole group, not only the shell: qcluster's main process can hang in its own
            # shutdown after the shell is gone (seen: waiting on a futex over a defunct child),
            # which left one orphan per run; whatever is still there after 15 s is killed.
            deadline = time.monotonic() + 15
            while _group_alive(process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _group_alive(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)


def _group_alive(pgid: int) -> bool:
    """Whether a process group still has a member that is not a zombie."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def wait_for(found, log: Path, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting; log:\n{log.read_text()}")


def sandbox_origin(log: Path) -> str:
    return wait_for(lambda: re.search(r"listening on (\S+)", log.read_text()), log).group(1)


def http_json(url: str, data: dict | None = None) -> dict:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w",
                    str(out)], check=True, capture_output=True, timeout=600)
    [built] = out.glob("wagtail_pushseg-*.whl")
    return built


SUBSCRIBE = """
import json
from django.test import Client
client = Client(HTTP_ORIGIN="http://testserver")
home = client.get("/")
worker = client.get("/pushseg-sw.js")
answer = client.post("/pushseg/api/subscribe", json.dumps(SUBSCRIPTION),
                     content_type="application/json")
print(json.dumps({"home": home.content.decode(), "worker": worker.status_code,
                  "worker_scope": worker.get("Service-Worker-Allowed"),
                  "subscribe": answer.status_code}))
"""

QUEUED_SEND = """
import json
from django.db import transaction
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign, CampaignTarget, Segment
with transaction.atomic():
    campaign = Campaign.objects.create(title="Through the queue", body="qcluster", url="/")
    CampaignTarget.objects.create(campaign=campaign, sort_order=0,
                                  segment=Segment.objects.get(slug="new-subscribers"))
    services.send_now(campaign)  # queues the planning task when the transaction commits
print(json.dumps({"campaign": campaign.pk}))
"""


@pytest.mark.qcluster
@pytest.mark.timeout(900)
def test_the_install_guide_gets_a_push_through_from_the_built_wheel(tmp_path, wheel):
    project = Project(tmp_path, wheel)
    try:
        project.create()
        # The sandbox CLI, from the installed wheel, on a free port (8001 may be taken here).
        origin = ""
        keys: dict[str, str] = {}
        subscription: dict = {}
        for snippet in snippets(GUIDE.read_text()):
            if snippet.action != "run":
                if snippet.target == "mysite/settings/dev.py":
                    assert origin, "the sandbox should be running by now"
                    snippet = dataclasses.replace(
                        snippet, code=snippet.code.replace("http://127.0.0.1:8001", origin))
                snippet.apply(project.dir)
                continue
            for command in snippet.commands():
                if command == "pip install wagtail-pushseg":
                    project.run(f"python -m pip install --no-deps -q {wheel}")
                    located = project.run(
                        "python -c 'import wagtail_pushseg; print(wagtail_pushseg.__file__)'")
                    assert located.startswith(str(project.venv)), located
                    log = project.start("python -m wagtail_pushseg.testing --port 0",
                                        cwd=tmp_path)
                    origin = sandbox_origin(log)
                elif command == "python manage.py pushseg_vapid_keys":
                    out = project.run(command)
                    keys = dict(re.findall(r'"VAPID_(PUBLIC|PRIVATE)_KEY": "([^"]+)"', out))
                    project.env["PUSHSEG_VAPID_PUBLIC_KEY"] = keys["PUBLIC"]
                    project.env["PUSHSEG_VAPID_PRIVATE_KEY"] = keys["PRIVATE"]
                    project.run("python manage.py check")  # the keys are usable
                elif command == "python manage.py qcluster":
                    project.start(command)
                else:
                    if "pushseg_send" in command:
                        # A browser would subscribe here; the sandbox does it for us.
                        subscription = http_json(f"{origin}/subscriptions",
                                                 {"applicationServerKey": keys["PUBLIC"]})
                        seen = project.shell("import json\nSUBSCRIPTION = json.loads("
                                             f"{json.dumps(subscription)!r})\n" + SUBSCRIBE)
                        assert seen["subscribe"] == 201
                        assert seen["worker"] == 200 and seen["worker_scope"] == "/"
                        assert "pushseg" in seen["home"] and "pushseg-prompt" in seen["home"]
                    project.run(command)

        # pushseg_send delivered it: the sandbox verified VAPID and decrypted it.
        inbox = http_json(f"{origin}/inbox/{subscription['endpoint'].rsplit('/', 1)[1]}.json")
        titles = [m["json"]["title"] for m in inbox["messages"]]
        assert titles == ["Hello"]
        assert inbox["messages"][0]["json"]["body"] == "Push works"

        # And a campaign queued like the admin does is sent by the guide's qcluster.
        project.shell(QUEUED_SEND)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            inbox = http_json(f"{origin}/inbox/{subscription['endpoint'].rsplit('/', 1)[1]}"
                              ".json")
            if len(inbox["messages"]) == 2:
                break
            time.sleep(1)
        assert [m["json"]["title"] for m in inbox["messages"]] == ["Hello", "Through the queue"]
    finally:
        project.stop()
        shutil.rmtree(project.venv, ignore_errors=True)
