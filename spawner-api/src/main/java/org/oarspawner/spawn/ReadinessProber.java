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
 * (the node, or a tunnel), then any HTTP answer there. While the job has not written its endpoint, it reads it again
 * soon (250 ms, doubling, at most a tick apart: a read may be a command on the frontend). Once it knows where the
 * notebook listens, it knocks every {@link #KNOCK_MS} until it answers ({@link #TUNNEL_KNOCK_MS} through a tunnel,
 * where each knock opens a channel through the frontend's sshd), for {@link #KNOCK_FAST_FOR}, then doubling up to a
 * tick: a notebook that answers is seen within a knock. Past the start timeout from OAR's Running, it gives up. Runs
 * on the manager's context; at most one check per spawn is out at a time.
 */
final class ReadinessProber {
    static final long FIRST_RETRY_MS = 250;
    /** Between knocks on a notebook reached directly: a refused connection costs the node little and the frontend nothing. */
    static final long KNOCK_MS = 100;
    /** Between knocks through a tunnel. */
    static final long TUNNEL_KNOCK_MS = 250;
    /** How long the knocks stay that close, counted in knocks from the first; then they double, up to a tick. */
    static final Duration KNOCK_FAST_FOR = Duration.ofSeconds(30);

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
                long delay = s.target == null ? retryDelay(s.readyChecks++, tick)
                        : knockDelay(s.knocks++, tick, !s.target.equals(s.endpoint.url()));
                vertx.setTimer(delay, t -> {
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

    /** The wait before the {@code n}th knock (from 0) on a notebook that did not answer yet. */
    static long knockDelay(int n, Duration tick, boolean tunnel) {
        long every = tunnel ? TUNNEL_KNOCK_MS : KNOCK_MS;
        long fast = KNOCK_FAST_FOR.toMillis() / every;
        return Math.min(tick.toMillis(), n < fast ? every : every << Math.min(n - fast + 1, 10));
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
