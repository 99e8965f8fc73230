"""OARSpawner: a thin JupyterHub spawner over the oarspawner service's REST API (v1)."""
import asyncio
import json
from urllib.parse import quote

from jupyterhub.spawner import Spawner
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from traitlets import Float, Integer, Unicode, default

from . import form, progress, retry, tokens
from .retry import ServiceError, ServiceUnavailable

DEFAULT_SERVER = "_default"
RUNNING = ("submitting", "queued", "starting", "ready", "stopping")

__all__ = ["OARSpawner", "ServiceError", "ServiceUnavailable"]


class OARSpawner(Spawner):
    service_url = Unicode("http://127.0.0.1:9081", config=True, help="The oarspawner service's base URL.")
    jwt_secret_file = Unicode("", config=True, help="A file with the HS256 secret shared with the service.")
    jwt_private_key_file = Unicode("", config=True, help="A PEM private key (ES256 or RS256) whose public key the service trusts.")
    jwt_algorithm = Unicode("HS256", config=True, help="HS256, ES256 or RS256.")
    jwt_issuer = Unicode("jupyterhub", config=True, help="The iss claim the service expects.")
    jwt_audience = Unicode("oarspawner", config=True, help="The aud claim the service expects.")
    jwt_lifetime = Integer(300, config=True, help="Seconds each token lives.")
    static_token = Unicode("", config=True, help="A ready-made bearer token, instead of signing one.")
    poll_interval_while_starting = Float(0.5, config=True, help="Seconds between status checks while start() waits: the service answers from memory, so this costs OAR nothing.")
    stop_grace = Float(120, config=True, help="""Seconds stop() keeps trying to reach the service (a restart, a deployment)
        before it gives up and the hub forgets the server. The service then cancels the job itself once the hub has
        not known the server for its hub.orphanGrace.""")
    retry_first_delay = Float(0.5, config=True, help="Seconds before the first retry when the service cannot be reached; doubles on each try.")
    retry_max_delay = Float(5.0, config=True, help="The most seconds between two tries to reach the service.")

    @default("start_timeout")
    def _start_timeout(self):
        # A job may queue: give it longer than a local process gets.
        return 900

    @default("http_timeout")
    def _http_timeout(self):
        return 120

    _profiles = None

    # -- talking to the service ---------------------------------------------------------------------------------

    def _token(self):
        if self.static_token:
            return self.static_token
        if self.jwt_secret_file:
            with open(self.jwt_secret_file, "rb") as f:
                key, algorithm = f.read().strip(), "HS256"
        elif self.jwt_private_key_file:
            with open(self.jwt_private_key_file, "rb") as f:
                key, algorithm = f.read(), self.jwt_algorithm
        else:
            raise ServiceError("OARSpawner needs jwt_secret_file, jwt_private_key_file or static_token to call the service")
        return tokens.sign({"sub": "jupyterhub", "roles": ["hub"]}, algorithm, key, self.jwt_issuer,
                           self.jwt_audience, self.jwt_lifetime)

    def _path(self):
        name = self.name or DEFAULT_SERVER
        return f"/api/v1/users/{quote(self.user.name, safe='@')}/servers/{quote(name, safe='')}"

    async def _call(self, method, path, body=None, ok=(200,), timeout=60):
        """One request. No answer at all (refused, reset, timeout, TLS failure) or a gateway's 502/503/504 raises
        ServiceUnavailable; any other unexpected status raises ServiceError with the service's message."""
        request = HTTPRequest(self.service_url.rstrip("/") + path, method=method,
                              headers={"Authorization": "Bearer " + self._token(), "Content-Type": "application/json"},
                              body=json.dumps(body) if body is not None else (None if method in ("GET", "DELETE") else ""),
                              request_timeout=timeout)
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except Exception as e:  # noqa: BLE001 - every transport failure is mapped, anything else re-raised
            if retry.is_transient(e):
                raise ServiceUnavailable(f"the oarspawner service at {self.service_url} cannot be reached: "
                                         f"{type(e).__name__}: {e}", getattr(e, "code", None)) from e
            raise
        if response.code not in ok:
            try:
                message = json.loads(response.body)["message"]
            except (ValueError, KeyError, TypeError):
                message = f"HTTP {response.code} from the oarspawner service"
            if retry.is_transient_status(response.code):
                raise ServiceUnavailable(f"the oarspawner service at {self.service_url} is unavailable: {message}",
                                         response.code)
            raise ServiceError(message, response.code)
        return json.loads(response.body) if response.body else None

    async def _call_until(self, deadline, method, path, body=None, ok=(200,), timeout=60):
        """_call, retried with backoff (retry_first_delay doubling to retry_max_delay) while the service cannot be
        reached, until the event loop's clock passes deadline."""
        def on_retry(error, delay, tries):
            if tries == 1 or tries % 10 == 0:
                self.log.warning("oarspawner: %s %s/%s: %s; try %d, again in %.1f s", method, self.user.name,
                                 self.name, error, tries, delay)

        async def attempt(left):
            return await self._call(method, path, body, ok, min(timeout, max(left, 1)))

        result = await retry.until(deadline, attempt, on_retry, self.retry_first_delay, self.retry_max_delay)
        return result

    def _deadline(self, seconds):
        return asyncio.get_running_loop().time() + seconds

    async def profiles(self, deadline=None, fresh=False):
        if self._profiles is None or fresh:
            self._profiles = await self._call_until(deadline or self._deadline(15), "GET", "/api/v1/profiles")
        return self._profiles

    # -- the spawn form -----------------------------------------------------------------------------------------

    async def _options_form(self, spawner):
        # Fresh each time the form is shown: it carries what the clusters have free now.
        return form.render(await self.profiles(fresh=True))

    @default("options_form")
    def _default_options_form(self):
        return self._options_form

    def options_from_form(self, formdata):
        return form.from_form(formdata)

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def _environment(self):
        env = self.get_env()
        # The node's address and port are known only once the job runs: the job script fills them in.
        env["JUPYTERHUB_SERVICE_URL"] = "http://{host}:{port}" + (self.server.base_url if self.server else "/")
        return {k: str(v) for k, v in env.items()}

    _submitted = None

    async def start(self):
        # The service may restart while the hub waits (a deployment, a crash): every call is retried until
        # start_timeout. A PUT retried after a restart finds the job in OAR and answers 200: never a second job.
        deadline = self._deadline(self.start_timeout)
        # The hub asks for progress() as soon as start() begins: progress() waits until the service knows the
        # server, which it does once it has this PUT.
        self._submitted = asyncio.Event()
        try:
            options = form.validate(self.user_options or {}, await self.profiles(deadline))
            body = dict(options)
            body["command"] = self.cmd + self.get_args() + ["--ip={host}", "--port={port}"]
            body["environment"] = self._environment()
            # Long enough for the service to wait for this server's previous job, stopped a moment ago, to end.
            server = await self._call_until(deadline, "PUT", self._path(), body, ok=(200, 201, 202), timeout=180)
        finally:
            self._submitted.set()
        self.log.info("oarspawner: %s/%s is %s as job %s on %s", self.user.name, self.name, server["state"],
                      server.get("jobId"), server["cluster"])
        try:
            server = await self._follow(server, deadline)
        except ServiceError as e:
            if e.status == 404:
                raise ServiceError(f"the job of {self.user.name}/{self.name} ended while the oarspawner service "
                                   f"was restarting; start the server again") from e
            raise
        if server["state"] == "ready":
            return server["url"]
        raise ServiceError(server.get("message") or f"the job {server['state']}")

    async def _follow(self, server=None, deadline=None):
        """The server's state, checked every poll_interval_while_starting until it is ready or has ended, or the
        loop's clock passes deadline; starts from server, the service's last answer, if given. An unreachable
        service is retried until deadline."""
        loop = asyncio.get_running_loop()
        deadline = deadline or self._deadline(self.start_timeout)
        while True:
            if server is not None:
                self._job = server
                if server["state"] == "ready" or server["state"] not in RUNNING or loop.time() > deadline:
                    return server
                await asyncio.sleep(self.poll_interval_while_starting)
            server = await self._call_until(deadline, "GET", self._path())

    async def poll(self):
        # The service finds the job by (user, server) even when the hub lost this spawner's state. Only the
        # service's own answer may end a server: while it cannot be reached, the server is still running.
        try:
            server = await self._call("GET", self._path(), ok=(200,), timeout=30)
        except ServiceUnavailable as e:
            self.log.warning("oarspawner: poll of %s/%s: %s; taken as still running", self.user.name, self.name, e)
            return None
        except ServiceError as e:
            if e.status == 404:
                return 0
            self.log.warning("oarspawner: poll of %s/%s failed: %s; taken as still running", self.user.name, self.name, e)
            return None
        except Exception:  # noqa: BLE001 - a bad answer or an unreadable key must not make the hub drop a running job
            self.log.exception("oarspawner: poll of %s/%s failed; taken as still running", self.user.name, self.name)
            return None
        if not isinstance(server, dict) or "state" not in server:
            self.log.warning("oarspawner: poll of %s/%s: the service answered %r; taken as still running",
                             self.user.name, self.name, server)
            return None
        if server["state"] in RUNNING:
            return None
        return server.get("exitStatus", 0) if server["state"] == "failed" else 0

    async def get_url(self):
        # The hub asks this after a restart, of every server poll() says is alive. A server that was still
        # queued when the hub went down is the same OAR job: wait for it, rather than let the hub drop it.
        try:
            server = await self._follow(deadline=self._deadline(self.start_timeout))
        except ServiceError as e:
            # Raising here would stop the hub's start-up (check_spawner does not catch it): keep the server.
            self.log.warning("oarspawner: %s/%s: %s; keeping the server, poll() will tell", self.user.name, self.name, e)
            return self.server.url
        if server["state"] == "ready":
            return server["url"]
        if server["state"] not in RUNNING:
            self.log.warning("oarspawner: %s/%s %s while the hub was down: %s", self.user.name, self.name,
                             server["state"], server.get("message", ""))
        else:
            self.log.warning("oarspawner: %s/%s not ready %ss after a hub restart; stopping job %s",
                             self.user.name, self.name, self.start_timeout, server.get("jobId"))
            try:
                await self.stop()
            except ServiceError as e:
                self.log.warning("oarspawner: stopping %s/%s failed: %s", self.user.name, self.name, e)
        return self.server.url

    async def stop(self, now=False):
        # Once stop() returns or raises, the hub forgets the server: keep trying through a service restart.
        try:
            await self._call_until(self._deadline(self.stop_grace), "DELETE", self._path(), ok=(202, 204))
        except ServiceUnavailable as e:
            job = getattr(self, "_job", None) or {}
            self.log.error("oarspawner: could not stop %s/%s (job %s) within stop_grace=%ss: %s. The service cancels "
                           "the job once the hub has not known this server for its hub.orphanGrace.", self.user.name,
                           self.name, job.get("jobId"), self.stop_grace, e)
            raise

    def get_state(self):
        state = super().get_state()
        job = getattr(self, "_job", None)
        if job and job.get("jobId"):
            state["job_id"] = job["jobId"]
            state["cluster"] = job["cluster"]
        return state

    def load_state(self, state):
        super().load_state(state)
        if state.get("job_id"):
            self._job = {"jobId": state["job_id"], "cluster": state.get("cluster")}

    def clear_state(self):
        super().clear_state()
        self._job = None

    async def _wait_until_known(self):
        # The hub asks for progress as soon as start() begins, before the service has our PUT; and the PUT answers
        # only once oarsub returned, which takes seconds when a whole class starts at once. Follow the events as
        # soon as the service knows the server, so that "Submitting the job" shows meanwhile.
        while not self._submitted.is_set():
            try:
                await self._call("GET", self._path(), timeout=10)
                return
            except ServiceError:
                try:
                    await asyncio.wait_for(self._submitted.wait(), 0.25)
                except asyncio.TimeoutError:
                    pass

    async def progress(self):
        """Relays the service's events: submitted, queue position and estimated start, node, ready; rides out a
        drop or a restart of the service (see progress.relay)."""
        if self._submitted is not None:
            await self._wait_until_known()
        async for event in progress.relay(self):
            yield event
