package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.Identity;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.oar.OarClusterConfig;
import org.oarspawner.oar.OarScheduler;
import org.oarspawner.spawn.FailureReason;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 8, item 7, on the real cluster: a spawn that gives up on its job (the start timeout) cancels it until OAR
 * confirms, even when the first oardel is lost, and releases its tunnel. Both failed on main: the lost oardel was
 * never sent again (the job ran to its walltime), and the tunnel stayed open.
 */
@ExtendWith(VertxExtension.class)
class EndPathsIT {
    private static final Duration TICK = Duration.ofMillis(500);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(8);
    /**
     * Listens on the job's port (so job.sh publishes the endpoint) but never answers: the notebook never answers HTTP.
     */
    private static final List<String> SILENT = List.of("python3", "-c",
            "import socket, sys, time; s = socket.socket(); s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(); time.sleep(600)",
            "{host}", "{port}");

    private Vertx vertx;
    private OarScheduler scheduler;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        scheduler = LocalCluster.scheduler(vertx, "ends", Identity.SERVICE_ACCOUNT);
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(scheduler);
        scheduler.close();
    }

    private static JobRequest silent(String server) {
        return JobRequest.builder(new SpawnKey("bob", server), "cpu", "bob").project(LocalCluster.PROJECT)
                .walltime(Duration.ofMinutes(10)).command(SILENT).build();
    }

    @Test
    void afterAStartTimeoutALostOardelIsSentAgainUntilOarEndsTheJob() {
        FaultyCancelScheduler faulty = new FaultyCancelScheduler(scheduler, 1);
        SpawnManager m = new SpawnManager(vertx, faulty, TICK, START_TIMEOUT, Clock.systemUTC());
        try {
            JobRequest r = silent("lost-oardel");
            long id = await(m.start(r)).jobId().orElseThrow();
            Spawn.View failed = Spawns.waitFor(m, r.key(), v -> v.state().isFinal());
            assertThat(failed.failure()).contains(FailureReason.START_TIMEOUT);

            JobStatus end = LocalCluster.waitFor(scheduler, new JobRef("cpu", id, "bob"), j -> j.state().isFinal(),
                    Duration.ofSeconds(60));
            System.out.printf("job %d %s after the start timeout; oardel sent %d times (the first lost)%n", id, end.state(),
                    faulty.cancels.get());
            assertThat(faulty.cancels.get()).isGreaterThanOrEqualTo(2);
        } finally {
            m.close();
        }
    }

    @Test
    void aStartTimeoutReleasesTheTunnel() {
        OarScheduler tunnelled = new OarScheduler(vertx, LocalCluster.names("ends-tunnel"),
                List.of(LocalCluster.cluster("cpu", Identity.SERVICE_ACCOUNT, OarClusterConfig.Reachability.SSH_TUNNEL)), 16);
        SpawnManager m = new SpawnManager(vertx, tunnelled, TICK, START_TIMEOUT, Clock.systemUTC());
        try {
            JobRequest r = silent("tunnel-timeout");
            await(m.start(r));
            // The job wrote its endpoint: the tunnel is open while the prober knocks.
            Spawn.View starting = Spawns.waitFor(m, r.key(), v -> v.url().isPresent() || v.state().isFinal());
            String target = starting.url().orElseThrow();
            assertThat(target).startsWith("http://127.0.0.1:");
            int port = URI.create(target).getPort();
            assertThat(portOpen(port)).isTrue();

            Spawn.View failed = Spawns.waitFor(m, r.key(), v -> v.state().isFinal());
            assertThat(failed.failure()).contains(FailureReason.START_TIMEOUT);
            long t0 = System.nanoTime();
            while (portOpen(port) && System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos()) {
                LocalCluster.sleep(100);
            }
            assertThat(portOpen(port)).as("tunnel port %d after the start timeout", port).isFalse();
        } finally {
            LocalCluster.cancelAll(tunnelled);
            m.close();
            tunnelled.close();
        }
    }

    private static boolean portOpen(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
