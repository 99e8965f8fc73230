package org.oarspawner.spawn;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.oarspawner.spi.RouteRegistry;
import org.oarspawner.spi.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the proxy's routing table in step with the spawns: a route goes in as a notebook answers, goes the moment
 * its job ends, and comes back within a tick when the proxy lost it (a CHP restart, a new tunnel). Each check reports,
 * per cluster, the routes expected and those the proxy had. With no registry (JupyterHub alone routes) it does
 * nothing. Runs on the manager's context, on its own timer.
 */
final class RouteKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(RouteKeeper.class);

    private final Scheduler scheduler;
    private final RouteRegistry routes;
    private final String baseUrl;
    private final Supplier<Collection<Spawn>> spawns;
    private final LifecycleMetrics metrics;
    private long timer = -1;

    /**
     * @param routes  the proxy's routing table (null: JupyterHub alone routes)
     * @param baseUrl JupyterHub's base URL, which prefixes every route's path
     */
    RouteKeeper(Scheduler scheduler, RouteRegistry routes, String baseUrl, Supplier<Collection<Spawn>> spawns,
                LifecycleMetrics metrics) {
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.routes = routes;
        this.baseUrl = baseUrl;
        this.spawns = spawns;
    }

    /** Looks at the proxy once per tick; call on the manager's context. */
    void start(Vertx vertx, Duration tick) {
        if (routes != null) {
            timer = vertx.setPeriodic(tick.toMillis(), id -> sync());
        }
    }

    void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** The route goes in as the notebook answers, with the data JupyterHub writes, so check_routes agrees. */
    void add(Spawn s) {
        if (routes != null) {
            routes.add(HubRoutes.route(baseUrl, s.key, s.target)).onFailure(e -> LOG.warn(
                    "event=route_add_failed user={} server={} cluster={} job={} error=\"{}\"", s.key.user(), s.key.server(),
                    s.cluster, s.job.id(), e.getMessage()));
        }
    }

    /** The route goes the moment the job ends, whatever ended it (walltime, oardel from outside, node failure). */
    void remove(Spawn s) {
        if (routes != null) {
            routes.remove(HubRoutes.path(baseUrl, s.key)).onFailure(e -> LOG.warn(
                    "event=route_remove_failed user={} server={} cluster={} error=\"{}\"", s.key.user(), s.key.server(),
                    s.cluster, e.getMessage()));
        }
    }

    /** One look at the proxy: puts back the routes of ready spawns that it lost or that point elsewhere. */
    void sync() {
        if (routes == null) {
            return;
        }
        List<Spawn> ready = spawns.get().stream().filter(s -> s.state == SpawnState.READY && s.endpoint != null).toList();
        if (ready.isEmpty()) {
            report(ready, Map.of());
            return;
        }
        routes.list().onSuccess(table -> {
            report(ready, table);
            for (Spawn s : ready) {
                // reach() gives the same tunnel while it lives, and a new one after the frontend connection dropped.
                scheduler.reach(s.job, s.endpoint).onSuccess(target -> {
                    s.target = target;
                    RouteRegistry.Route want = HubRoutes.route(baseUrl, s.key, target);
                    RouteRegistry.Route have = table.get(want.path());
                    if (s.state == SpawnState.READY && (have == null || !want.target().equals(have.target()))) {
                        LOG.info("event=route_restored user={} server={} cluster={} job={} path={} target={}", s.key.user(),
                                s.key.server(), s.cluster, s.job.id(), want.path(), target);
                        add(s);
                    }
                });
            }
        }).onFailure(e -> {
            report(ready, null);
            LOG.warn("event=route_sync_failed error=\"{}\"", e.getMessage());
        });
    }

    /** Per cluster: the ready spawns, and those whose route the proxy has as last set (none when it was not asked). */
    private void report(List<Spawn> ready, Map<String, RouteRegistry.Route> table) {
        for (String cluster : scheduler.clusters()) {
            List<Spawn> mine = ready.stream().filter(s -> s.cluster.equals(cluster)).toList();
            long present = table == null ? 0 : mine.stream().filter(s -> {
                RouteRegistry.Route have = table.get(HubRoutes.path(baseUrl, s.key));
                return have != null && have.target().equals(s.target);
            }).count();
            metrics.routes(cluster, mine.size(), (int) present);
        }
    }
}
