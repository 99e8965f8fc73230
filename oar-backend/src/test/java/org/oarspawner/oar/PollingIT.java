package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SpawnKey;

/** Scheduler load stays flat: one oarstat per cluster per tick, for 1 job or 50. */
@ExtendWith(VertxExtension.class)
class PollingIT {
    static final int MANY = 50;

    @Test
    void oneCommandPerTickFor1And50Jobs(Vertx vertx) {
        OarScheduler s = LocalCluster.scheduler(vertx, "poll", Identity.SERVICE_ACCOUNT);
        try {
            long t0 = System.nanoTime();
            List<Future<JobRef>> submits = new ArrayList<>();
            for (int i = 0; i < MANY; i++) {
                submits.add(s.submit(JobRequest.builder(new SpawnKey("bob", "s" + i), "cpu", "bob")
                        .project(LocalCluster.PROJECT).walltime(Duration.ofMinutes(5)).command("sleep", "300").build()));
            }
            List<JobRef> jobs = submits.stream().map(LocalCluster::await).toList();
            long submitMs = (System.nanoTime() - t0) / 1_000_000;

            long before = s.commandsSent("cpu");
            Map<Long, JobStatus> one = await(s.status("cpu", jobs.subList(0, 1)));
            long forOne = s.commandsSent("cpu") - before;

            before = s.commandsSent("cpu");
            Map<Long, JobStatus> all = await(s.status("cpu", jobs));
            long forFifty = s.commandsSent("cpu") - before;

            before = s.commandsSent("cpu");
            List<JobStatus> found = await(s.findActive("cpu"));
            long forFind = s.commandsSent("cpu") - before;

            System.out.printf("polling: %d submits in %d ms; commands per status tick: 1 job -> %d, %d jobs -> %d;"
                    + " find by name -> %d (%d found)%n", MANY, submitMs, forOne, MANY, forFifty, forFind, found.size());
            assertThat(forOne).isEqualTo(1);
            assertThat(forFifty).isEqualTo(forOne);
            assertThat(forFind).isEqualTo(1);
            assertThat(one).hasSize(1);
            assertThat(all).hasSize(MANY);
            assertThat(all.values()).allMatch(j -> j.state() != JobState.GONE && j.key().isPresent());
            // 4 CPU cores: most of the 50 wait.
            assertThat(all.values().stream().filter(j -> j.state() == JobState.WAITING).count()).isGreaterThanOrEqualTo(MANY - 4);
            assertThat(found).extracting(j -> j.ref().id()).containsAll(jobs.stream().map(JobRef::id).toList());

            List<Future<?>> cleanups = new ArrayList<>();
            for (int i = 0; i < MANY; i++) {
                JobRef job = jobs.get(i);
                SpawnKey key = new SpawnKey("bob", "s" + i);
                cleanups.add(s.cancel(job).compose(x -> s.cleanUp(job, key)));
            }
            cleanups.forEach(LocalCluster::await);
            for (JobRef job : jobs) {
                LocalCluster.cancelAndWait(s, job);
            }
        } finally {
            // Fifty queued jobs left behind would starve every test after this one.
            LocalCluster.cancelAll(s);
            s.close();
        }
    }
}
