package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.cancelAndWait;
import static org.oarspawner.oar.LocalCluster.waitFor;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.oarspawner.spi.SpawnKey;

/** The OAR backend against the real local cluster, in both submit identities. */
@ExtendWith(VertxExtension.class)
class OarSchedulerIT {
    private Vertx vertx;
    private OarScheduler perUser;
    private OarScheduler service;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        perUser = LocalCluster.scheduler(vertx, "it", Identity.PER_USER);
        service = LocalCluster.scheduler(vertx, "it", Identity.SERVICE_ACCOUNT);
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(perUser);
        perUser.close();
        service.close();
    }

    private OarScheduler scheduler(Identity identity) {
        return identity == Identity.PER_USER ? perUser : service;
    }

    /** alice submits as herself; bob through the service account's sudo, and must name his project. */
    private static JobRequest.Builder request(Identity identity, String cluster, String server) {
        String login = identity == Identity.PER_USER ? "alice" : "bob";
        JobRequest.Builder b = JobRequest.builder(new SpawnKey(login + "@example.org", server), cluster, login)
                .walltime(Duration.ofMinutes(10)).command(LocalCluster.HTTP_SERVER);
        return identity == Identity.PER_USER ? b : b.project(LocalCluster.PROJECT);
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void cpuAndGpuJobsRunOnTheirNodesServeHttpAndCancel(Identity identity) {
        OarScheduler s = scheduler(identity);
        JobRequest cpuRequest = request(identity, "cpu", "cpu").cores(2).build();
        JobRequest gpuRequest = request(identity, "gpu", "gpu").gpus(1).gpuModel("A100").build();
        JobRef cpu = await(s.submit(cpuRequest));
        JobRef gpu = await(s.submit(gpuRequest));
        assertThat(cpu.login()).isEqualTo(cpuRequest.login());

        JobStatus cpuRunning = waitFor(s, cpu, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
        JobStatus gpuRunning = waitFor(s, gpu, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
        assertThat(cpuRunning.nodes()).containsExactly("node-cpu");
        assertThat(gpuRunning.nodes()).containsExactly("node-gpu");
        assertThat(cpuRunning.key()).contains(cpuRequest.key());
        assertThat(gpuRunning.walltimeLeft(Instant.now())).get().matches(d -> d.compareTo(Duration.ofMinutes(10)) <= 0);

        Endpoint cpuEndpoint = LocalCluster.waitForEndpoint(s, cpu, cpuRequest.key());
        Endpoint gpuEndpoint = LocalCluster.waitForEndpoint(s, gpu, gpuRequest.key());
        assertThat(cpuEndpoint.host()).isEqualTo("node-cpu");
        assertThat(gpuEndpoint.host()).isEqualTo("node-gpu");
        HttpResponse<String> response = LocalCluster.get(cpuEndpoint.url() + "/");
        assertThat(response.statusCode()).isEqualTo(200);
        // The notebook command runs in the user's home, where the job directories are.
        assertThat(response.body()).contains(".oarspawner/");
        assertThat(LocalCluster.get(gpuEndpoint.url() + "/").statusCode()).isEqualTo(200);

        assertThat(await(s.cancel(cpu))).isEqualTo(CancelResult.CANCELLED);
        JobStatus ended = cancelAndWait(s, cpu);
        assertThat(ended.state()).isEqualTo(JobState.ERROR);
        assertThat(ended.events()).contains("FRAG_JOB_REQUEST");
        // Cancelling twice is not an error.
        assertThat(await(s.cancel(cpu))).isEqualTo(CancelResult.ALREADY_ENDED);
        assertThat(cancelAndWait(s, gpu).state()).isEqualTo(JobState.ERROR);

        await(s.cleanUp(cpu, cpuRequest.key()));
        LocalCluster.assertNoFile(LocalCluster.jobDir(cpu.login(), cpuRequest.key()));
    }

    @Test
    void aRequestTooLargeForTheClusterGetsOarsMessage() {
        long before = perUser.commandsSent("cpu");
        assertThatThrownBy(() -> await(perUser.submit(request(Identity.PER_USER, "cpu", "big").nodes(5).build())))
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_ENOUGH_RESOURCES);
                    assertThat(e.schedulerMessage()).isEqualTo("There are not enough resources for your request");
                    assertThat(e.exitCode()).isEqualTo(8);
                    assertThat(e.cluster()).isEqualTo("cpu");
                });
        // alice's account checked once (getent, then cached for this login), staged and submitted in one command, and
        // the staged files removed again.
        assertThat(perUser.commandsSent("cpu") - before).isEqualTo(3);
        LocalCluster.assertNoFile(LocalCluster.jobDir("alice", new SpawnKey("alice@example.org", "big")));
    }

    @Test
    void admissionRulesSpeakThroughTheError() {
        assertThatThrownBy(() -> await(service.submit(request(Identity.SERVICE_ACCOUNT, "cpu", "noproject").project(null).build())))
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REJECTED);
                    assertThat(e.exitCode()).isEqualTo(254);
                    assertThat(e.schedulerMessage()).contains("[ADMISSION RULE] Error: user bob must give a project with --project");
                });
        assertThatThrownBy(() -> await(perUser.submit(request(Identity.PER_USER, "cpu", "devel").type("devel")
                .walltime(Duration.ofHours(2)).build())))
                .isInstanceOfSatisfying(SchedulerException.class, e ->
                        assertThat(e.schedulerMessage()).contains("devel jobs may not exceed a walltime of 00:30:00"));
    }

    @Test
    void aDevelJobWithinTheCapIsAccepted() {
        JobRequest r = request(Identity.PER_USER, "cpu", "devel").type("devel").walltime(Duration.ofMinutes(20)).build();
        JobRef job = await(perUser.submit(r));
        assertThat(waitFor(perUser, job, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60)).nodes()).containsExactly("node-cpu");
        cancelAndWait(perUser, job);
        await(perUser.cleanUp(job, r.key()));
    }

    @Test
    void aJobQueuedBehindAFullClusterHasAnEstimatedStart() {
        JobRequest fill = request(Identity.PER_USER, "cpu", "fill").cores(4).walltime(Duration.ofMinutes(7)).build();
        JobRef filler = await(perUser.submit(fill));
        waitFor(perUser, filler, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
        JobRequest queued = request(Identity.PER_USER, "cpu", "queued").cores(1).build();
        JobRef waiting = await(perUser.submit(queued));
        JobStatus st = waitFor(perUser, waiting, j -> j.scheduledStart().isPresent(), Duration.ofSeconds(30));
        assertThat(st.state()).isEqualTo(JobState.WAITING);
        assertThat(st.nodes()).isEmpty();
        JobStatus running = await(perUser.status("cpu", List.of(filler))).get(filler.id());
        // It starts when the filler's walltime ends, not before.
        assertThat(st.scheduledStart().orElseThrow()).isAfterOrEqualTo(running.started().orElseThrow().plus(Duration.ofMinutes(7)));

        assertThat(cancelAndWait(perUser, waiting).state()).isEqualTo(JobState.ERROR);
        cancelAndWait(perUser, filler);
        await(perUser.cleanUp(waiting, queued.key()));
        await(perUser.cleanUp(filler, fill.key()));
    }

    @Test
    void aJobThatEndsEarlyGivesItsExitStatusAndStderr() {
        JobRequest r = request(Identity.PER_USER, "cpu", "crash")
                .command("/bin/sh", "-c", "echo 'notebook: cannot import jupyterhub' >&2; exit 3").build();
        JobRef job = await(perUser.submit(r));
        JobStatus ended = waitFor(perUser, job, j -> j.state().isFinal(), Duration.ofSeconds(60));
        assertThat(ended.state()).isEqualTo(JobState.TERMINATED);
        assertThat(ended.exitStatus()).hasValue(3);
        assertThat(await(perUser.stderrTail(job, r.key(), 5))).contains("notebook: cannot import jupyterhub");
        await(perUser.cleanUp(job, r.key()));
    }

    @Test
    void aRestartedServiceFindsItsJobsByName() {
        JobRequest r = request(Identity.SERVICE_ACCOUNT, "gpu", "").gpus(1).build();
        JobRef job = await(service.submit(r));
        service.close();
        // A new instance with no memory of the job, as after a restart.
        OarScheduler restarted = LocalCluster.scheduler(vertx, "it", Identity.SERVICE_ACCOUNT);
        OarScheduler otherHub = LocalCluster.scheduler(vertx, "otherhub", Identity.SERVICE_ACCOUNT);
        try {
            List<JobStatus> found = await(restarted.findActive("gpu"));
            assertThat(found).extracting(j -> j.ref().id()).contains(job.id());
            JobStatus mine = found.stream().filter(j -> j.ref().id() == job.id()).findFirst().orElseThrow();
            assertThat(mine.key()).contains(r.key());
            assertThat(mine.ref().login()).isEqualTo("bob");
            assertThat(await(otherHub.findActive("gpu"))).extracting(j -> j.ref().id()).doesNotContain(job.id());
            cancelAndWait(restarted, job);
            assertThat(await(restarted.findActive("gpu"))).extracting(j -> j.ref().id()).doesNotContain(job.id());
            await(restarted.cleanUp(job, r.key()));
        } finally {
            restarted.close();
            otherHub.close();
        }
    }

    @Test
    void anUnknownJobIsGone() {
        JobRef ghost = new JobRef("cpu", 99_999_999L, "alice");
        Map<Long, JobStatus> st = await(perUser.status("cpu", List.of(ghost)));
        assertThat(st.get(ghost.id()).state()).isEqualTo(JobState.GONE);
        assertThat(await(perUser.cancel(ghost))).isEqualTo(CancelResult.NOT_FOUND);
    }

    @Test
    void anUnknownClusterIsRefusedWithTheConfiguredOnes() {
        assertThatThrownBy(() -> await(perUser.submit(request(Identity.PER_USER, "bigfoot", "x").build())))
                .hasMessageContaining("no such cluster").hasMessageContaining("[cpu, gpu]");
    }
}
