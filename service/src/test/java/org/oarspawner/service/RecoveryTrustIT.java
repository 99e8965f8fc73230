package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.proxy.Chp;

/**
 * Any user may submit a job under any name, and sees every job's name in oarstat. A restarted service takes a job
 * for a spawn only when its name's tag verifies for its owner and the owner is the login the mapping gives: jobs
 * named like someone else's server are logged, counted and left alone, and one odd job does not stop recovery.
 */
class RecoveryTrustIT {
    static final String INSTANCE = "trust";
    /** What alice runs: a page of hers on node-cpu, announced in the spool as a notebook's endpoint would be. */
    static final String IMPOSTOR = """
            #!/bin/sh
            port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("node-cpu", 0)); print(s.getsockname()[1])')
            printf 'node-cpu %s\\n' "$port" > /var/spool/oarspawner/endpoint.$OAR_JOB_ID
            mkdir -p "$HOME/impostor" && echo "not bob's notebook" > "$HOME/impostor/index.html"
            cd "$HOME/impostor" && exec python3 -m http.server "$port" --bind node-cpu
            """;

    private Chp chp;
    private ServiceProcess service;
    private final List<Long> foreignJobs = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        chp = new Chp();
        service = new ServiceProcess(INSTANCE, ServiceProcess.managing(chp)).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            service.close();
        } finally {
            for (long id : foreignJobs) {
                LocalCluster.run("oardel", Long.toString(id));
            }
            chp.close();
        }
    }

    @Test
    void jobsNamedLikeAnotherUsersServerAreNeitherAdoptedNorCancelled() throws Exception {
        // bob's real server: its job's name is in oarstat for every user to read.
        assertThat(service.call("PUT", "/api/v1/users/bob/servers/real",
                ServiceProcess.body("cpu", 0, LocalCluster.HTTP_SERVER)).statusCode()).isEqualTo(202);
        JsonObject bobs = service.waitFor("bob", "real", s -> s.getString("state").equals("ready"));
        String bobsName = new JsonObject(LocalCluster.run("oarstat", "-fJ", "-j", Long.toString(bobs.getLong("jobId"))))
                .getJsonObject(Long.toString(bobs.getLong("jobId"))).getString("name");
        assertThat(bobsName).startsWith("oarspawner:" + INSTANCE + ":cpu:bob:real:");

        // From their own shells on the frontend: alice names a job as bob's default server (as before tags), and
        // another with the exact name of bob's real job; carol.x, a login outside the service's grammar, one too.
        long untagged = submitAs("alice", "oarspawner:" + INSTANCE + ":cpu:bob:");
        long copied = submitAs("alice", bobsName);
        long odd = submitAs("carol.x", "oarspawner:" + INSTANCE + ":cpu:carol:");
        for (long id : List.of(untagged, copied, odd)) {
            ServiceProcess.waitUntil(() -> LocalCluster.run("oarstat", "-s", "-j", Long.toString(id)).contains("Running"),
                    "job " + id + " running");
        }

        service.kill();
        service.start();

        // Recovery finished and the API opened, with bob's real server as it was.
        JsonObject real = service.waitFor("bob", "real", s -> s.getString("state").equals("ready"));
        assertThat(real.getLong("jobId")).isEqualTo(bobs.getLong("jobId"));
        assertThat(real.getString("url")).isEqualTo(bobs.getString("url"));
        assertThat(real.getString("login")).isEqualTo("bob");
        assertThat(service.serverResponse("bob", "_default").statusCode()).isEqualTo(404);
        assertThat(service.serverResponse("carol", "_default").statusCode()).isEqualTo(404);
        assertThat(service.servers()).extracting(s -> s.getLong("jobId")).doesNotContain(untagged, copied, odd);

        // The proxy sends bob's path to bob's notebook, and nothing to alice's page.
        Thread.sleep(2000);
        JsonObject routes = ServiceProcess.routes(chp);
        assertThat(routes.getJsonObject("/user/bob/real").getString("target")).isEqualTo(bobs.getString("url"));
        assertThat(routes.fieldNames()).doesNotContain("/user/bob", "/user/carol");

        // Someone's jobs: logged and counted, never cancelled.
        String log = service.log();
        assertThat(count(log, "event=job_ignored reason=forged_name cluster=cpu job=" + untagged + " owner=alice")).isEqualTo(1);
        assertThat(count(log, "event=job_ignored reason=forged_name cluster=cpu job=" + copied + " owner=alice")).isEqualTo(1);
        assertThat(count(log, "event=job_ignored reason=malformed cluster=cpu job=" + odd + " owner=carol.x")).isEqualTo(1);
        assertThat(service.metric("oarspawner_jobs_ignored_total", "cluster=\"cpu\",reason=\"forged-name\"")).isEqualTo(2);
        assertThat(service.metric("oarspawner_jobs_ignored_total", "cluster=\"cpu\",reason=\"malformed\"")).isEqualTo(1);
        for (long id : List.of(untagged, copied, odd)) {
            assertThat(LocalCluster.run("oarstat", "-s", "-j", Long.toString(id))).contains("Running");
        }
    }

    @Test
    void aJobWhoseOwnerIsNoLongerTheMappedLoginIsLeftAlone() throws Exception {
        assertThat(service.call("PUT", "/api/v1/users/bob/servers/mapped",
                ServiceProcess.body("cpu", 0, List.of("sleep", "600"))).statusCode()).isEqualTo(202);
        long job = service.waitFor("bob", "mapped", s -> s.getString("state").equals("starting")).getLong("jobId");
        foreignJobs.add(job);
        service.kill();

        // The site changed its mapping: hub user bob is now login bobx on the clusters. The job is bob's, not bobx's.
        try (ServiceProcess remapped = new ServiceProcess(INSTANCE, Map.of("OARSPAWNER_LOGINS__MODE", "template",
                "OARSPAWNER_LOGINS__TEMPLATE", "{user}x")).start()) {
            assertThat(remapped.serverResponse("bob", "mapped").statusCode()).isEqualTo(404);
            assertThat(count(remapped.log(), "event=job_ignored reason=foreign_owner cluster=cpu job=" + job + " owner=bob"))
                    .isEqualTo(1);
            assertThat(remapped.metric("oarspawner_jobs_ignored_total", "cluster=\"cpu\",reason=\"foreign-owner\"")).isEqualTo(1);
            assertThat(LocalCluster.run("oarstat", "-s", "-j", Long.toString(job))).containsAnyOf("Running", "Launching");
        }
        // Back with the right mapping, the same job is bob's again.
        service.start();
        assertThat(service.waitFor("bob", "mapped", s -> s.containsKey("jobId")).getLong("jobId")).isEqualTo(job);
    }

    /** Submits from the user's own shell, as any user of the cluster can; returns the job id. */
    private long submitAs(String user, String name) throws Exception {
        Path script = Path.of("/home", user, "impostor.sh");
        Files.writeString(script, IMPOSTOR);
        LocalCluster.run("chown", user, script.toString());
        LocalCluster.run("chmod", "755", script.toString());
        String out = LocalCluster.run("su", "-s", "/bin/sh", user, "-c", "cd && oarsub --name '" + name
                + "' --property \"cluster='cpu'\" --resource /nodes=1/core=1,walltime=0:10:00 ./impostor.sh");
        Matcher m = Pattern.compile("OAR_JOB_ID=(\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        long id = Long.parseLong(m.group(1));
        foreignJobs.add(id);
        return id;
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }
}
