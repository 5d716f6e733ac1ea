"""Bounded load on a running server (loopback only): ``make bench-load`` starts gunicorn and runs this."""
import http.cookiejar
import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.catalog.models import Need
from matching.models import Match

PASSWORD = "demo-pass-2026"  # seed_demo's accounts
ENDPOINTS = {  # name: share of the requests
    "catalog browse": 0.4,
    "need post (API)": 0.1,
    "need page": 0.25,
    "leads (API)": 0.25,
}


class Command(BaseCommand):
    help = (
        "Send a fixed number of requests to a server on 127.0.0.1 (catalog browse, need post through the "
        "API, the need page, the lead inbox) from a few threads, then print requests/s, p50 and p95 per "
        "endpoint, errors, the RSS of each gunicorn worker and how long posted needs waited for their "
        "stored matches; the posted needs are deleted at the end. Needs seed_demo's accounts and the same "
        "DATABASE_URL as the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--requests", type=int, default=2000)
        parser.add_argument("--users", type=int, default=8, help="concurrent client threads")
        parser.add_argument("--gunicorn-pid", type=int, help="master pid: report its workers' RSS")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, base_url, requests, users, gunicorn_pid, seed, **options):
        if urllib.parse.urlsplit(base_url).hostname not in {"127.0.0.1", "localhost"}:
            raise CommandError("bench_load only sends traffic to loopback")
        self.base = base_url.rstrip("/")
        enterprise, provider = self._token("demo-enterprise"), self._token("demo-provider")
        pages = [self._session("demo-enterprise") for _ in range(users)]
        rng = random.Random(seed)
        kinds = rng.choices(list(ENDPOINTS), weights=list(ENDPOINTS.values()), k=requests)
        timings: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        errors: dict[str, int] = {name: 0 for name in ENDPOINTS}
        posted: dict[str, float] = {}
        refs: list[str] = []
        waits: list[float] = []
        lock = threading.Lock()
        done = threading.Event()

        def one(index: int, kind: str) -> None:
            started = time.perf_counter()
            try:
                if kind == "catalog browse":
                    status, _ = self._get(f"/solutions/?page={index % 50 + 1}&category={rng.choice(['energy', 'mes', 'quality', ''])}")
                elif kind == "need post (API)":
                    status, body = self._post(
                        "/api/needs/", enterprise,
                        {"title": f"压测需求{index}", "description": "窑炉温度全靠老师傅看火，天然气费用一年比一年高，想做能耗监测",
                         "budget_max": 150000, "timeline_weeks": 8},
                    )  # fmt: skip
                    if status == 201:
                        with lock:
                            posted[json.loads(body)["ref"]] = time.perf_counter()
                            refs.append(json.loads(body)["ref"])
                elif kind == "need page":
                    status, _ = self._get("/workspace/needs/DEMO-N1/", opener=pages[index % users])
                else:
                    status, _ = self._get("/api/leads/", token=provider)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                timings[kind].append(elapsed)
                if status >= 400 or status == 0:
                    errors[kind] += 1

        def watch() -> None:  # when each posted need's matches are stored
            while True:
                with lock:
                    pending = dict(posted)
                if pending:
                    found = set(Match.objects.filter(need__ref__in=list(pending)).values_list("need__ref", flat=True))
                    now = time.perf_counter()
                    with lock:
                        for ref in found:
                            waits.append(now - posted.pop(ref))
                elif done.is_set():
                    return
                if done.is_set() and time.perf_counter() - finished > 120:
                    return
                time.sleep(0.05)

        finished = float("inf")
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=users) as pool:
            list(pool.map(one, range(requests), kinds))
        wall = time.perf_counter() - started
        finished = time.perf_counter()
        done.set()
        rss = self._worker_rss(gunicorn_pid) if gunicorn_pid else []
        watcher.join()

        self.stdout.write(f"{requests} requests from {users} threads in {wall:.1f} s: {requests / wall:.1f} requests/s")
        self.stdout.write(f"{'endpoint':<18} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
        for name, values in timings.items():
            if values:
                p50, p95 = _percentile(values, 50) * 1000, _percentile(values, 95) * 1000
                self.stdout.write(f"{name:<18} {len(values):>8} {len(values) / wall:>7.1f} {p50:>8.0f} {p95:>8.0f} {errors[name]:>6}")
        self.stdout.write(f"errors: {sum(errors.values())}")
        if rss:
            self.stdout.write("RSS per web worker (MiB): " + ", ".join(f"{r:.0f}" for r in rss))
        if waits:
            self.stdout.write(
                f"posted needs: {len(waits)} matched, {len(posted)} still waiting; wait for stored matches "
                f"p50 {_percentile(waits, 50):.1f} s, p95 {_percentile(waits, 95):.1f} s, max {max(waits):.1f} s"
            )
        elif posted:
            self.stdout.write(f"posted needs: none matched within 120 s ({len(posted)} waiting)")
        removed, _ = Need.objects.filter(ref__in=refs).delete()
        self.stdout.write(f"removed the {len(refs)} posted needs again ({removed} rows with their matches and leads)")

    # ------------------------------------------------------------------ http

    def _request(self, request, opener=None):
        try:
            with (opener or urllib.request.build_opener()).open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def _get(self, path, *, token=None, opener=None):
        headers = {"Authorization": f"Token {token}"} if token else {}
        return self._request(urllib.request.Request(self.base + path, headers=headers), opener)

    def _post(self, path, token, payload):
        request = urllib.request.Request(
            self.base + path, data=json.dumps(payload).encode(), method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        return self._request(request)

    def _token(self, username: str) -> str:
        request = urllib.request.Request(
            self.base + "/api/auth/token/", data=json.dumps({"username": username, "password": PASSWORD}).encode(),
            method="POST", headers={"Content-Type": "application/json"},
        )  # fmt: skip
        status, body = self._request(request)
        if status != 200:
            raise CommandError(f"cannot log in as {username} ({status}): run seed_demo on the server's database")
        return json.loads(body)["token"]

    def _session(self, username: str):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self._request(urllib.request.Request(self.base + "/accounts/login/"), opener)
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}).encode()
        self._request(urllib.request.Request(self.base + "/accounts/login/", data=form, headers={"Referer": self.base + "/accounts/login/"}), opener)
        if not any(c.name == "sessionid" for c in jar):
            raise CommandError(f"cannot open a session as {username}")
        return opener

    @staticmethod
    def _worker_rss(master: int) -> list[float]:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        sizes = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1] if len(values) > 1 else values[0]
