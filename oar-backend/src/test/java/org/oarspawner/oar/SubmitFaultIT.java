package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 8, item 6: the transport fails once oarsub was sent. The real oarsub runs through a fault injector on the
 * frontend that holds its answer back (and says when the job exists), and the SSH connection goes through a real
 * TCP relay: the relay cuts the connection, or the command times out. submit() must return the job that oarsub
 * made, and OAR must hold exactly one job under that name.
 */
@ExtendWith(VertxExtension.class)
class SubmitFaultIT {
    private static final Pattern JOB_ID = Pattern.compile("OAR_JOB_ID=(\\d+)");
    private Vertx vertx;
    private TcpRelay relay;
    private Path work;
    private Path marker;
    private Path oarsub;
    private final List<OarScheduler> schedulers = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        relay = new TcpRelay("localhost", 22);
        work = Files.createTempDirectory("submit-fault");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        marker = work.resolve("oarsub.out");
        // The fault injector: the real oarsub, whose answer is written to the marker at once but printed only 30 s later.
        oarsub = work.resolve("oarsub");
        Files.writeString(oarsub, "#!/bin/sh\nout=$(/usr/bin/oarsub \"$@\" 2>&1); rc=$?\n"
                + "printf '%s\\n' \"$out\" > " + marker + ".part; mv " + marker + ".part " + marker + "\n"
                + "sleep 30\nprintf '%s\\n' \"$out\"\nexit $rc\n");
        Files.setPosixFilePermissions(oarsub, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The frontend's host keys, under the relay's address.
        String hostKeys = Files.readAllLines(LocalCluster.STATE.resolve("known_hosts")).stream()
                .filter(l -> l.startsWith("localhost "))
                .map(l -> "[127.0.0.1]:" + relay.port() + l.substring("localhost".length()))
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(work.resolve("known_hosts"), hostKeys);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (OarScheduler s : schedulers) {
            LocalCluster.cancelAll(s);
            s.close();
        }
        relay.close();
        LocalCluster.run("rm", "-rf", work.toString());
    }

    private OarScheduler scheduler(Duration commandTimeout) {
        SshSettings ssh = new SshSettings(work.resolve("known_hosts"), Optional.empty(), Duration.ofSeconds(10), commandTimeout, 8,
                Duration.ofSeconds(2));
        OarScheduler s = new OarScheduler(vertx, LocalCluster.names("fault"), List.of(LocalCluster.cluster("cpu", Identity.PER_USER, ssh,
                "127.0.0.1", relay.port(), oarsub.toString())), 8);
        schedulers.add(s);
        return s;
    }

    /** A server name of this run only: OAR keeps ended jobs, and the test counts the jobs under the name. */
    private static JobRequest request(String kind) {
        String server = kind + "-" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        return JobRequest.builder(new SpawnKey("alice", server), "cpu", "alice").cores(1).walltime(Duration.ofMinutes(10))
                .command(LocalCluster.HTTP_SERVER).env("JUPYTERHUB_API_TOKEN", "tok-" + server).build();
    }

    /** The job id that oarsub printed on the frontend, once it has. */
    private long madeJob() throws Exception {
        for (int i = 0; i < 600; i++) {
            if (Files.exists(marker)) {
                Matcher m = JOB_ID.matcher(Files.readString(marker));
                assertThat(m.find()).as("oarsub's output: %s", Files.readString(marker)).isTrue();
                return Long.parseLong(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("oarsub never ran");
    }

    @Test
    void aConnectionCutAfterOarsubWasSentLeavesOneJobAndSubmitReturnsIt() throws Exception {
        OarScheduler s = scheduler(Duration.ofSeconds(60));
        JobRequest r = request("cut");
        Future<JobRef> submitted = s.submit(r);
        long made = madeJob();
        int before = relay.accepted();
        relay.cut();
        JobRef job = await(submitted);
        System.out.printf("SubmitFaultIT cut: oarsub made job %d; submit returned %d; relay connections %d before the cut, %d after%n",
                made, job.id(), before, relay.accepted());
        assertThat(job.id()).isEqualTo(made);
        assertThat(job.login()).isEqualTo("alice");
        assertThat(LocalCluster.oarJobsNamed(s.names().of("cpu", r.key(), r.login()))).containsExactly(made);
        // The job reads its own env file: its name (not the token) is on the command OAR runs.
        String command = LocalCluster.run("su", "-s", "/bin/sh", "oarspawner", "-c", "oarstat -fJ -j " + made);
        assertThat(command).containsPattern("job\\.sh[^\"]* [^\"]*env\\.[0-9a-f]{24}").doesNotContain("tok-");
        LocalCluster.cancelAndWait(s, job);
        await(s.cleanUp(job, r.key()));
    }

    @Test
    void oarsubTimingOutLeavesOneJobAndSubmitReturnsIt() throws Exception {
        OarScheduler s = scheduler(Duration.ofSeconds(5));
        JobRequest r = request("timeout");
        Future<JobRef> submitted = s.submit(r);
        long made = madeJob();
        JobRef job = await(submitted);
        System.out.printf("SubmitFaultIT timeout: oarsub made job %d; submit returned %d%n", made, job.id());
        assertThat(job.id()).isEqualTo(made);
        assertThat(LocalCluster.oarJobsNamed(s.names().of("cpu", r.key(), r.login()))).containsExactly(made);
        LocalCluster.cancelAndWait(s, job);
        await(s.cleanUp(job, r.key()));
    }
}
