package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.waitFor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

/**
 * Issue 8, item 5: what users write is read within bounds. A 2 GB (sparse) stderr is read from its end only, with the
 * heap flat; a FIFO in its place is never opened; a FIFO that alice plants in the spool under bob's starting job's
 * id neither stalls the batched read nor keeps bob's notebook, or anyone else's, from being found.
 */
@ExtendWith(VertxExtension.class)
class ReadBoundsIT {
    private static final long TWO_GB = 2L << 30;
    private Vertx vertx;
    private final List<OarScheduler> schedulers = new ArrayList<>();
    private final List<Path> planted = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (OarScheduler s : schedulers) {
            LocalCluster.cancelAll(s);
            s.close();
        }
        for (Path p : planted) {
            Files.deleteIfExists(p);
        }
    }

    private OarScheduler scheduler(Identity identity, Optional<String> spool) {
        OarScheduler s = new OarScheduler(vertx, LocalCluster.names("bounds"), List.of(LocalCluster.cluster("cpu", identity,
                OarClusterConfig.Reachability.DIRECT, spool)), 16);
        schedulers.add(s);
        return s;
    }

    private static JobRequest request(Identity identity, String server, int cores, List<String> command) {
        String login = identity == Identity.PER_USER ? "alice" : "bob";
        JobRequest.Builder b = JobRequest.builder(new SpawnKey(login, server), "cpu", login).cores(cores)
                .walltime(Duration.ofMinutes(10)).command(command);
        return identity == Identity.PER_USER ? b.build() : b.project(LocalCluster.PROJECT).build();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes allocated so far by the JVM's live threads (the worker pools and JSch's session threads among them). */
    private static long allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return java.util.Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds())).filter(b -> b > 0).sum();
    }

    /** This JVM's resident set, from /proc. */
    private static long rssKiB() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void aTwoGigabyteStderrIsReadFromItsEndWithTheHeapFlat(Identity identity) throws Exception {
        OarScheduler s = scheduler(identity, Optional.empty());
        // The stderr file grows to 2 GB (sparse), then 6000 lines (102 kB) and a last line are appended.
        JobRequest r = request(identity, "bigerr", 1, List.of("/bin/sh", "-c",
                "truncate -s 2G /proc/self/fd/2; yes 'a line of stderr' | head -n 6000 >> /proc/self/fd/2;"
                        + " echo 'the last line' >> /proc/self/fd/2; exit 3"));
        JobRef job = await(s.submit(r));
        assertThat(waitFor(s, job, j -> j.state().isFinal(), Duration.ofSeconds(90)).exitStatus()).hasValue(3);
        Path stderr = LocalCluster.jobDir(job.login(), r.key()).resolve(JobScript.stderrFile(job.id()));
        assertThat(Files.size(stderr)).isGreaterThan(TWO_GB);

        System.gc();
        long heapBefore = heapUsed();
        long rssBefore = rssKiB();
        long allocatedBefore = allocated();
        long t0 = System.nanoTime();
        String all = await(s.stderrTail(job, r.key(), Integer.MAX_VALUE));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long allocated = allocated() - allocatedBefore;
        long rssAfter = rssKiB();
        long heapAfter = heapUsed();
        String last = await(s.stderrTail(job, r.key(), 2));
        System.out.printf("ReadBoundsIT %s: stderr %d bytes; tail read %d chars in %d ms; allocated during the read %d KiB;"
                + " heap used %d MiB before, %d MiB after; JVM RSS %d MiB before, %d MiB after%n", identity, Files.size(stderr),
                all.length(), millis, allocated >> 10, heapBefore >> 20, heapAfter >> 20, rssBefore >> 10, rssAfter >> 10);

        assertThat(all.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(JobFiles.MAX_TAIL).isGreaterThan(60_000);
        assertThat(all).endsWith("a line of stderr\nthe last line");
        assertThat(last).isEqualTo("a line of stderr\nthe last line");
        // Every byte allocated by every thread of this JVM while the tail was read: reading the whole file would be 2 GB.
        assertThat(allocated).as("bytes allocated while reading the tail of a 2 GB stderr").isLessThan(64L << 20);
        assertThat(rssAfter - rssBefore).as("RSS growth (KiB) while reading the tail of a 2 GB stderr").isLessThan(256L << 10);
        await(s.cleanUp(job, r.key()));
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void aFifoInPlaceOfStderrIsNeverOpened(Identity identity) {
        OarScheduler s = scheduler(identity, Optional.empty());
        JobRequest r = request(identity, "fifoerr", 1, List.of("/bin/sh", "-c",
                "f=$(readlink /proc/self/fd/2); rm -f \"$f\"; mkfifo \"$f\"; exit 3"));
        JobRef job = await(s.submit(r));
        waitFor(s, job, j -> j.state().isFinal(), Duration.ofSeconds(90));
        Path stderr = LocalCluster.jobDir(job.login(), r.key()).resolve(JobScript.stderrFile(job.id()));
        assertThat(LocalCluster.run("stat", "-c", "%F", stderr.toString()).strip()).isEqualTo("fifo");
        // Opening it would block until someone writes to it: the read must not, and finds nothing.
        assertThat(await(s.stderrTail(job, r.key(), 20))).isEmpty();
        await(s.cleanUp(job, r.key()));
    }

    @Test
    void aFifoPlantedInTheSpoolStallsNothing() {
        OarScheduler s = scheduler(Identity.SERVICE_ACCOUNT, Optional.of(LocalCluster.SPOOL.toString()));
        JobRef fill = await(s.submit(request(Identity.SERVICE_ACCOUNT, "fill", 2, List.of("sleep", "600"))));
        waitFor(s, fill, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        JobRequest otherRequest = request(Identity.SERVICE_ACCOUNT, "other", 1, LocalCluster.HTTP_SERVER);
        JobRef other = await(s.submit(otherRequest));
        // bob's target needs 2 cores and waits behind the filler: alice plants a FIFO under its id.
        JobRequest r = request(Identity.SERVICE_ACCOUNT, "target", 2, LocalCluster.HTTP_SERVER);
        JobRef target = await(s.submit(r));
        Path fifo = LocalCluster.SPOOL.resolve(JobScript.endpointFile(target.id()));
        planted.add(fifo);
        LocalCluster.run("su", "-s", "/bin/sh", "alice", "-c", "mkfifo " + fifo);
        assertThat(LocalCluster.run("stat", "-c", "%U %F", fifo.toString()).strip()).isEqualTo("alice fifo");

        LocalCluster.cancelAndWait(s, fill);
        waitFor(s, target, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        waitFor(s, other, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        for (int i = 0; i < 200 && !Files.exists(LocalCluster.SPOOL.resolve(JobScript.endpointFile(other.id()))); i++) {
            LocalCluster.sleep(100);
        }
        // Both asked in one turn, as the SpawnManager asks: one batched read of the spool, which must not block.
        long t0 = System.nanoTime();
        Endpoint targetEndpoint = null;
        Endpoint otherEndpoint = null;
        for (int i = 0; i < 120 && (targetEndpoint == null || otherEndpoint == null); i++) {
            CompletableFuture<List<Future<Optional<Endpoint>>>> asked = new CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(v -> asked.complete(List.of(s.endpoint(target, r.key()),
                    s.endpoint(other, otherRequest.key()))));
            List<Optional<Endpoint>> found = asked.join().stream().map(LocalCluster::await).toList();
            targetEndpoint = found.get(0).orElse(null);
            otherEndpoint = found.get(1).orElse(null);
            if (targetEndpoint == null || otherEndpoint == null) {
                LocalCluster.sleep(250);
            }
        }
        System.out.printf("ReadBoundsIT spool FIFO: both endpoints found in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        // bob's notebook is found through his own job directory, the other spawn through the spool.
        assertThat(targetEndpoint).as("the endpoint of the job whose spool name holds alice's FIFO").isNotNull();
        assertThat(otherEndpoint).as("another spawn's endpoint on the same cluster").isNotNull();
        assertThat(targetEndpoint.host()).isEqualTo("node-cpu");
        assertThat(LocalCluster.get(targetEndpoint.url() + "/").statusCode()).isEqualTo(200);
        assertThat(LocalCluster.get(otherEndpoint.url() + "/").statusCode()).isEqualTo(200);
        assertThat(LocalCluster.run("stat", "-c", "%F", fifo.toString()).strip()).isEqualTo("fifo");
    }
}
