"""OARSpawner: a thin JupyterHub spawner over the oarspawner service's REST API (v1)."""
import asyncio
import json
from urllib.parse import quote

from jupyterhub.spawner import Spawner
from tornado.httpclient import HTTPRequest
from traitlets import Float, Integer, Unicode, default

from . import clients, form, retry, tokens
from .retry import ServiceError, ServiceUnavailable
from .stream import SpawnStream

DEFAULT_SERVER = "_default"
RUNNING = ("submitting", "queued", "starting", "ready", "stopping")
HUB_CLAIMS = {"sub": "jupyterhub", "roles": ["hub"]}
# The service's profiles by service_url, for this hub process (see OARSpawner.profiles).
_PROFILES = {}

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
    stop_grace = Float(120, config=True, help="""Seconds stop() keeps trying to reach the service (a restart, a deployment)
        before it gives up and the hub forgets the server. The service then cancels the job itself once the hub has
        not known the server for its hub.orphanGrace.""")
    retry_first_delay = Float(0.5, config=True, help="Seconds before the first retry when the service cannot be reached; doubles on each try.")
    retry_max_delay = Float(5.0, config=True, help="The most seconds between two tries to reach the service.")

    _job = None
    _stream = None

    @default("start_timeout")
    def _start_timeout(self):
        # A job may queue: give it longer than a local process gets.
        return 900

    @default("http_timeout")
    def _http_timeout(self):
        return 120

    # -- talking to the service ---------------------------------------------------------------------------------

    def _token(self):
        if self.static_token:
            return self.static_token
        if self.jwt_secret_file:
            path, algorithm = self.jwt_secret_file, "HS256"
        elif self.jwt_private_key_file:
            path, algorithm = self.jwt_private_key_file, self.jwt_algorithm
        else:
            raise ServiceError("OARSpawner needs jwt_secret_file, jwt_private_key_file or static_token to call the service")
        # One token for every call of this hub process, signed again shortly before it expires or when the key
        # file changes.
        return tokens.reused(HUB_CLAIMS, algorithm, path, self.jwt_issuer, self.jwt_audience, self.jwt_lifetime)

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
            response = await clients.calls().fetch(request, raise_error=False)
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
        """fresh: the form's, with what each cluster has free now. Otherwise the profiles without the free counts,
        for start() to check a user's options: fetched once per hub process (the service answers them from its
        configuration, without waiting for OAR; a burst of starts shares the one request), and again when a check
        fails against them."""
        kept = _PROFILES.get(self.service_url)
        if fresh or kept is None:
            path = "/api/v1/profiles" if fresh else "/api/v1/profiles?free=false"
            kept = _PROFILES[self.service_url] = asyncio.ensure_future(
                self._call_until(deadline or self._deadline(15), "GET", path))
        try:
            return await asyncio.shield(kept)
        except Exception:
            if _PROFILES.get(self.service_url) is kept:
                del _PROFILES[self.service_url]
            raise

    async def _options(self, deadline):
        try:
            return form.validate(self.user_options or {}, await self.profiles(deadline))
        except ValueError:
            # The service's profiles may have changed since they were fetched: check against its own, once.
            _PROFILES.pop(self.service_url, None)
            return form.validate(self.user_options or {}, await self.profiles(deadline))

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

    async def start(self):
        # The service may restart while the hub waits (a deployment, a crash): every call is retried until
        # start_timeout. A PUT retried after a restart finds the job in OAR and answers 200: never a second job.
        deadline = self._deadline(self.start_timeout)
        # The hub's progress() readers, from now on, share this spawn's one event stream.
        stream = self._stream_for_start()
        try:
            body = dict(await self._options(deadline))
            body["command"] = self.cmd + self.get_args() + ["--ip={host}", "--port={port}"]
            body["environment"] = self._environment()

            async def put():
                # Long enough for a service that still waits for oarsub before it answers (201).
                server = await self._call_until(deadline, "PUT", self._path(), body, ok=(200, 201, 202), timeout=180)
                self._job = server
                if server.get("jobId") is not None:
                    stream.job_id = server["jobId"]
                return server

            server = await put()
            self.log.info("oarspawner: %s/%s is %s (job %s) on %s", self.user.name, self.name, server["state"],
                          server.get("jobId"), server["cluster"])
            if server["state"] in RUNNING and server["state"] != "ready":
                try:
                    server = await self._until_ready(stream, deadline, put)
                except ServiceError as e:
                    if e.status == 404:
                        raise ServiceError(f"the job of {self.user.name}/{self.name} ended while the oarspawner "
                                           f"service was restarting; start the server again") from e
                    raise
        finally:
            stream.close()
        if server["state"] == "ready":
            return server["url"]
        raise ServiceError(server.get("message") or f"the job {server['state']}")

    def _stream_for_start(self):
        stream = self._stream
        if stream is None or stream.closed:
            stream = self._stream = SpawnStream(self)
        return stream

    async def _until_ready(self, stream, deadline, put=None):
        """The server once ready (with its url) or ended, or as it is when the loop's clock passes deadline: followed
        on the event stream. One GET only for what the last event does not say: a ready event without url (a service
        from before the url was in it), or an end that may be a previous spawn's (a 'stopped' job)."""
        while True:
            event = await stream.follow(deadline, put)
            if stream.job_id is not None and self._job is not None:
                self._job = dict(self._job, jobId=stream.job_id)
            if event.get("url") and (event.get("ready") or event.get("state") == "ready"):
                return dict(self._job or {}, state="ready", url=event["url"])
            if event.get("failed"):
                return dict(self._job or {}, state="failed", message=event.get("message"))
            server = await self._call_until(deadline, "GET", self._path())
            self._job = server
            if server["state"] == "ready" or server["state"] not in RUNNING or self._deadline(0) > deadline:
                return server
            # The stream's end was the previous spawn's: this one's events are numbered from 1.
            stream.restart()

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
            deadline = self._deadline(self.start_timeout)
            # Most servers are ready: one GET says so. A queued or starting one is followed on its event stream.
            server = self._job = await self._call_until(deadline, "GET", self._path())
            if server["state"] in RUNNING and server["state"] != "ready":
                server = await self._until_ready(SpawnStream(self), deadline)
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
            job = self._job or {}
            self.log.error("oarspawner: could not stop %s/%s (job %s) within stop_grace=%ss: %s. The service cancels "
                           "the job once the hub has not known this server for its hub.orphanGrace.", self.user.name,
                           self.name, job.get("jobId"), self.stop_grace, e)
            raise

    def get_state(self):
        state = super().get_state()
        job = self._job
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

    async def progress(self):
        """The service's events, from the one stream start() follows: submitted, queue position and estimated start,
        node, ready; through a drop or a restart of the service (see SpawnStream)."""
        async for event in self._stream_for_start().relay():
            yield event
