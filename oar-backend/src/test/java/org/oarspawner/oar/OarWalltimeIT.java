package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.waitFor;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;
import org.oarspawner.spi.WalltimeChange;

/**
 * oarwalltime through the backend, in both identities, on the real cluster (setup.sh allows +2 h): accepted and
 * applied as the job's login; refused over the maximum with OAR's message; another login's job is forbidden; root
 * and an unknown login are stopped by the account check before sudo.
 */
@ExtendWith(VertxExtension.class)
class OarWalltimeIT {
    private OarScheduler perUser;
    private OarScheduler service;

    @BeforeEach
    void setUp(Vertx vertx) {
        perUser = LocalCluster.scheduler(vertx, "wt", Identity.PER_USER);
        service = LocalCluster.scheduler(vertx, "wt", Identity.SERVICE_ACCOUNT);
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(perUser);
        perUser.close();
        service.close();
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void anExtensionIsAppliedAsTheJobsLogin(Identity identity) {
        OarScheduler s = identity == Identity.PER_USER ? perUser : service;
        JobRequest r = JobRequest.builder(new SpawnKey("alice", "wt"), "cpu", "alice").walltime(Duration.ofMinutes(20))
                .project(LocalCluster.PROJECT).command(LocalCluster.HTTP_SERVER).build();
        JobRef job = await(s.submit(r));
        waitFor(s, job, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));

        WalltimeChange accepted = await(s.extendWalltime(job, Duration.ofMinutes(3)));
        assertThat(accepted.outcome()).isEqualTo(WalltimeChange.Outcome.ACCEPTED);
        assertThat(accepted.message()).startsWith("Accepted:");
        JobStatus grown = waitFor(s, job, j -> j.walltime().equals(Duration.ofMinutes(23)), Duration.ofSeconds(60));
        assertThat(grown.walltimeReached()).isFalse();
        assertThat(grown.events()).contains(JobStatus.WALLTIME_CHANGED);

        WalltimeChange over = await(s.extendWalltime(job, Duration.ofHours(2)));
        assertThat(over.outcome()).isEqualTo(WalltimeChange.Outcome.FORBIDDEN);
        assertThat(over.message()).contains("cannot increase by more than 2:0:0");

        WalltimeChange notOwner = await(s.extendWalltime(new JobRef("cpu", job.id(), "bob"), Duration.ofMinutes(1)));
        assertThat(notOwner.outcome()).isEqualTo(WalltimeChange.Outcome.FORBIDDEN);
        assertThat(notOwner.message()).contains("does not belong to you");

        if (identity == Identity.SERVICE_ACCOUNT) {
            for (String login : new String[] {"root", "nosuchuser"}) {
                assertThatThrownBy(() -> await(s.extendWalltime(new JobRef("cpu", job.id(), login), Duration.ofMinutes(1))))
                        .isInstanceOfSatisfying(SchedulerException.class, e -> assertThat(e.reason()).isIn(
                                SchedulerException.Reason.FORBIDDEN, SchedulerException.Reason.NO_ACCOUNT));
            }
        }
        assertThat(waitFor(s, job, j -> true, Duration.ofSeconds(10)).walltime()).isEqualTo(Duration.ofMinutes(23));
    }
}
