package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.OarOutput.SpooledEndpoint;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.SpawnKey;

/** The spool's batching, against a fake reader that records each "remote command" and answers when told. */
class EndpointSpoolTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<List<Long>> commands = new CopyOnWriteArrayList<>();
    private final List<Promise<Map<Long, SpooledEndpoint>>> outstanding = new CopyOnWriteArrayList<>();
    private final List<JobRef> jobDirectoryReads = new CopyOnWriteArrayList<>();
    private final EndpointSpool spool = new EndpointSpool(vertx, "cpu", ids -> {
        commands.add(ids);
        Promise<Map<Long, SpooledEndpoint>> p = Promise.promise();
        outstanding.add(p);
        return p.future();
    }, (job, key) -> {
        jobDirectoryReads.add(job);
        return Future.succeededFuture(Optional.of(new Endpoint("node-own", 7000)));
    });

    @AfterEach
    void close() {
        vertx.close();
    }

    private static JobRef job(long id) {
        return new JobRef("cpu", id, "u" + id);
    }

    private static Map<Long, SpooledEndpoint> lines(long... ids) {
        Map<Long, SpooledEndpoint> m = new HashMap<>();
        for (long id : ids) {
            m.put(id, new SpooledEndpoint("u" + id, new Endpoint("node-" + id, 40000 + (int) id)));
        }
        return m;
    }

    private void awaitCommands(int n) throws InterruptedException {
        for (int i = 0; i < 400 && commands.size() < n; i++) {
            Thread.sleep(10);
        }
        assertThat(commands).hasSize(n);
    }

    @Test
    void twentyReadsAskedInOneEventLoopTurnAreOneCommand() throws Exception {
        // As the SpawnManager asks them: in one turn of its context, during a poll tick.
        List<Future<Optional<Endpoint>>> reads = new CopyOnWriteArrayList<>();
        vertx.getOrCreateContext().runOnContext(v -> {
            for (long id = 1; id <= 20; id++) {
                reads.add(spool.read(job(id), new SpawnKey("u" + id, "")));
            }
        });
        awaitCommands(1);
        assertThat(commands.get(0)).hasSize(20);
        outstanding.get(0).complete(lines(1, 2, 3));
        assertThat(reads.get(1).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .contains(new Endpoint("node-2", 40002));
        assertThat(reads.get(19).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEmpty();
        Thread.sleep(EndpointSpool.GAP.toMillis() * 2);
        assertThat(commands).hasSize(1);
    }

    @Test
    void readsAskedWhileOneIsOutGoTogetherIntoTheNext() throws Exception {
        Future<Optional<Endpoint>> first = spool.read(job(1), new SpawnKey("u1", ""));
        awaitCommands(1);
        List<Future<Optional<Endpoint>>> later = new ArrayList<>();
        for (long id = 2; id <= 11; id++) {
            later.add(spool.read(job(id), new SpawnKey("u" + id, "")));
        }
        Thread.sleep(Duration.ofMillis(600).toMillis());
        assertThat(commands).as("nothing more while the first read is out").hasSize(1);
        outstanding.get(0).complete(lines(1));
        assertThat(first.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isPresent();
        awaitCommands(2);
        assertThat(commands.get(1)).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        outstanding.get(1).complete(lines(5));
        assertThat(later.get(3).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .contains(new Endpoint("node-5", 40005));
    }

    @Test
    void aFileOwnedBySomeoneElseIsNotTrustedAndTheJobsOwnDirectoryIsRead() throws Exception {
        Future<Optional<Endpoint>> read = spool.read(job(3), new SpawnKey("u3", ""));
        awaitCommands(1);
        outstanding.get(0).complete(Map.of(3L, new SpooledEndpoint("mallory", new Endpoint("evil", 4444))));
        assertThat(read.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).contains(new Endpoint("node-own", 7000));
        assertThat(jobDirectoryReads).containsExactly(job(3));
    }

    @Test
    void aFailedReadFailsEveryReadInIt() throws Exception {
        Future<Optional<Endpoint>> a = spool.read(job(1), new SpawnKey("u1", ""));
        Future<Optional<Endpoint>> b = spool.read(job(2), new SpawnKey("u2", ""));
        awaitCommands(1);
        outstanding.get(0).fail(new IllegalStateException("frontend unreachable"));
        for (Future<Optional<Endpoint>> f : List.of(a, b)) {
            assertThat(f.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(5))
                    .withThrowableThat().withMessageContaining("frontend unreachable");
        }
    }
}
