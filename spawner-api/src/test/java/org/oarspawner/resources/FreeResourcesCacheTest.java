package org.oarspawner.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.FreeResources;
import org.oarspawner.spi.Scheduler;

/** The free-resources cache: one oarnodes per cluster per maxAge, shared, never more than one out, bounded waits. */
class FreeResourcesCacheTest {
    private final Vertx vertx = Vertx.vertx();
    private Instant now = Instant.parse("2026-11-29T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    /** The answers the scheduler gives, in order of the calls; each call is recorded. */
    private final List<Promise<FreeResources>> calls = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private FreeResourcesCache cache(Duration wait) {
        Scheduler s = (Scheduler) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Scheduler.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("freeResources")) {
                        Promise<FreeResources> p = Promise.promise();
                        calls.add(p);
                        return p.future();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new FreeResourcesCache(vertx, s, Duration.ofSeconds(30), wait, clock);
    }

    private FreeResources free(int cores) {
        return new FreeResources(cores, 4, Map.of("A100", new FreeResources.Gpus(1, 1)), now);
    }

    /** Runs on the Vert.x context, as the API does, and waits for the result. */
    private <T> T onContext(Supplier<Future<T>> work) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        vertx.runOnContext(x -> work.get().onComplete(r -> {
            if (r.succeeded()) {
                done.complete(r.result());
            } else {
                done.completeExceptionally(r.cause());
            }
        }));
        return done.get(5, TimeUnit.SECONDS);
    }

    private void onContext(Runnable r) throws Exception {
        onContext(() -> {
            r.run();
            return Future.succeededFuture();
        });
    }

    @Test
    void aClassOpeningTheFormAtOnceCostsOneOarnodes() throws Exception {
        FreeResourcesCache cache = cache(Duration.ofSeconds(2));
        CompletableFuture<List<Optional<FreeResources>>> all = new CompletableFuture<>();
        vertx.runOnContext(x -> {
            List<Future<Optional<FreeResources>>> gets = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                gets.add(cache.get("cpu"));
            }
            calls.get(0).complete(free(3));
            Future.all(gets).onSuccess(c -> all.complete(c.list()));
        });
        assertThat(all.get(5, TimeUnit.SECONDS)).hasSize(30).allMatch(f -> f.orElseThrow().freeCores() == 3);
        assertThat(calls).hasSize(1);
    }

    @Test
    void anAnswerIsReusedForMaxAgeThenAskedAgain() throws Exception {
        FreeResourcesCache cache = cache(Duration.ofSeconds(2));
        Future<Optional<FreeResources>>[] first = new Future[1];
        onContext(() -> {
            first[0] = cache.get("cpu");
            calls.get(0).complete(free(3));
            return first[0];
        });
        now = now.plusSeconds(29);
        assertThat(onContext(() -> cache.get("cpu")).orElseThrow().freeCores()).isEqualTo(3);
        assertThat(calls).hasSize(1);
        now = now.plusSeconds(2);
        Optional<FreeResources> again = onContext(() -> {
            Future<Optional<FreeResources>> f = cache.get("cpu");
            calls.get(1).complete(free(1));
            return f;
        });
        assertThat(calls).hasSize(2);
        assertThat(again.orElseThrow().freeCores()).isEqualTo(1);
    }

    @Test
    void aSlowOarnodesCostsTheFormAtMostTheWaitAndTheLastAnswer() throws Exception {
        FreeResourcesCache cache = cache(Duration.ofMillis(100));
        long t0 = System.nanoTime();
        assertThat(onContext(() -> cache.get("gpu"))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        // Asked again while the first oarnodes is still out: no second command.
        assertThat(onContext(() -> cache.get("gpu"))).isEmpty();
        assertThat(calls).hasSize(1);
        onContext(() -> calls.get(0).complete(free(2)));
        assertThat(onContext(() -> cache.get("gpu")).orElseThrow().freeCores()).isEqualTo(2);
        assertThat(calls).hasSize(1);
    }

    @Test
    void aFailureIsNotCachedAndTheLastAnswerStays() throws Exception {
        FreeResourcesCache cache = cache(Duration.ofSeconds(2));
        onContext(() -> {
            Future<Optional<FreeResources>> f = cache.get("cpu");
            calls.get(0).complete(free(4));
            return f;
        });
        now = now.plusSeconds(60);
        Optional<FreeResources> stale = onContext(() -> {
            Future<Optional<FreeResources>> f = cache.get("cpu");
            calls.get(1).fail("ssh: connection refused");
            return f;
        });
        assertThat(stale.orElseThrow().readAt()).isEqualTo(now.minusSeconds(60));
        onContext(() -> cache.get("cpu"));
        assertThat(calls).hasSize(3);
    }
}
