package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/**
 * A repeated start for a live spawn never makes a second job; while the job waits, it brings the hub's new token
 * to it (issue 8, item 8). See {@link ManagerTestBase}.
 */
class RepeatedStartTest extends ManagerTestBase {
    private static JobRequest withToken(String token) {
        return JobRequest.builder(new SpawnKey("bob", "web"), "cpu", "bob").command("jupyterhub-singleuser")
                .env("JUPYTERHUB_API_TOKEN", token).build();
    }

    @Test
    void aRepeatedStartWhileQueuedStagesTheNewEnvironment() {
        long job = await(manager.start(withToken("token-1"))).jobId().orElseThrow();
        Spawn.View again = await(manager.start(withToken("token-2")));
        assertThat(again.jobId()).contains(job);
        assertThat(again.state()).isEqualTo(SpawnState.QUEUED);
        assertThat(oar.submitted).hasSize(1);
        assertThat(oar.staged).containsExactly(job + " {JUPYTERHUB_API_TOKEN=token-1}", job + " {JUPYTERHUB_API_TOKEN=token-2}");

        // The same environment again: nothing to write.
        await(manager.start(withToken("token-2")));
        assertThat(oar.staged).hasSize(2);
    }

    @Test
    void aRecoveredQueuedSpawnIsRestagedOnItsFirstRepeatedStart() {
        long job = await(manager.start(withToken("token-1"))).jobId().orElseThrow();
        manager.close();
        manager = new SpawnManager(vertx, oar, TICK, START_TIMEOUT, clock);
        await(manager.recover(java.util.Optional::of));
        // The service cannot know what the job's env file holds: it writes the hub's, once.
        await(manager.start(withToken("token-1")));
        await(manager.start(withToken("token-1")));
        assertThat(oar.staged).containsExactly(job + " {JUPYTERHUB_API_TOKEN=token-1}", job + " {JUPYTERHUB_API_TOKEN=token-1}");
    }

    @Test
    void aRepeatedStartOnceTheJobRunsChangesNothing() {
        long job = await(manager.start(withToken("token-1"))).jobId().orElseThrow();
        oar.run(job, NODE, clock.instant());
        await(manager.pollNow("cpu"));
        assertThat(view(withToken("x").key()).state()).isEqualTo(SpawnState.STARTING);
        assertThat(await(manager.start(withToken("token-2"))).jobId()).contains(job);
        assertThat(oar.staged).hasSize(1);
    }

    @Test
    void aRestagingThatFailsFailsTheStartAndIsTriedAgainNextTime() {
        long job = await(manager.start(withToken("token-1"))).jobId().orElseThrow();
        oar.failingRestages.set(1);
        assertThat(manager.start(withToken("token-2")).toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(10));
        assertThat(view(withToken("x").key()).state()).isEqualTo(SpawnState.QUEUED);
        await(manager.start(withToken("token-2")));
        assertThat(oar.staged).containsExactly(job + " {JUPYTERHUB_API_TOKEN=token-1}", job + " {JUPYTERHUB_API_TOKEN=token-2}");
    }
}
