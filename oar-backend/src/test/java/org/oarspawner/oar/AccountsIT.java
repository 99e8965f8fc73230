package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 8, item 8: the logins the service acts as. System logins (root, daemon) are refused and nothing runs as them,
 * a login with no account on the cluster gets a clear reason, and idle per-user connections are closed.
 */
@ExtendWith(VertxExtension.class)
class AccountsIT {
    private Vertx vertx;
    private OarScheduler s;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() {
        if (s != null) {
            LocalCluster.cancelAll(s);
            s.close();
        }
    }

    private static JobRequest request(String login) {
        return JobRequest.builder(new SpawnKey("hub-" + login, "x"), "cpu", login).cores(1).walltime(Duration.ofMinutes(10))
                .project(LocalCluster.PROJECT).command(LocalCluster.HTTP_SERVER).env("JUPYTERHUB_API_TOKEN", "tok").build();
    }

    private static String home(String login) {
        return LocalCluster.run("getent", "passwd", login).strip().split(":")[5];
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void systemLoginsAreRefusedWithNothingRunAsThem(Identity identity) {
        s = LocalCluster.scheduler(vertx, "acct", identity);
        for (String login : List.of("root", "daemon")) {
            JobRequest r = request(login);
            long before = s.commandsSent("cpu");
            assertThatThrownBy(() -> await(s.submit(r))).isInstanceOfSatisfying(SchedulerException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.FORBIDDEN);
                assertThat(e.schedulerMessage()).contains("login " + login + " is a system account");
            });
            // One command, by the service account: the account check (per-user: getent before connecting as the login;
            // service account: the check that ends the staging command before sudo).
            assertThat(s.commandsSent("cpu") - before).as("commands for %s", login).isEqualTo(1);
            LocalCluster.assertNoFile(Path.of(home(login)).resolve(JobFiles.ROOT).resolve(JobName.directoryOf(r.key())));
            assertThat(LocalCluster.oarJobsNamed(s.names().of("cpu", r.key(), r.login()))).isEmpty();
        }
        assertThat(s.userConnectionsOpen("cpu")).isZero();
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void aLoginWithNoAccountIsToldSo(Identity identity) {
        s = LocalCluster.scheduler(vertx, "acct", identity);
        JobRequest r = request("nosuchuser");
        long before = s.commandsSent("cpu");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> await(s.submit(r))).isInstanceOfSatisfying(SchedulerException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.NO_ACCOUNT);
                assertThat(e.schedulerMessage()).isEqualTo("user nosuchuser has no account on cluster cpu");
                assertThat(e.getMessage()).doesNotContain("sudo");
            });
        }
        // Per-user: one getent, its answer kept; service account: the check is part of the one command each time.
        assertThat(s.commandsSent("cpu") - before).isEqualTo(identity == Identity.PER_USER ? 1 : 2);
        assertThat(s.userConnectionsOpen("cpu")).isZero();
    }

    @Test
    void anIdlePerUserConnectionIsClosed() {
        SshSettings base = LocalCluster.ssh();
        SshSettings ssh = new SshSettings(base.knownHosts(), Optional.empty(), base.connectTimeout(), base.commandTimeout(),
                base.maxChannels(), base.maxBackoff(), Duration.ofSeconds(2));
        s = new OarScheduler(vertx, LocalCluster.names("acct"), List.of(LocalCluster.cluster("cpu", Identity.PER_USER, ssh, "localhost", 22,
                OarClusterConfig.OarCommands.DEFAULT.oarsub())), 4);
        int sshdBefore = sshdOf("alice");
        // A read as alice opens her connection: there is no such job, so nothing is found.
        assertThat(await(s.stderrTail(new JobRef("cpu", 99_999_999L, "alice"), new SpawnKey("alice", "idle"), 5))).isEmpty();
        assertThat(s.userConnectionsOpen("cpu")).isEqualTo(1);
        assertThat(sshdOf("alice")).isGreaterThan(sshdBefore);
        long t0 = System.nanoTime();
        for (int i = 0; i < 100 && s.userConnectionsOpen("cpu") > 0; i++) {
            LocalCluster.sleep(200);
        }
        System.out.printf("AccountsIT: alice's idle connection closed after %d ms (idle timeout 2 s)%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(s.userConnectionsOpen("cpu")).isZero();
        for (int i = 0; i < 50 && sshdOf("alice") > sshdBefore; i++) {
            LocalCluster.sleep(200);
        }
        assertThat(sshdOf("alice")).as("alice's sshd processes on the frontend").isEqualTo(sshdBefore);
        // The next use opens it again, and is not counted as a reconnect after a loss.
        assertThat(await(s.stderrTail(new JobRef("cpu", 99_999_999L, "alice"), new SpawnKey("alice", "idle"), 5))).isEmpty();
        assertThat(s.userConnectionsOpen("cpu")).isEqualTo(1);
        assertThat(s.reconnects("cpu")).isZero();
    }

    private static int sshdOf(String user) {
        return (int) LocalCluster.run("ps", "-u", user, "-o", "comm=").lines().filter(l -> l.strip().equals("sshd")).count();
    }
}
