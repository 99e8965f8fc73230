package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.oarspawner.http.HostilePaths;
import org.oarspawner.http.RawHttp;
import org.oarspawner.oar.LocalCluster;

/**
 * Issue 8, item 1, on the real stack: a token for alice (role user) sends PUT, GET, DELETE and GET /events to
 * bob's servers through every path form that normalizes to them ({@code /users/alice/../bob/...},
 * {@code %2e%2e}, {@code %2E%2E}, {@code .%2e}, {@code //}, {@code ;}, encoded slashes...). Every answer is a 4xx
 * with the JSON error body and its field; OAR holds no job for bob but his own, which still runs; the file the
 * PUT's command would have written as bob does not exist.
 */
class HostilePathIT {
    @Test
    void aUserTokenNeverReachesAnotherUserThroughAHostilePath() throws Exception {
        try (ServiceProcess svc = new ServiceProcess(ServiceProcess.freshInstance("hostile"), Map.of()).start()) {
            Path marker = LocalCluster.home("bob").resolve("oarspawner-" + svc.instance + ".id");
            Files.deleteIfExists(marker);
            // bob's own server, started by the hub: a hostile GET would read it, a hostile DELETE would cancel it.
            JsonObject real = new JsonObject().put("cluster", "cpu").put("project", LocalCluster.PROJECT).put("walltime", "0:10")
                    .put("command", new JsonArray(List.of("sleep", "600")));
            assertThat(svc.call("PUT", "/api/v1/users/bob/servers/real", svc.hub(), real).statusCode()).isEqualTo(202);
            long realJob = svc.jobOf("bob", "real");

            String attack = new JsonObject().put("cluster", "cpu").put("project", LocalCluster.PROJECT).put("walltime", "0:10")
                    .put("command", new JsonArray(List.of("/bin/sh", "-c", "id > " + marker + "; exec sleep 600"))).encode();
            String alice = svc.user("alice");
            int sent = 0;
            for (String server : List.of("x", "real")) {
                for (String path : HostilePaths.to("alice", "bob", server)) {
                    for (String[] call : new String[][] {{"PUT", path}, {"GET", path}, {"DELETE", path}, {"GET", path + "/events"}}) {
                        RawHttp.Response r = RawHttp.send(svc.port, call[0], call[1], alice, call[0].equals("PUT") ? attack : null);
                        sent++;
                        assertThat(r.status()).as("%s %s: %s", call[0], call[1], r.body()).isBetween(400, 499);
                        assertThat(r.json().getString("field")).as("%s %s: %s", call[0], call[1], r.body()).isNotBlank();
                    }
                }
            }
            // Long enough for a submitted job to start and write its file on this cluster (it takes about 2 s).
            Thread.sleep(5000);
            int foreignJobs = svc.jobsInOar("bob", null) - 1;
            boolean written = Files.exists(marker);
            JsonObject after = svc.server("bob", "real");
            boolean realTouched = after.getLong("jobId", -1L) != realJob
                    || List.of("stopping", "stopped", "failed").contains(after.getString("state"));
            int ran = foreignJobs + (written ? 1 : 0) + (realTouched ? 1 : 0);
            System.out.println("hostile requests: " + sent + ", ran anything: " + ran);
            assertThat(foreignJobs).as("jobs for bob besides his own").isZero();
            assertThat(written).as("%s written", marker).isFalse();
            assertThat(after.getString("state")).as(after.encode()).isIn("queued", "starting");
            assertThat(after.getLong("jobId")).isEqualTo(realJob);
            assertThat(svc.jobsInOar("alice", null)).isZero();
            assertThat(ran).isZero();
        }
    }
}
