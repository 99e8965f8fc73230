package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.waitFor;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.spi.FreeResources;
import org.oarspawner.spi.FreeResources.Gpus;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

/** Free resources from the real cluster's oarnodes: the counts move when a job takes cores and a GPU. */
@ExtendWith(VertxExtension.class)
class FreeResourcesIT {
    private OarScheduler scheduler;

    @BeforeEach
    void setUp(Vertx vertx) {
        scheduler = LocalCluster.scheduler(vertx, "it", Identity.SERVICE_ACCOUNT);
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(scheduler);
        scheduler.close();
    }

    @Test
    void freeCountsChangeWhenJobsTakeCoresAndAGpu() {
        FreeResources cpuBefore = await(scheduler.freeResources("cpu"));
        FreeResources gpuBefore = await(scheduler.freeResources("gpu"));
        // Only the cluster's own resources (its properties): node-cpu's 4 cores, node-gpu's 4 cores and 2 GPUs.
        assertThat(cpuBefore.aliveCores()).isEqualTo(4);
        assertThat(cpuBefore.freeCores()).isEqualTo(4);
        assertThat(cpuBefore.gpus()).isEmpty();
        assertThat(gpuBefore.gpus()).containsEntry("A100", new Gpus(1, 1)).containsEntry("V100", new Gpus(1, 1));

        JobRef cpu = await(scheduler.submit(request("cpu").cores(3).build()));
        JobRef gpu = await(scheduler.submit(request("gpu").gpus(1).gpuModel("A100").build()));
        waitFor(scheduler, cpu, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
        waitFor(scheduler, gpu, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));

        FreeResources cpuAfter = await(scheduler.freeResources("cpu"));
        FreeResources gpuAfter = await(scheduler.freeResources("gpu"));
        assertThat(cpuAfter.freeCores()).isEqualTo(1);
        assertThat(cpuAfter.aliveCores()).isEqualTo(4);
        assertThat(gpuAfter.gpus()).containsEntry("A100", new Gpus(0, 1)).containsEntry("V100", new Gpus(1, 1));
        assertThat(gpuAfter.freeCores()).isEqualTo(2);
    }

    private static JobRequest.Builder request(String cluster) {
        return JobRequest.builder(new SpawnKey("bob@example.org", "free-" + cluster), cluster, "bob")
                .walltime(Duration.ofMinutes(5)).project(LocalCluster.PROJECT).command(LocalCluster.HTTP_SERVER);
    }
}
