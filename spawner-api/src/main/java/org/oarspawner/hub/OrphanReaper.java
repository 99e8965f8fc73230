package org.oarspawner.hub;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.oarspawner.metrics.HubMetrics;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code checkInterval}, compares the service's live spawns with the servers the hub knows, and cancels
 * those that {@link OrphanRule} calls orphans: a job whose server the hub forgot (its start failed while the
 * service was down, a stop that never reached the service) would otherwise hold its cores or GPUs to its
 * walltime. While the hub cannot be asked, nothing is cancelled. One request chain per check, whatever the
 * number of spawns (one page per 200 users with a server).
 */
public final class OrphanReaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanReaper.class);

    /** What the reaper needs of the spawn lifecycle: its public list and stop. */
    public interface Spawns {
        Future<List<Spawn.View>> list();

        Future<?> stop(SpawnKey key);
    }

    private final Vertx vertx;
    private final Context context;
    private final HubConfig config;
    private final HubClient hub;
    private final Spawns spawns;
    private final HubMetrics metrics;
    private final OrphanRule rule;
    private long timer = -1;
    private boolean checking;
    private boolean unavailable;

    public OrphanReaper(Vertx vertx, HubConfig config, HubClient hub, Spawns spawns, HubMetrics metrics, Clock clock) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.config = config;
        this.hub = hub;
        this.spawns = spawns;
        this.metrics = metrics;
        this.rule = new OrphanRule(config.orphanGrace(), config.orphanChecks(), clock);
    }

    public void start() {
        LOG.info("event=orphan_reaper_started hub={} grace_s={} interval_ms={} checks={}", config.apiUrl(),
                config.orphanGrace().toSeconds(), config.checkInterval().toMillis(), config.orphanChecks());
        context.runOnContext(v -> timer = vertx.setPeriodic(config.checkInterval().toMillis(), id -> check()));
    }

    /** One check; a check still out when the next is due makes that one skip. Completes with the cancelled spawns. */
    public Future<List<Spawn.View>> check() {
        Promise<List<Spawn.View>> done = Promise.promise();
        context.runOnContext(v -> {
            if (checking) {
                done.complete(List.of());
                return;
            }
            checking = true;
            // The spawns first: each existed before the hub's answer, so a server the hub left out was not in it then.
            spawns.list().compose(all -> hub.knownServers().map(known -> reconcile(known, all)).recover(e -> {
                hubUnavailable(e);
                return Future.succeededFuture(List.of());
            })).onComplete(r -> {
                checking = false;
                if (r.failed()) {
                    LOG.warn("event=orphan_check_failed error=\"{}\"", r.cause().getMessage());
                }
                done.handle(r);
            });
        });
        return done.future();
    }

    private List<Spawn.View> reconcile(Set<SpawnKey> known, List<Spawn.View> all) {
        metrics.hubChecked(true);
        if (unavailable) {
            unavailable = false;
            LOG.info("event=hub_reachable hub={} known_servers={}", config.apiUrl(), known.size());
        }
        Set<SpawnKey> before = rule.suspects().keySet();
        List<Spawn.View> orphans = rule.hubAnswered(known, all);
        if (rule.disbelieved()) {
            LOG.warn("event=hub_answer_disbelieved hub={} known_servers={} spawns={} reason=\"the hub left out more than half"
                    + " of the live spawns: a fresh database or a token scoped to some users? nothing is cancelled\"",
                    config.apiUrl(), known.size(), all.size());
        }
        for (Spawn.View s : all) {
            if (!before.contains(s.key()) && rule.suspect(s.key()).isPresent()) {
                LOG.info("event=orphan_suspected user={} server={} cluster={} job={} cancel_after_s={}", s.key().user(),
                        s.key().server(), s.cluster(), s.jobId().map(String::valueOf).orElse(""), rule.grace().toSeconds());
            }
        }
        for (Spawn.View s : orphans) {
            LOG.warn("event=orphan_cancelled user={} server={} cluster={} job={} state={} reason=\"the hub has not known this"
                            + " server for {} s\"", s.key().user(), s.key().server(), s.cluster(),
                    s.jobId().map(String::valueOf).orElse(""), s.state().name().toLowerCase(), rule.grace().toSeconds());
            metrics.orphanCancelled(s.cluster());
            spawns.stop(s.key()).onFailure(e -> LOG.warn("event=orphan_cancel_failed user={} server={} cluster={} error=\"{}\"",
                    s.key().user(), s.key().server(), s.cluster(), e.getMessage()));
        }
        return orphans;
    }

    private void hubUnavailable(Throwable e) {
        metrics.hubChecked(false);
        boolean hadSuspects = !rule.suspects().isEmpty();
        rule.hubUnavailable();
        if (!unavailable) {
            unavailable = true;
            LOG.warn("event=hub_unreachable hub={} suspects_reset={} error=\"{}\"", config.apiUrl(), hadSuspects,
                    String.valueOf(e.getMessage()).replace('"', '\''));
        }
    }

    Duration grace() {
        return rule.grace();
    }

    @Override
    public void close() {
        context.runOnContext(v -> {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        });
        hub.close();
    }
}
