package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.spawn.Await.await;
import static org.oarspawner.spawn.Await.on;
import static org.oarspawner.spawn.Await.until;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/** The prober against a real HTTP server on localhost standing in for the notebook. */
class ReadinessProberTest {
    private static final Duration TICK = Duration.ofSeconds(2);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    /** The notebook's node: this host, where the test's HTTP server stands in for the notebook. */
    private static final String NODE = "127.0.0.1";

    private Vertx vertx;
    private Context context;
    private HttpServer notebook;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private ReadinessProber prober;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        notebook = await(vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(302).end()).listen(0, "127.0.0.1"));
        prober = new ReadinessProber(vertx, oar, clock, TICK, START_TIMEOUT,
                s -> heard.add("listening " + s.target),
                s -> heard.add("answered " + s.target),
                s -> {
                    s.state = SpawnState.FAILED;
                    heard.add("timed out");
                },
                (s, e, why) -> {
                    s.state = SpawnState.FAILED;
                    heard.add("refused " + e.url() + ": " + why);
                });
    }

    @AfterEach
    void tearDown() {
        prober.close();
        await(vertx.close());
    }

    private Spawn starting() {
        Spawn s = new Spawn(new SpawnKey("bob", ""), "cpu", "bob", clock.instant());
        s.job = await(oar.submit(JobRequest.builder(s.key, "cpu", "bob").command("jupyterhub-singleuser").build()));
        oar.run(s.job.id(), NODE, clock.instant());
        s.state = SpawnState.STARTING;
        s.runningAt = clock.instant();
        s.nodes = java.util.List.of(NODE);
        return s;
    }

    @Test
    void endpointThenReachThenAnyHttpAnswer() {
        Spawn s = starting();
        on(context, () -> { prober.check(s); return null; });
        // No endpoint yet: nothing heard, a retry is due.
        assertThat(heard).isEmpty();
        assertThat(s.retryScheduled).isTrue();

        oar.listen(s.job.id(), new Endpoint(NODE, notebook.actualPort()));
        until("the notebook answers", () -> heard.size() == 2);
        String url = "http://127.0.0.1:" + notebook.actualPort();
        assertThat(heard).containsExactly("listening " + url, "answered " + url);
        assertThat(s.endpoint).isEqualTo(new Endpoint(NODE, notebook.actualPort()));
        assertThat(oar.reaches).hasValue(1);
    }

    @Test
    void aNotebookNotListeningYetIsAskedAgainThenAnswers() {
        int port = notebook.actualPort();
        await(notebook.close());
        Spawn s = starting();
        oar.listen(s.job.id(), new Endpoint(NODE, port));
        on(context, () -> { prober.check(s); return null; });
        until("the endpoint is known", () -> heard.size() == 1);
        until("a retry is due", () -> s.retryScheduled);
        assertThat(heard).containsExactly("listening http://127.0.0.1:" + port);

        notebook = await(vertx.createHttpServer().requestHandler(r -> r.response().end()).listen(port, "127.0.0.1"));
        until("the notebook answers", () -> heard.size() == 2);
        assertThat(heard.get(1)).isEqualTo("answered http://127.0.0.1:" + port);
        // The endpoint was read and reached once; the retries only knock.
        assertThat(oar.reaches).hasValue(1);
        // The endpoint was there at the first read: every retry was a knock on the notebook.
        assertThat(s.knocks).isGreaterThanOrEqualTo(1);
        assertThat(s.readyChecks).isZero();
    }

    @Test
    void anEndpointOffTheJobsNodesIsRefusedAndNeverAsked() {
        Spawn s = starting();
        // The job's files say another host (the hub's API, say): not one of the nodes OAR gave the job.
        oar.listen(s.job.id(), new Endpoint("localhost", notebook.actualPort()));
        on(context, () -> { prober.check(s); return null; });
        until("the endpoint is refused", () -> heard.size() == 1);
        assertThat(heard.get(0)).startsWith("refused http://localhost:" + notebook.actualPort()).contains("not one of the nodes");
        assertThat(oar.reaches).hasValue(0);
        assertThat(s.endpoint).isNull();
        assertThat(s.retryScheduled).isFalse();
    }

    @Test
    void oneCheckAtATimePerSpawn() {
        Spawn s = starting();
        oar.listen(s.job.id(), new Endpoint(NODE, notebook.actualPort()));
        on(context, () -> {
            prober.check(s);
            prober.check(s);
            prober.check(s);
            return null;
        });
        until("the notebook answers", () -> heard.size() == 2);
        assertThat(oar.reaches).hasValue(1);
        assertThat(heard).filteredOn(h -> h.startsWith("answered")).hasSize(1);
    }

    @Test
    void pastTheStartTimeoutFromRunningItGivesUp() {
        Spawn s = starting();
        clock.advance(START_TIMEOUT);
        on(context, () -> { prober.check(s); return null; });
        assertThat(heard).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        // As the poller and the retry timer call it: only while the spawn is starting.
        on(context, () -> {
            if (s.state == SpawnState.STARTING) {
                prober.check(s);
            }
            return null;
        });
        assertThat(heard).containsExactly("timed out");
    }

    @Test
    void knocksOnANotebookAreCloseForTheirFirst30SecondsThenDoubleUpToATick() {
        assertThat(List.of(0, 1, 299, 300, 301, 302, 303, 1000).stream().map(n -> ReadinessProber.knockDelay(n, TICK, false)).toList())
                .containsExactly(100L, 100L, 100L, 200L, 400L, 800L, 1600L, 2000L);
        // Through a tunnel each knock opens a channel through the frontend: a quarter of a second apart.
        assertThat(List.of(0, 119, 120, 121, 1000).stream().map(n -> ReadinessProber.knockDelay(n, TICK, true)).toList())
                .containsExactly(250L, 250L, 500L, 1000L, 2000L);
        assertThat(ReadinessProber.knockDelay(0, Duration.ofMillis(50), false)).isEqualTo(50L);
    }

    @Test
    void retriesStartAt250MsAndDoubleUpToATick() {
        assertThat(List.of(0, 1, 2, 3, 4, 10).stream().map(n -> ReadinessProber.retryDelay(n, TICK)).toList())
                .containsExactly(250L, 500L, 1000L, 2000L, 2000L, 2000L);
        assertThat(ReadinessProber.retryDelay(10, Duration.ofMinutes(1))).isEqualTo(16000L);
    }
}
