"""The spawn form, built from the service's /profiles, and the checks on what a user chose."""
import html
import re

WALLTIME = re.compile(r"^[0-9]{1,3}:[0-5][0-9](:[0-5][0-9])?$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
FIELDS = ("profile", "cluster", "cores", "gpus", "gpuModel", "walltime", "project")


def free_now(cluster: dict):
    """'free now: 3 cores; A100: 1 free, V100: 0 free', or None while the service has no count for the cluster."""
    free = cluster.get("free")
    if not isinstance(free, dict):
        return None
    text = f"free now: {int(free.get('cores', 0))} cores"
    gpus = free.get("gpus") or {}
    if gpus:
        text += "; " + ", ".join(f"{m}: {int(g.get('free', 0))} free" for m, g in sorted(gpus.items()))
    return text


def queues(profile: dict, cluster: dict) -> bool:
    """Whether a preset asks for more than its cluster has free now (so its job will wait in OAR's queue)."""
    free = cluster.get("free")
    if not isinstance(free, dict):
        return False
    gpus = int(profile.get("gpus") or 0)
    if gpus:
        by_model = free.get("gpus") or {}
        model = profile.get("gpuModel")
        available = sum(int(g.get("free", 0)) for m, g in by_model.items() if not model or m == model)
        return available < gpus
    return int(free.get("cores", 0)) < int(profile.get("cores") or 1) * int(profile.get("nodes") or 1)


def render(profiles: dict) -> str:
    """HTML for JupyterHub's spawn page: a preset, or a cluster with its own limits and what it has free now."""
    clusters = {c.get("name"): c for c in profiles.get("clusters", [])}
    out = ['<div class="form-group"><label for="oar-profile">Preset</label>',
           '<select class="form-control" name="profile" id="oar-profile"><option value="">Custom (below)</option>']
    for p in profiles.get("profiles", []):
        label = p["display"]
        if queues(p, clusters.get(p.get("cluster"), {})):
            label += " (not free now: will wait in the queue)"
        out.append(f'<option value="{html.escape(p["name"])}">{html.escape(label)}</option>')
    out.append("</select></div>")
    out.append('<div class="form-group"><label for="oar-cluster">Cluster</label>'
               '<select class="form-control" name="cluster" id="oar-cluster" aria-describedby="oar-free">')
    for c in profiles.get("clusters", []):
        label = c["display"] + (f" ({free_now(c)})" if free_now(c) else "")
        out.append(f'<option value="{html.escape(c["name"])}">{html.escape(label)}</option>')
    out.append("</select>")
    lines = [f"{c['display']}: {free_now(c)}" for c in profiles.get("clusters", []) if free_now(c)]
    if lines:
        out.append('<p class="help-block" id="oar-free">'
                   + "<br>".join(html.escape(line) for line in lines)
                   + "<br>A request for more than is free waits in OAR's queue; the progress page then shows its place "
                     "and estimated start.</p>")
    out.append("</div>")
    limits = profiles.get("clusters", [])
    max_cores = max([c.get("maxCores", 1) for c in limits] or [1])
    max_gpus = max([c.get("maxGpus", 0) for c in limits] or [0])
    models = sorted({m for c in limits for m in c.get("gpuModels", [])})
    projects = sorted({p for c in limits for p in c.get("projects", [])})
    out.append(f'<div class="form-group"><label for="oar-cores">Cores</label><input class="form-control" type="number" '
               f'name="cores" id="oar-cores" min="1" max="{max_cores}" value="1"></div>')
    if max_gpus:
        out.append(f'<div class="form-group"><label for="oar-gpus">GPUs</label><input class="form-control" type="number" '
                   f'name="gpus" id="oar-gpus" min="0" max="{max_gpus}" value="0"></div>')
        out.append('<div class="form-group"><label for="oar-gpumodel">GPU model</label>'
                   '<select class="form-control" name="gpuModel" id="oar-gpumodel"><option value="">any</option>')
        out.extend(f'<option value="{html.escape(m)}">{html.escape(m)}</option>' for m in models)
        out.append("</select></div>")
    out.append('<div class="form-group"><label for="oar-walltime">Walltime (H:MM)</label><input class="form-control" '
               'name="walltime" id="oar-walltime" placeholder="from the preset" pattern="[0-9]{1,3}:[0-5][0-9](:[0-5][0-9])?"></div>')
    if projects:
        out.append('<div class="form-group"><label for="oar-project">Project</label>'
                   '<select class="form-control" name="project" id="oar-project"><option value="">none</option>')
        out.extend(f'<option value="{html.escape(p)}">{html.escape(p)}</option>' for p in projects)
        out.append("</select></div>")
    return "\n".join(out)


def from_form(formdata: dict) -> dict:
    """JupyterHub's form data (lists of strings) to user_options, dropping empty fields."""
    options = {}
    for field in FIELDS:
        value = (formdata.get(field) or [""])[0].strip()
        if value:
            options[field] = value
    return options


def validate(options: dict, profiles: dict) -> dict:
    """Checks user_options, from the form or the hub's REST API; raises ValueError naming the field."""
    unknown = set(options) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; allowed: {list(FIELDS)}")
    clean = {}
    names = {p["name"]: p for p in profiles.get("profiles", [])}
    clusters = {c["name"]: c for c in profiles.get("clusters", [])}
    if "profile" in options:
        if options["profile"] not in names:
            raise ValueError(f"profile: {options['profile']!r} is not one of {sorted(names)}")
        clean["profile"] = options["profile"]
    cluster = options.get("cluster") or (names[clean["profile"]]["cluster"] if "profile" in clean else None)
    if cluster is None:
        raise ValueError(f"cluster: choose a preset or a cluster, one of {sorted(clusters)}")
    if cluster not in clusters:
        raise ValueError(f"cluster: {cluster!r} is not one of {sorted(clusters)}")
    limits = clusters[cluster]
    if "cluster" in options:
        clean["cluster"] = cluster
    for field, key in (("cores", "maxCores"), ("gpus", "maxGpus")):
        if field in options:
            try:
                n = int(options[field])
            except (TypeError, ValueError):
                raise ValueError(f"{field}: must be a whole number, got {options[field]!r}") from None
            lowest = 1 if field == "cores" else 0
            if n < lowest or n > limits.get(key, 0 if field == "gpus" else 1):
                raise ValueError(f"{field}: must be between {lowest} and {limits.get(key)} on {cluster}, got {n}")
            clean[field] = n
    if "gpuModel" in options:
        if options["gpuModel"] not in limits.get("gpuModels", []):
            raise ValueError(f"gpuModel: {options['gpuModel']!r} is not offered on {cluster}; "
                             f"choose one of {limits.get('gpuModels', [])}")
        clean["gpuModel"] = options["gpuModel"]
    if "walltime" in options:
        if not WALLTIME.match(str(options["walltime"])):
            raise ValueError(f"walltime: must be H:MM or H:MM:SS, got {options['walltime']!r}")
        clean["walltime"] = options["walltime"]
    if "project" in options:
        allowed = limits.get("projects", [])
        if not NAME.match(str(options["project"])) or (allowed and options["project"] not in allowed):
            raise ValueError(f"project: {options['project']!r} is not one of {allowed}")
        clean["project"] = options["project"]
    return clean
