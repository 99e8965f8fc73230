package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.Identity;
import org.oarspawner.oar.JobScript;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.oar.OarScheduler;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 8, item 8, on the real cluster: the hub makes a new token on each start, so a repeated PUT for a spawn whose
 * job still waits must reach the job. On main the job started with the first start's environment.
 */
@ExtendWith(VertxExtension.class)
class RepeatedStartIT {
    private static final Duration TICK = Duration.ofMillis(500);
    private static final String MARK = "OARSPAWNER_TEST_MARK";

    private OarScheduler scheduler;
    private SpawnManager manager;

    @BeforeEach
    void setUp(Vertx vertx) {
        scheduler = LocalCluster.scheduler(vertx, "restage", Identity.SERVICE_ACCOUNT);
        manager = new SpawnManager(vertx, scheduler, TICK, Duration.ofSeconds(60), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(scheduler);
        manager.close();
        scheduler.close();
    }

    private static JobRequest queued(String mark, String token) {
        // Prints the variable (not a secret) to the job's stdout, then waits.
        return JobRequest.builder(new SpawnKey("bob", "restage"), "gpu", "bob").project(LocalCluster.PROJECT)
                .gpus(1).gpuModel("A100").walltime(Duration.ofMinutes(10))
                .command("/bin/sh", "-c", "echo \"mark=$" + MARK + "\"; exec sleep 600")
                .env(MARK, mark).env("JUPYTERHUB_API_TOKEN", token).build();
    }

    @Test
    void aRepeatedStartWhileQueuedGivesTheJobTheNewEnvironment() throws Exception {
        JobRequest fill = JobRequest.builder(new SpawnKey("bob", "fill"), "gpu", "bob").project(LocalCluster.PROJECT)
                .gpus(2).walltime(Duration.ofMinutes(10)).command("sleep", "600").build();
        await(manager.start(fill));
        Spawns.waitFor(manager, fill.key(), v -> v.state() == SpawnState.STARTING || v.state() == SpawnState.READY);

        Spawn.View first = await(manager.start(queued("first", "token-1")));
        Spawns.waitFor(manager, first.key(), v -> v.queuePosition().isPresent());
        Spawn.View again = await(manager.start(queued("second", "token-2")));
        assertThat(again.jobId()).isEqualTo(first.jobId()).isPresent();
        assertThat(again.state()).isEqualTo(SpawnState.QUEUED);

        await(manager.stop(fill.key()));
        Spawns.waitFor(manager, first.key(), v -> v.state() == SpawnState.STARTING || v.state().isFinal());
        Path stdout = LocalCluster.jobDir("bob", first.key()).resolve(JobScript.stdoutFile(first.jobId().orElseThrow()));
        long t0 = System.nanoTime();
        while (!(Files.exists(stdout) && Files.readString(stdout).contains("mark=")) && System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
            LocalCluster.sleep(200);
        }
        assertThat(Files.readString(stdout).lines().filter(l -> l.startsWith("mark=")).toList()).containsExactly("mark=second");
    }
}
