# JupyterHub 3.0 (Debian's) with oarspawner: every server is an OAR job started by the oarspawner service.
# This file runs the local platform (deploy/hub.sh); the comments say what a real site changes.
import os

c = get_config()  # noqa: F821
state = os.environ.get("OARSPAWNER_DEV_STATE", "/var/lib/oarspawner-dev")
# DEBUG shows each step of a spawn and a stop, with times.
c.Application.log_level = os.environ.get("OARSPAWNER_HUB_LOG_LEVEL", "INFO")

# The public proxy, where browsers go.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ.get("OARSPAWNER_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = 8081
# The notebooks run on compute nodes, and must reach the hub's API at this URL. At a site: an address of the
# hub that the nodes can route to (a site-internal name, not localhost).
c.JupyterHub.hub_connect_url = os.environ.get("OARSPAWNER_HUB_CONNECT_URL", "http://127.0.0.1:8081")

# The spawner: the shim from spawner-api/shim (pip install it, or put it on PYTHONPATH).
c.JupyterHub.spawner_class = "oarspawner.OARSpawner"
c.OARSpawner.service_url = os.environ.get("OARSPAWNER_SERVICE_URL", "http://127.0.0.1:9081")
# HS256 secret shared with the service (jwt.hmacSecretFile there). At a site prefer an ES256 key pair:
# c.OARSpawner.jwt_private_key_file = "/etc/jupyterhub/oarspawner-jwt.pem"; c.OARSpawner.jwt_algorithm = "ES256"
c.OARSpawner.jwt_secret_file = os.path.join(state, "jwt-secret")
c.OARSpawner.jwt_issuer = "jupyterhub"
# What runs in the job; Debian's notebook 6 is the single-user app when jupyter_server is absent.
c.Spawner.cmd = ["jupyterhub-singleuser"]
c.Spawner.environment = {"JUPYTERHUB_SINGLEUSER_APP": "notebook.notebookapp.NotebookApp"}
# Jobs may queue: wait long enough, and show every progress event (queue position, estimated start, node).
c.Spawner.start_timeout = 900
c.Spawner.http_timeout = 120
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
# How often the hub asks whether a server still runs: a job ended by its walltime or by oardel shows as stopped
# within this. Cheap: the service answers from memory, and polls OAR once per tick whatever the number of servers.
c.Spawner.poll_interval = 10
c.JupyterHub.allow_named_servers = True
# Each server is an OAR job holding cores or GPUs: cap how many one user may hold at once (0: no cap).
c.JupyterHub.named_server_limit_per_user = 3
# Servers are OAR jobs: a hub restart must not stop them.
c.JupyterHub.cleanup_servers = False

# configurable-http-proxy, started by the hub. Debian's CHP needs NODE_PATH (deploy/hub.sh sets it). The same
# token goes to the oarspawner service (proxy.authTokenFile), which keeps the routes in step with the jobs.
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
with open(os.path.join(state, "proxy-token")) as f:
    c.ConfigurableHTTPProxy.auth_token = f.read().strip()

# Local platform only: any user name logs in with this password. At a site: your authenticator (LDAP, OAuth).
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("OARSPAWNER_DEMO_PASSWORD", "oarspawner-demo")
# A service token for tests and operators' scripts, with the admin role.
with open(os.path.join(state, "hub-api-token")) as f:
    _api_token = f.read().strip()
# The oarspawner service reconciles its jobs with the hub's own list of servers: it cancels the job of a server
# that the hub, reachable, has not known for hub.orphanGrace (a start that failed while the service was down, a
# stop that never reached it), and never cancels anything while the hub is down. It only reads: its role has just
# list:users and read:servers. The token is in a file that the service reads too (hub.apiTokenFile there); make
# it with e.g. `(umask 077; openssl rand -hex 32 > /etc/jupyterhub/oarspawner-hub-token)`.
with open(os.path.join(state, "hub-service-token")) as f:
    _reconcile_token = f.read().strip()
# The same service serves the "HPC sessions" page at /services/oarspawner/ (each server's job, queue place, walltime
# left, "Extend by 1 h", "Stop"): the hub's proxy sends that path to the service's URL, the hub lists it in its
# Services menu, and the page logs users in through the hub's OAuth as client "service-oarspawner", whose secret is
# this service's api_token (the service reads the same file: sessions.clientSecretFile). The redirect URI must be the
# absolute URL browsers use, and equal the service's sessions.publicUrl + /services/oarspawner/oauth_callback.
_public_url = os.environ.get("OARSPAWNER_HUB_PUBLIC_URL", "http://127.0.0.1:%d" % c.JupyterHub.port)
c.JupyterHub.services = [
    {"name": "oarspawner-admin", "api_token": _api_token},
    {"name": "oarspawner", "api_token": _reconcile_token,
     "url": os.environ.get("OARSPAWNER_SERVICE_URL", "http://127.0.0.1:9081"),
     "oauth_redirect_uri": _public_url + "/services/oarspawner/oauth_callback",
     # Part of the hub: no "authorize this service" page. Its tokens only identify the user (name, admin).
     "oauth_no_confirm": True, "display": True},
]
# The hub's home page links to the page through a template variable (no fork of the hub's templates).
c.JupyterHub.template_vars = {
    "announcement_home": '<a href="/services/oarspawner/">HPC sessions</a>: your jobs, their walltime left, extend or stop them.',
}
# Hub admins see every user's sessions on that page, and may stop them. At a site: your admins, or an admin group.
c.Authenticator.admin_users = set(os.environ.get("OARSPAWNER_HUB_ADMINS", "hubadmin").split(","))
c.JupyterHub.load_roles = [
    # Every user may log in to the HPC sessions page (JupyterHub 3.0 lets a user OAuth into a service only with
    # access:services for it); "self" is the user role's default.
    {"name": "user", "scopes": ["self", "access:services!service=oarspawner"]},
    {"name": "admin", "services": ["oarspawner-admin"]},
    {"name": "oarspawner-reconcile", "description": "Read which servers the hub has, to cancel abandoned OAR jobs",
     "scopes": ["list:users", "read:servers"], "services": ["oarspawner"]},
]
# The shim rides out a restart of the service: start() retries until start_timeout, stop() for stop_grace
# (seconds), poll() reports a server stopped only when the service itself says so.
c.OARSpawner.stop_grace = 120

c.JupyterHub.db_url = os.environ.get("OARSPAWNER_HUB_DB_URL", "sqlite:///" + os.path.join(state, "jupyterhub.sqlite"))
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
