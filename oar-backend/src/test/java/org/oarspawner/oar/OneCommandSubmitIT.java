package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SchedulerMetrics.Command;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 12, item 2: a submission is ONE frontend command in both identities: the env file and job.sh are staged by
 * the command that runs oarsub (counted as oarsub), not by commands of their own. Before: 3 with the service account
 * (two sudo staging calls, then oarsub), 2 per user (SFTP, then oarsub).
 */
@ExtendWith(VertxExtension.class)
class OneCommandSubmitIT {

    @ParameterizedTest
    @EnumSource(Identity.class)
    void aSubmissionIsOneFrontendCommandAndItsJobRunsWithItsFiles(Identity identity, Vertx vertx) throws Exception {
        String login = identity == Identity.PER_USER ? "alice" : "bob";
        CommandRecorder metrics = new CommandRecorder();
        OarScheduler s = new OarScheduler(vertx, LocalCluster.names("one"), List.of(LocalCluster.cluster("cpu", identity)), 16, metrics);
        try {
            String token = "one-" + UUID.randomUUID();
            JobRequest first = request(login, "one-a", token);
            JobRequest second = request(login, "one-b", token);
            long c0 = s.commandsSent("cpu");
            JobRef a = await(s.submit(first));
            long c1 = s.commandsSent("cpu");
            JobRef b = await(s.submit(second));
            long c2 = s.commandsSent("cpu");
            System.out.printf("OneCommandSubmitIT %s: frontend commands for the first submission %d, the second %d;"
                    + " by kind: oarsub %d, stage %d%n", identity, c1 - c0, c2 - c1, metrics.count(Command.OARSUB), metrics.count(Command.STAGE));
            // Per user, the login's account check (getent over the service account's connection) is kept 10 minutes:
            // the first submission of a login pays it once. With the service account, it is part of the one command.
            assertThat(c1 - c0).as("commands for the first submission").isEqualTo(identity == Identity.PER_USER ? 2 : 1);
            assertThat(c2 - c1).as("commands for a submission").isEqualTo(1);
            assertThat(metrics.count(Command.OARSUB)).isEqualTo(2);
            assertThat(metrics.count(Command.STAGE)).isZero();

            // The one command staged what the job needs: it runs, reads its env file (then deletes it) and serves.
            LocalCluster.waitFor(s, a, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
            assertThat(LocalCluster.get(LocalCluster.waitForEndpoint(s, a, first.key()).url() + "/").statusCode()).isEqualTo(200);
            Path dir = LocalCluster.jobDir(login, first.key());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(JobScript.SCRIPT)))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            try (var files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("env") || n.startsWith(".stage"));
            }
            String oarstat = LocalCluster.run("oarstat", "-fJ", "-j", Long.toString(a.id()));
            assertThat(oarstat).doesNotContain(token).contains("\"launchingDirectory\" : \"" + dir + "\"");
            assertThat(LocalCluster.run("ps", "-eww", "-o", "args")).doesNotContain(token);
            LocalCluster.cancelAndWait(s, a);
            LocalCluster.cancelAndWait(s, b);
            await(s.cleanUp(a, first.key()));
            await(s.cleanUp(b, second.key()));
            LocalCluster.assertNoFile(dir);
        } finally {
            LocalCluster.cancelAll(s);
            s.close();
        }
    }

    private static JobRequest request(String login, String server, String token) {
        return JobRequest.builder(new SpawnKey(login, server), "cpu", login).cores(1).walltime(Duration.ofMinutes(10))
                .project(LocalCluster.PROJECT).command(LocalCluster.HTTP_SERVER).env("JUPYTERHUB_API_TOKEN", token).build();
    }
}
