package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.oarspawner.spi.SpawnKey;
import org.oarspawner.spi.WalltimeChange;

class OarOutputTest {
    private final JobName names = LocalCluster.names("dev");
    private static final long CPU = Fixtures.jobId("oarsub_cpu");
    private static final long GPU = Fixtures.jobId("oarsub_gpu");
    private static final long WAITING = Fixtures.jobId("oarsub_waiting");
    private static final long HOLD = Fixtures.jobId("oarsub_hold");
    private static final long EXIT3 = Fixtures.jobId("oarsub_exit3");
    private static final long BADCMD = Fixtures.jobId("oarsub_badcmd");
    private static final long WALLTIME = Fixtures.jobId("oarsub_walltime");

    @Test
    void oarsubSuccessGivesTheJobId() {
        assertThat(OarOutput.jobId("cpu", Fixtures.result("oarsub_cpu"))).isEqualTo(182);
        assertThat(OarOutput.jobId("gpu", Fixtures.result("oarsub_gpu"))).isEqualTo(183);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "oarsub_too_large|NOT_ENOUGH_RESOURCES|8|There are not enough resources for your request",
        "oarsub_bad_syntax|INVALID_REQUEST|255|Cannot recognize",
        "oarsub_devel_too_long|REJECTED|254|[ADMISSION RULE] Error: devel jobs may not exceed a walltime of 00:30:00",
        "oarsub_project_required|REJECTED|254|[ADMISSION RULE] Error: user bob must give a project with --project",
        "oarsub_unknown_property|INVALID_REQUEST|8|column \"nosuchcol\" does not exist",
    })
    void oarsubFailuresCarryOarsMessageAndExitCode(String fixture, Reason reason, int exitCode, String text) {
        assertThatThrownBy(() -> OarOutput.jobId("cpu", Fixtures.result(fixture)))
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.exitCode()).isEqualTo(exitCode);
                    assertThat(e.schedulerMessage()).contains(text);
                    assertThat(e.cluster()).isEqualTo("cpu");
                    assertThat(e.getMessage()).startsWith("cluster cpu: ");
                });
    }

    @Test
    void theGenericFailureLineIsDroppedWhenOarSaysMore() {
        String message = OarOutput.failureMessage(Fixtures.result("oarsub_too_large"));
        assertThat(message).isEqualTo("There are not enough resources for your request");
    }

    @Test
    void runningAndWaitingJobs() {
        Map<Long, JobStatus> jobs = OarOutput.jobs("cpu", Fixtures.read("oarstat_running_waiting.stdout"), names);
        assertThat(jobs).containsOnlyKeys(CPU, GPU, WAITING);

        JobStatus cpu = jobs.get(CPU);
        assertThat(cpu.state()).isEqualTo(JobState.RUNNING);
        assertThat(cpu.schedulerState()).isEqualTo("Running");
        assertThat(cpu.nodes()).containsExactly("node-cpu");
        assertThat(cpu.key()).contains(new SpawnKey("alice", ""));
        assertThat(cpu.ref().login()).isEqualTo("alice");
        assertThat(cpu.walltime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(cpu.started()).isPresent();
        assertThat(cpu.exitStatus()).isEmpty();

        JobStatus gpu = jobs.get(GPU);
        assertThat(gpu.nodes()).containsExactly("node-gpu");
        // The GPU job is the gpu cluster's: that cluster's poll claims it, not the cpu cluster's.
        assertThat(gpu.key()).isEmpty();
        assertThat(OarOutput.jobs("gpu", Fixtures.read("oarstat_running_waiting.stdout"), names).get(GPU).key())
                .contains(new SpawnKey("alice", "gpu"));

        JobStatus waiting = jobs.get(WAITING);
        assertThat(waiting.state()).isEqualTo(JobState.WAITING);
        assertThat(waiting.key()).isEmpty();
        assertThat(waiting.nodes()).isEmpty();
        assertThat(waiting.started()).isEmpty();
        // The estimated start of a job queued behind a full node is after the running job's submission.
        assertThat(waiting.scheduledStart()).get().matches(t -> t.isAfter(cpu.submitted().orElseThrow()));
    }

    @Test
    void endedJobs() {
        Map<Long, JobStatus> jobs = OarOutput.jobs("cpu", Fixtures.read("oarstat_ended.stdout"), names);
        JobStatus deleted = jobs.get(CPU);
        assertThat(deleted.state()).isEqualTo(JobState.ERROR);
        assertThat(deleted.events()).contains("FRAG_JOB_REQUEST");
        assertThat(deleted.walltimeReached()).isFalse();

        JobStatus exit3 = jobs.get(EXIT3);
        assertThat(exit3.state()).isEqualTo(JobState.TERMINATED);
        assertThat(exit3.exitStatus()).hasValue(3);
        assertThat(exit3.signal()).isEmpty();

        assertThat(jobs.get(BADCMD).exitStatus()).hasValue(127);

        JobStatus walltime = jobs.get(WALLTIME);
        assertThat(walltime.state()).isEqualTo(JobState.ERROR);
        assertThat(walltime.walltimeReached()).isTrue();

        assertThat(jobs.get(HOLD).state()).isEqualTo(JobState.HELD);
        assertThat(jobs.get(WAITING).state()).isEqualTo(JobState.ERROR);
    }

    @Test
    void idsAndTimesAsStringsParseAlike() {
        String json = Fixtures.read("oarstat_running_waiting.stdout");
        // The REST API and some versions print numbers as strings.
        String quoted = json.replaceAll("\"(Job_Id|walltime|submissionTime|startTime|stopTime|scheduledStart)\" : (\\d+)", "\"$1\" : \"$2\"");
        assertThat(quoted).isNotEqualTo(json);
        assertThat(OarOutput.jobs("cpu", quoted, names)).isEqualTo(OarOutput.jobs("cpu", json, names));
    }

    @Test
    void findByNameTrustsOnlyNamesTaggedForTheirOwner() {
        String json = Fixtures.read("oarstat_by_name.stdout");
        long forged = Fixtures.jobId("oarsub_forged");
        long copied = Fixtures.jobId("oarsub_copied");
        Map<Long, OarOutput.Entry> cpu = OarOutput.read("cpu", json, names).entries();
        assertThat(cpu.get(CPU).verdict()).isEqualTo(JobName.Verdict.OURS);
        assertThat(cpu.get(CPU).status().key()).contains(new SpawnKey("alice", ""));
        // alice's job named like bob's server, untagged or with the tag of bob's real job copied from oarstat.
        assertThat(cpu.get(forged).verdict()).isEqualTo(JobName.Verdict.FORGED);
        assertThat(cpu.get(copied).verdict()).isEqualTo(JobName.Verdict.FORGED);
        assertThat(cpu.get(forged).status().key()).isEmpty();
        assertThat(cpu.get(copied).status().key()).isEmpty();
        // The GPU job is the gpu cluster's, which shares the OAR server.
        assertThat(cpu.get(GPU).verdict()).isEqualTo(JobName.Verdict.NOT_OURS);
        assertThat(OarOutput.read("gpu", json, names).entries().get(GPU).status().key()).contains(new SpawnKey("alice", "gpu"));
        assertThat(OarOutput.read("cpu", json, LocalCluster.names("other")).entries().values())
                .allMatch(e -> e.verdict() == JobName.Verdict.NOT_OURS);
    }

    @Test
    void anEntryThatCannotBeReadDoesNotHideTheOthers() throws Exception {
        // OAR prints whatever owner a site's logins have; ours are POSIX logins, and one odd entry must not stop recovery.
        String json = Fixtures.read("oarstat_by_name.stdout");
        long forged = Fixtures.jobId("oarsub_forged");
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        ((com.fasterxml.jackson.databind.node.ObjectNode) root.get(Long.toString(forged))).put("owner", "Not A Login");
        String odd = root.toString();
        assertThat(odd).isNotEqualTo(json);
        OarOutput.Jobs jobs = OarOutput.read("cpu", odd, names);
        assertThat(jobs.unreadable()).extracting(OarOutput.Unreadable::id).containsExactly(Long.toString(forged));
        assertThat(jobs.entries().get(CPU).status().key()).contains(new SpawnKey("alice", ""));
    }

    @Test
    void unknownJobIsEmptyOutput() {
        CommandResult r = Fixtures.result("oarstat_unknown");
        assertThat(r.exitCode()).isZero();
        assertThat(OarOutput.jobs("cpu", r.stdout(), names)).isEmpty();
    }

    @Test
    void notJsonIsAnErrorNamingTheCluster() {
        assertThatThrownBy(() -> OarOutput.jobs("gpu", "Bad option", names))
                .isInstanceOf(SchedulerException.class).hasMessageContaining("cluster gpu").hasMessageContaining("Bad option");
    }

    @ParameterizedTest
    @CsvSource({
        "oardel_running,CANCELLED",
        "oardel_waiting,CANCELLED",
        "oardel_hold,CANCELLED",
        "oardel_already_killed,ALREADY_ENDED",
        "oardel_not_owner,NOT_FOUND",
        "oardel_unknown,NOT_FOUND",
    })
    void oardelOutcomes(String fixture, CancelResult expected) {
        assertThat(OarOutput.cancel("cpu", Fixtures.result(fixture))).isEqualTo(expected);
    }

    @Test
    void unexpectedOardelFailureIsAnError() {
        assertThatThrownBy(() -> OarOutput.cancel("cpu", new CommandResult("", "[OARDEL] invalid job id", 4)))
                .isInstanceOf(SchedulerException.class).hasMessageContaining("invalid job id").hasMessageContaining("exit code 4");
    }

    @Test
    void everyOarStateMaps() {
        assertThat(OarState.values()).hasSize(12);
        assertThat(OarState.parse("toAckReservation").jobState()).isEqualTo(JobState.WAITING);
        assertThat(OarState.parse("Resuming").jobState()).isEqualTo(JobState.SUSPENDED);
        assertThat(OarState.parse("toError").jobState()).isEqualTo(JobState.ERROR);
        assertThatThrownBy(() -> OarState.parse("Exploded")).hasMessageContaining("Exploded");
    }

    @Test
    void walltimeLeft() {
        JobStatus cpu = OarOutput.jobs("cpu", Fixtures.read("oarstat_running_waiting.stdout"), names).get(CPU);
        Instant started = cpu.started().orElseThrow();
        assertThat(cpu.walltimeLeft(started.plusSeconds(60))).contains(Duration.ofMinutes(4));
        assertThat(cpu.walltimeLeft(started.plusSeconds(600))).contains(Duration.ZERO);
        assertThat(JobStatus.gone(cpu.ref()).walltimeLeft(started)).isEqualTo(Optional.empty());
    }

    @Test
    void spooledEndpointLinesThatAreNotEndpointsAreLeftOut() {
        assertThat(OarOutput.spooledEndpoints("""
                7 alice f node-cpu 40001
                8 bob f node-gpu
                9 bob f 'node;rm' 40003
                10 bob f node-gpu 99999
                x bob f node-gpu 40004
                11 carol f node-gpu 40005 extra
                12 bob node-gpu 40006
                13 bob y node-gpu 40007
                """, List.of(7L, 8L, 9L, 10L, 11L, 12L, 13L))).containsOnlyKeys(7L);
    }

    @Test
    void aBegunLineSaysTheJobBeganWithoutAnEndpoint() {
        assertThat(OarOutput.spooledEndpoints("7 alice f begun\n8 bob f begun now\n9 bob f Begun\n", List.of(7L, 8L, 9L)))
                .containsOnlyKeys(7L)
                .containsEntry(7L, new OarOutput.SpooledEndpoint("alice", Optional.empty(), true));
    }

    @Test
    void onlyTheIdsAskedCountAndAnIdSeenTwiceHasNoOwner() {
        // A '\r' is a line end for String.lines(), not here: the forged second half stays on alice's line.
        assertThat(OarOutput.spooledEndpoints("20 alice f x\r21 bob f 127.0.0.1 8081\n", List.of(20L, 21L))).isEmpty();
        assertThat(OarOutput.spooledEndpoints("7 bob f node-cpu 40001\n8 bob f node-cpu 40002\n", List.of(7L)))
                .containsOnlyKeys(7L);
        assertThat(OarOutput.spooledEndpoints("7 bob f node-cpu 40001\n7 alice f node-cpu 40002\n", List.of(7L)))
                .containsEntry(7L, new OarOutput.SpooledEndpoint("", Optional.empty()));
    }

    @Test
    void theEnvFileIsTheLastWordOfTheCommandOarKeeps() {
        // Captured from a job the service submitted: /bin/bash '<dir>/job.sh' 'env.<24 hex>'.
        assertThat(OarOutput.envFileOf(Fixtures.read("oarstat_env_file.stdout"), 842)).contains("env.3553fa0084176e22e718cbc7");
        assertThat(OarOutput.envFileOf(Fixtures.read("oarstat_env_file.stdout"), 843)).isEmpty();
        assertThat(OarOutput.envFileOf(Fixtures.read("oarstat_running_waiting.stdout"), CPU)).isEmpty();
    }

    @Test
    void aSpoolEntryThatIsNotARegularFileHasNoEndpoint() {
        assertThat(OarOutput.spooledEndpoints("7 alice x\n8 bob f node-cpu 40001\n9 bob x node-cpu 40002\n", List.of(7L, 8L, 9L)))
                .containsOnlyKeys(7L, 8L)
                .containsEntry(7L, new OarOutput.SpooledEndpoint("alice", Optional.empty()))
                .containsEntry(8L, new OarOutput.SpooledEndpoint("bob", Optional.of(new Endpoint("node-cpu", 40001))));
    }

    @Test
    void aLostSubmissionIsFoundByNameOwnerAndEnvFile() {
        String json = """
                {"41": {"Job_Id": 41, "name": "oarspawner:dev:cpu:alice:", "owner": "alice",
                        "command": "/bin/bash '/home/alice/.oarspawner/jobs/alice._default/job.sh' 'env.aaa'"},
                 "42": {"Job_Id": 42, "name": "oarspawner:dev:cpu:alice:", "owner": "alice",
                        "command": "/bin/bash '/home/alice/.oarspawner/jobs/alice._default/job.sh' 'env.bbb'"},
                 "43": {"Job_Id": 43, "name": "oarspawner:dev:cpu:alice:", "owner": "bob",
                        "command": "/bin/bash '/home/bob/x/job.sh' 'env.ccc'"},
                 "44": {"Job_Id": 44, "name": "oarspawner:dev:cpu:alice:x", "owner": "alice",
                        "command": "/bin/bash '/home/alice/x/job.sh' 'env.ddd'"}}
                """;
        String name = "oarspawner:dev:cpu:alice:";
        assertThat(OarOutput.submission("cpu", json, name, "alice", "env.bbb")).contains(42L);
        // Another submission's env file, someone else's job under that name, another name: none is this one.
        assertThat(OarOutput.submission("cpu", json, name, "alice", "env.bb")).isEmpty();
        assertThat(OarOutput.submission("cpu", json, name, "alice", "env.ccc")).isEmpty();
        assertThat(OarOutput.submission("cpu", json, name, "alice", "env.ddd")).isEmpty();
        assertThat(OarOutput.submission("cpu", "", name, "alice", "env.bbb")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "oarwalltime_accepted|ACCEPTED|Accepted: walltime change request accepted for job",
        "oarwalltime_delays_next|ACCEPTED|Accepted: walltime change request updated for job",
        "oarwalltime_sudo|ACCEPTED|Accepted: walltime change request updated",
        "oarwalltime_over_max|FORBIDDEN|Forbidden: request cannot be updated because the walltime cannot increase by more than 2:0:0.",
        "oarwalltime_not_owner|FORBIDDEN|does not belong to you",
        "oarwalltime_not_running|FORBIDDEN|is not running",
        "oarwalltime_null|BAD_REQUEST|Bad request: walltime change is null.",
        "oarwalltime_unknown|UNKNOWN_JOB|Not found: could not find job 999999.",
        "oarwalltime_disabled|DISABLED|Not available: functionality is disabled.",
    })
    void oarwalltimeOutcomesByExitCodeWithOarsMessage(String fixture, WalltimeChange.Outcome outcome, String text) {
        WalltimeChange c = OarOutput.walltimeChange("cpu", Fixtures.result(fixture));
        assertThat(c.outcome()).isEqualTo(outcome);
        assertThat(c.message()).contains(text).doesNotContain("\n");
    }

    @Test
    void sudoRefusingTheServiceAccountSaysWhatTheOperatorDoes() {
        CommandResult sudo = new CommandResult("", "sudo: a password is required\n", 1);
        assertThatThrownBy(() -> OarOutput.jobId("cpu", sudo)).isInstanceOfSatisfying(SchedulerException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.FAILED);
            assertThat(e.schedulerMessage()).contains("sudo: a password is required").contains("oarusers")
                    .contains("identity per-user");
        });
        assertThat(OarOutput.failureMessage(new CommandResult("", "[ADMISSION RULE] Error: no sudo here\n", 254)))
                .doesNotContain("oarusers");
    }

    @Test
    void sudoRefusingOarwalltimeIsAFailureNotOarsBadRequest() {
        CommandResult sudo = new CommandResult("", "sudo: a password is required\n", 1);
        assertThatThrownBy(() -> OarOutput.walltimeChange("cpu", sudo))
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.FAILED);
                    assertThat(e.schedulerMessage()).contains("sudo: a password is required");
                });
    }

    @Test
    void oarwalltimeSyntaxErrorIsAFailureNotAnOutcome() {
        assertThatThrownBy(() -> OarOutput.walltimeChange("cpu", Fixtures.result("oarwalltime_bad_syntax")))
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(4);
                    assertThat(e.schedulerMessage()).contains("Syntax error");
                });
    }

    @Test
    void aGrantedWalltimeChangeIsNotTheWalltimesEnd() {
        Map<Long, JobStatus> jobs = OarOutput.jobs("cpu", Fixtures.read("oarstat_walltime_extended.stdout"), names);
        JobStatus j = jobs.values().iterator().next();
        assertThat(j.walltime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(j.events()).containsExactly(JobStatus.WALLTIME_CHANGED);
        assertThat(j.walltimeReached()).isFalse();
        assertThat(j.warnedBeforeEnd()).isFalse();
    }

    @Test
    void checkpointSignalsShowAsEvents() {
        JobStatus j = OarOutput.jobs("gpu", Fixtures.read("oarstat_checkpointed.stdout"), names).values().iterator().next();
        assertThat(j.events()).containsExactly(JobStatus.CHECKPOINT, "CHECKPOINT_SUCCESSFULL", JobStatus.CHECKPOINT,
                "CHECKPOINT_SUCCESSFULL");
        assertThat(j.warnedBeforeEnd()).isTrue();
        assertThat(j.walltimeReached()).isFalse();
        // A signal before a granted change was for the old end.
        JobStatus later = new JobStatus(j.ref(), j.key(), j.state(), j.schedulerState(), j.nodes(), j.walltime(), j.submitted(),
                j.started(), j.scheduledStart(), j.stopped(), j.exitStatus(), j.signal(), j.message(),
                List.of(JobStatus.CHECKPOINT, JobStatus.WALLTIME_CHANGED));
        assertThat(later.warnedBeforeEnd()).isFalse();
    }
}
