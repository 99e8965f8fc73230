package org.oarspawner.spawn;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.Scheduler;

/**
 * Finds out when a starting spawn's notebook answers: the endpoint the job wrote, then how the proxy reaches it
 * (the node, or a tunnel), then any HTTP answer there. While it does not answer, it looks again soon (250 ms,
 * doubling, at most a tick apart); past the start timeout from OAR's Running, it gives up. Runs on the manager's
 * context; at most one check per spawn is out at a time.
 */
final class ReadinessProber {
    static final long FIRST_RETRY_MS = 250;

    private final Vertx vertx;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration tick;
    private final Duration startTimeout;
    private final Consumer<Spawn> listening;
    private final Consumer<Spawn> answered;
    private final Consumer<Spawn> timedOut;
    private final Refusal refused;
    private final HttpClient http;

    /** Told when the job wrote an endpoint the proxy must not use ({@link EndpointRule}), and why. */
    interface Refusal {
        void refused(Spawn s, Endpoint e, String why);
    }

    /**
     * @param listening told when the job wrote its endpoint and the proxy can reach it, at {@code s.target}
     * @param answered  told when the notebook answered at {@code s.target}
     * @param timedOut  told when the start timeout passed without an answer
     * @param refused   told when the endpoint is not one the proxy may use; nothing is sent there
     */
    ReadinessProber(Vertx vertx, Scheduler scheduler, Clock clock, Duration tick, Duration startTimeout,
                    Consumer<Spawn> listening, Consumer<Spawn> answered, Consumer<Spawn> timedOut, Refusal refused) {
        this.vertx = vertx;
        this.scheduler = scheduler;
        this.clock = clock;
        this.tick = tick;
        this.startTimeout = startTimeout;
        this.listening = listening;
        this.answered = answered;
        this.timedOut = timedOut;
        this.refused = refused;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setIdleTimeout(5));
    }

    Duration startTimeout() {
        return startTimeout;
    }

    /** One check of a starting spawn; a no-op while one is out. */
    void check(Spawn s) {
        if (s.checking) {
            return;
        }
        if (clock.instant().isAfter(s.runningAt.plus(startTimeout))) {
            timedOut.accept(s);
            return;
        }
        s.checking = true;
        Future<Boolean> check = s.target != null ? answers(s.target)
                : scheduler.endpoint(s.job, s.key).compose(e -> {
                    if (e.isEmpty() || s.state != SpawnState.STARTING) {
                        return Future.succeededFuture(false);
                    }
                    java.util.Optional<String> refusal = EndpointRule.refusal(e.get(), s.nodes);
                    if (refusal.isPresent()) {
                        refused.refused(s, e.get(), refusal.get());
                        return Future.succeededFuture(false);
                    }
                    s.endpoint = e.get();
                    return scheduler.reach(s.job, s.endpoint).compose(target -> {
                        s.target = target;
                        listening.accept(s);
                        return answers(target);
                    });
                });
        check.onComplete(r -> {
            s.checking = false;
            boolean answers = r.succeeded() && r.result();
            if (!answers && s.state == SpawnState.STARTING && !s.retryScheduled) {
                // The notebook is moments from listening: look again soon, not a whole tick later.
                s.retryScheduled = true;
                vertx.setTimer(retryDelay(s.readyChecks++, tick), t -> {
                    s.retryScheduled = false;
                    if (s.state == SpawnState.STARTING) {
                        check(s);
                    }
                });
            }
            if (answers && s.state == SpawnState.STARTING) {
                answered.accept(s);
            }
        });
    }

    /** The wait before the {@code n}th retry (from 0): 250 ms, doubling, never more than a tick. */
    static long retryDelay(int n, Duration tick) {
        return Math.min(tick.toMillis(), FIRST_RETRY_MS << Math.min(n, 6));
    }

    /** Any HTTP answer means the notebook listens; the hub then checks its own URL. */
    private Future<Boolean> answers(String target) {
        return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(target + "/"))
                .compose(req -> req.send().map(resp -> true))
                .otherwise(false);
    }

    void close() {
        http.close();
    }
}
