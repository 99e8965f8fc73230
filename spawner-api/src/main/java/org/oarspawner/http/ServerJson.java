package org.oarspawner.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.oarspawner.spawn.Spawn;

/** The JSON of a spawn, as GET returns it. */
final class ServerJson {
    private ServerJson() {
    }

    static JsonObject of(Spawn.View v, Instant now) {
        JsonObject o = new JsonObject().put("user", v.key().user())
                .put("name", v.key().isDefaultServer() ? ApiServer.DEFAULT_SERVER : v.key().server())
                .put("state", v.state().name().toLowerCase()).put("cluster", v.cluster()).put("login", v.login())
                .put("nodes", new JsonArray(v.nodes())).put("message", v.message());
        v.jobId().ifPresent(id -> o.put("jobId", id));
        v.url().ifPresent(u -> o.put("url", u));
        v.queuePosition().ifPresent(p -> o.put("queuePosition", p));
        v.scheduledStart().ifPresent(t -> o.put("estimatedStart", t.toString()));
        v.walltimeLeft(now).ifPresent(d -> o.put("walltimeLeftSeconds", d.toSeconds()));
        v.walltime().ifPresent(d -> o.put("walltimeSeconds", d.toSeconds()));
        o.put("endsAt", v.walltimeEnd().map(Instant::toString).orElse(null));
        o.put("walltimeChange", v.walltimeChange().map(c -> new JsonObject().put("state", c.state().name().toLowerCase())
                .put("add", org.oarspawner.spi.Grammar.walltimeText(c.add())).put("requestedAt", c.requestedAt().toString()).put("message", c.message())).orElse(null));
        o.put("endingSoon", v.endingSoon());
        v.submittedAt().ifPresent(t -> o.put("submittedAt", t.toString()));
        v.runningAt().ifPresent(t -> o.put("runningAt", t.toString()));
        v.readyAt().ifPresent(t -> o.put("readyAt", t.toString()));
        v.failure().ifPresent(f -> o.put("failure", f.name().toLowerCase()));
        // A refused submission: the code a PUT answered with when it waited for oarsub (rejected_by_oar, no_account, ...).
        v.refusal().ifPresent(r -> o.put("code", ApiServer.code(r)));
        v.exitStatus().ifPresent(x -> o.put("exitStatus", x));
        if (!v.stderrTail().isEmpty()) {
            o.put("stderrTail", v.stderrTail());
        }
        return o;
    }
}
