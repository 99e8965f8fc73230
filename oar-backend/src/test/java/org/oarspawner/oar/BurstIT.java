package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SchedulerMetrics.Command;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 12, item 3: a burst of 20 submissions for several users at once, on the bench node (128 cores, so all fit).
 * It prints when the oarsub commands went out (service side: when each began, its channel wait included; per user
 * also when each oarsub started on the frontend, noted by a wrapper), and OAR's start times: jobs that OAR started in
 * one scheduler pass share its start time. A measure, not a speed gate: it asserts only that all 20 were submitted
 * as one command each, and ran, and that the service account's burst went over more than one of its connections.
 */
@ExtendWith(VertxExtension.class)
class BurstIT {
    /** 20 users when the bench's logins exist (deploy/hub_bench.py makes bench01..bench20), else alice and bob. */
    private static final List<String> LOGINS = benchLogins();
    private static final int N = 20;

    private static List<String> benchLogins() {
        List<String> bench = new ArrayList<>();
        for (int i = 1; i <= N; i++) {
            bench.add(String.format("bench%02d", i));
        }
        boolean all = bench.stream().allMatch(l -> Files.exists(LocalCluster.STATE.resolve("keys").resolve(l))
                && !LocalCluster.run("getent", "passwd", l).isBlank()
                && LocalCluster.run("id", "-nG", l).contains("oarusers"));
        return all ? bench : List.of("alice", "bob");
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void twentySubmissionsAtOnce(Identity identity, Vertx vertx) throws Exception {
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        List<JobRequest> requests = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            String login = LOGINS.get(i % LOGINS.size());
            requests.add(JobRequest.builder(new SpawnKey("burst" + i, tag), "bench", login).cores(1).walltime(Duration.ofMinutes(10))
                    .project(LocalCluster.PROJECT).command("sleep", "600").env("JUPYTERHUB_API_TOKEN", "burst-" + i).build());
        }
        Path work = Files.createTempDirectory("burst");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path log = work.resolve("oarsub.log");
        Files.writeString(log, "");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
        // Per user, oarsub is the configured command: a wrapper notes when each starts on the frontend. The service
        // account's helper runs /usr/bin/oarsub only.
        Path oarsub = work.resolve("oarsub");
        Files.writeString(oarsub, "#!/bin/sh\necho \"$(date +%s.%N)\" >> " + log + "\nexec /usr/bin/oarsub \"$@\"\n");
        Files.setPosixFilePermissions(oarsub, PosixFilePermissions.fromString("rwxr-xr-x"));
        OarClusterConfig config = identity == Identity.PER_USER
                ? LocalCluster.cluster("bench", identity, LocalCluster.ssh(), "localhost", 22, oarsub.toString())
                : LocalCluster.cluster("bench", identity);
        CommandRecorder metrics = new CommandRecorder();
        OarScheduler s = new OarScheduler(vertx, LocalCluster.names("burst"), List.of(config), 16, metrics);
        List<JobRef> jobs = new ArrayList<>();
        try {
            long c0 = s.commandsSent("bench");
            long t0 = System.nanoTime();
            List<Future<JobRef>> submitted = requests.stream().map(s::submit).toList();
            for (Future<JobRef> f : submitted) {
                jobs.add(await(f));
            }
            long answered = System.nanoTime() - t0;
            long commands = s.commandsSent("bench") - c0;
            Map<Long, JobStatus> st = Map.of();
            for (int i = 0; i < 240; i++) {
                st = await(s.status("bench", jobs));
                if (st.values().stream().allMatch(j -> j.state() == JobState.RUNNING || j.state().isFinal())) {
                    break;
                }
                LocalCluster.sleep(250);
            }
            List<CommandRecorder.Sent> sent = metrics.sent(Command.OARSUB);
            long firstStart = sent.stream().mapToLong(CommandRecorder.Sent::startNanos).min().orElse(t0);
            long lastStart = sent.stream().mapToLong(CommandRecorder.Sent::startNanos).max().orElse(t0);
            long firstEnd = sent.stream().mapToLong(CommandRecorder.Sent::endNanos).min().orElse(t0);
            long lastEnd = sent.stream().mapToLong(CommandRecorder.Sent::endNanos).max().orElse(t0);
            List<Double> frontend = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(Double::parseDouble).sorted().toList();
            String frontendSpread = frontend.isEmpty() ? "n/a (the helper runs /usr/bin/oarsub)"
                    : String.format("%d ms (%d oarsubs)", Math.round((frontend.get(frontend.size() - 1) - frontend.get(0)) * 1000), frontend.size());
            Map<Long, Long> startCounts = new TreeMap<>(st.values().stream().filter(j -> j.started().isPresent())
                    .collect(Collectors.groupingBy(j -> j.started().get().getEpochSecond(), Collectors.counting())));
            long firstOar = startCounts.keySet().stream().findFirst().orElse(0L);
            String passes = startCounts.entrySet().stream().map(e -> "+" + (e.getKey() - firstOar) + " s: " + e.getValue() + " jobs")
                    .collect(Collectors.joining(", "));
            long submittedFirst = st.values().stream().flatMap(j -> j.submitted().stream()).mapToLong(Instant::getEpochSecond).min().orElse(0);
            long submittedLast = st.values().stream().flatMap(j -> j.submitted().stream()).mapToLong(Instant::getEpochSecond).max().orElse(0);
            System.out.printf("BurstIT %s: %d submissions for %d logins at once, %d frontend commands (oarsub %d, stage %d);"
                            + " oarsub commands began within %d ms (channel waits included) and ended within %d ms, all answered in %d ms;"
                            + " oarsub started on the frontend within %s; OAR submission times span %d s;"
                            + " OAR start times (one per scheduler pass that started jobs): %s; first start %d s after the first submission%n",
                    identity, N, LOGINS.size(), commands, metrics.count(Command.OARSUB), metrics.count(Command.STAGE),
                    (lastStart - firstStart) / 1_000_000, (lastEnd - firstEnd) / 1_000_000, answered / 1_000_000, frontendSpread,
                    submittedLast - submittedFirst, passes, firstOar - submittedFirst);
            assertThat(jobs.stream().map(JobRef::id).distinct()).hasSize(N);
            assertThat(metrics.count(Command.OARSUB)).isEqualTo(N);
            assertThat(metrics.count(Command.STAGE)).isZero();
            assertThat(st.values()).allMatch(j -> j.state() == JobState.RUNNING);
            if (identity == Identity.SERVICE_ACCOUNT) {
                // 20 at once are more than one connection's 8 channels: the burst opened more of the service account's
                // connections (SshSettings.connections, 3 by default) instead of waiting for channels, and no more.
                assertThat(s.serviceConnectionsOpen("bench")).isBetween(2L, (long) config.ssh().connections());
            }
        } finally {
            LocalCluster.cancelAll(s);
            for (int i = 0; i < jobs.size(); i++) {
                await(s.cleanUp(jobs.get(i), requests.get(i).key()));
            }
            s.close();
            LocalCluster.run("rm", "-rf", work.toString());
        }
    }
}
