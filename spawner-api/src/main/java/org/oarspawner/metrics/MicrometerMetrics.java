package org.oarspawner.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.ToIntBiFunction;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.IgnoredJob;
import org.oarspawner.spi.SchedulerMetrics;

/**
 * Prometheus meters, named in JupyterHub's style with the prefix oarspawner_. Every label value is registered
 * at start, so each series exists before its first event.
 */
public final class MicrometerMetrics implements SpawnMetrics, SchedulerMetrics, HubMetrics {
    public static final String SPAWN_DURATION = "oarspawner.spawn.duration";
    public static final String QUEUE_WAIT = "oarspawner.queue.wait";
    public static final String RUNNING_TO_READY = "oarspawner.running.to.ready";
    public static final String SPAWNS = "oarspawner.spawns";
    public static final String OAR_COMMAND = "oarspawner.oar.command.duration";
    public static final String SSH_RECONNECTS = "oarspawner.ssh.reconnects";
    public static final String POLLS = "oarspawner.polls";
    public static final String ORPHANS_CANCELLED = "oarspawner.orphans.cancelled";
    public static final String HUB_CHECKS = "oarspawner.hub.checks";
    public static final String JOBS_IGNORED = "oarspawner.jobs.ignored";
    public static final String FRONTEND_UP = "oarspawner.frontend.up";
    public static final String POLL_LAST_SUCCESS = "oarspawner.poll.last.success.timestamp";
    public static final String ROUTES_EXPECTED = "oarspawner.routes.expected";
    public static final String ROUTES_PRESENT = "oarspawner.routes.present";
    public static final String TUNNELS_OPEN = "oarspawner.tunnels.open";

    private static final Duration[] BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4),
        Duration.ofHours(8), Duration.ofHours(24)};
    private static final Duration[] COMMAND_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final Map<String, Map<Status, Timer>> spawnDurations = new HashMap<>();
    private final Map<String, Timer> queueWaits = new HashMap<>();
    private final Map<String, Timer> runningToReady = new HashMap<>();
    private final Map<String, Map<Command, Map<Outcome, Timer>>> commands = new HashMap<>();
    private final Map<String, Counter> reconnects = new HashMap<>();
    private final Map<String, Counter> polls = new HashMap<>();
    private final Map<String, Counter> orphans = new HashMap<>();
    private final Counter hubAnswered;
    private final Counter hubUnavailable;
    private final Map<String, Map<IgnoredJob, Counter>> ignored = new HashMap<>();
    private final Map<String, AtomicInteger> frontendUp = new HashMap<>();
    private final Map<String, AtomicLong> lastRefreshMillis = new HashMap<>();
    private final Map<String, AtomicInteger> routesExpected = new HashMap<>();
    private final Map<String, AtomicInteger> routesPresent = new HashMap<>();
    private final Map<String, IntSupplier> tunnels = new ConcurrentHashMap<>();

    /** @param spawnsIn counts the spawns of a cluster in a state, for the spawns gauge */
    public MicrometerMetrics(MeterRegistry registry, Collection<String> clusters, ToIntBiFunction<String, SpawnState> spawnsIn) {
        for (String cluster : clusters) {
            Map<Status, Timer> byStatus = new EnumMap<>(Status.class);
            for (Status s : Status.values()) {
                byStatus.put(s, timer(registry, SPAWN_DURATION, "From the spawn request to ready or failure", BUCKETS,
                        "cluster", cluster, "status", label(s)));
            }
            spawnDurations.put(cluster, byStatus);
            queueWaits.put(cluster, timer(registry, QUEUE_WAIT, "From submission to OAR's Running", BUCKETS, "cluster", cluster));
            runningToReady.put(cluster, timer(registry, RUNNING_TO_READY, "From OAR's Running to the notebook answering",
                    BUCKETS, "cluster", cluster));
            for (SpawnState state : SpawnState.values()) {
                Gauge.builder(SPAWNS, () -> spawnsIn.applyAsInt(cluster, state)).description("Spawns by cluster and state")
                        .tags("cluster", cluster, "state", label(state)).register(registry);
            }
            Map<Command, Map<Outcome, Timer>> byCommand = new EnumMap<>(Command.class);
            for (Command c : Command.values()) {
                Map<Outcome, Timer> byOutcome = new EnumMap<>(Outcome.class);
                for (Outcome o : Outcome.values()) {
                    byOutcome.put(o, timer(registry, OAR_COMMAND, "OAR commands on the frontend, over SSH", COMMAND_BUCKETS,
                            "cluster", cluster, "command", label(c), "outcome", label(o)));
                }
                byCommand.put(c, byOutcome);
            }
            commands.put(cluster, byCommand);
            reconnects.put(cluster, Counter.builder(SSH_RECONNECTS).description("SSH connections made again after a drop")
                    .tags("cluster", cluster).register(registry));
            polls.put(cluster, Counter.builder(POLLS).description("Poll ticks that sent a status command")
                    .tags("cluster", cluster).register(registry));
            orphans.put(cluster, Counter.builder(ORPHANS_CANCELLED)
                    .description("Jobs cancelled because the reachable hub had not known their server for hub.orphanGrace")
                    .tags("cluster", cluster).register(registry));
            Map<IgnoredJob, Counter> byReason = new EnumMap<>(IgnoredJob.class);
            for (IgnoredJob why : IgnoredJob.values()) {
                byReason.put(why, Counter.builder(JOBS_IGNORED)
                        .description("Jobs named like this service's that were not taken for a spawn (someone's: never cancelled)")
                        .tags("cluster", cluster, "reason", label(why)).register(registry));
            }
            ignored.put(cluster, byReason);
            frontendUp.put(cluster, gauge(registry, FRONTEND_UP, cluster,
                    "1 if the last command sent to the cluster's frontend reached it, 0 if it could not"));
            AtomicLong refreshed = new AtomicLong();
            lastRefreshMillis.put(cluster, refreshed);
            Gauge.builder(POLL_LAST_SUCCESS, () -> refreshed.get() / 1000.0).baseUnit("seconds").tags("cluster", cluster)
                    .description("When the cluster's state was last refreshed from OAR (a poll, or a ping with nothing to poll), Unix time")
                    .register(registry);
            routesExpected.put(cluster, gauge(registry, ROUTES_EXPECTED, cluster,
                    "Ready spawns that should have a proxy route, at the route keeper's last check"));
            routesPresent.put(cluster, gauge(registry, ROUTES_PRESENT, cluster,
                    "Of the ready spawns, those whose route the proxy had at the route keeper's last check"));
            Gauge.builder(TUNNELS_OPEN, () -> tunnels.getOrDefault(cluster, () -> 0).getAsInt()).tags("cluster", cluster)
                    .description("SSH tunnels open to the cluster's nodes (ssh-tunnel reachability)").register(registry);
        }
        hubAnswered = Counter.builder(HUB_CHECKS).description("Checks of the hub's servers, by outcome")
                .tags("outcome", "answered").register(registry);
        hubUnavailable = Counter.builder(HUB_CHECKS).description("Checks of the hub's servers, by outcome")
                .tags("outcome", "unavailable").register(registry);
    }

    private static AtomicInteger gauge(MeterRegistry registry, String name, String cluster, String description) {
        AtomicInteger value = new AtomicInteger();
        Gauge.builder(name, value::get).description(description).tags("cluster", cluster).register(registry);
        return value;
    }

    private static Timer timer(MeterRegistry registry, String name, String description, Duration[] buckets, String... tags) {
        return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(buckets)
                .minimumExpectedValue(buckets[0]).maximumExpectedValue(buckets[buckets.length - 1]).register(registry);
    }

    private static String label(Enum<?> e) {
        return e.name().toLowerCase().replace('_', '-');
    }

    @Override
    public void spawnFinished(String cluster, Status status, Duration duration) {
        record(spawnDurations.get(cluster) == null ? null : spawnDurations.get(cluster).get(status), duration);
    }

    @Override
    public void queueWait(String cluster, Duration duration) {
        record(queueWaits.get(cluster), duration);
    }

    @Override
    public void runningToReady(String cluster, Duration duration) {
        record(runningToReady.get(cluster), duration);
    }

    @Override
    public void command(String cluster, Command command, Outcome outcome, Duration duration) {
        Map<Command, Map<Outcome, Timer>> c = commands.get(cluster);
        record(c == null ? null : c.get(command).get(outcome), duration);
    }

    @Override
    public void polled(String cluster) {
        Counter c = polls.get(cluster);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void reconnected(String cluster) {
        Counter c = reconnects.get(cluster);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void jobIgnored(String cluster, IgnoredJob why) {
        Map<IgnoredJob, Counter> c = ignored.get(cluster);
        if (c != null) {
            c.get(why).increment();
        }
    }

    @Override
    public void hubChecked(boolean answered) {
        (answered ? hubAnswered : hubUnavailable).increment();
    }

    @Override
    public void orphanCancelled(String cluster) {
        Counter c = orphans.get(cluster);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void frontendReached(String cluster, boolean reached) {
        set(frontendUp, cluster, reached ? 1 : 0);
    }

    @Override
    public void tunnelsOpen(String cluster, IntSupplier open) {
        tunnels.put(cluster, open);
    }

    @Override
    public void refreshed(String cluster, Instant at) {
        AtomicLong t = lastRefreshMillis.get(cluster);
        if (t != null) {
            t.accumulateAndGet(at.toEpochMilli(), Math::max);
        }
    }

    @Override
    public void routes(String cluster, int expected, int present) {
        set(routesExpected, cluster, expected);
        set(routesPresent, cluster, present);
    }

    private static void set(Map<String, AtomicInteger> gauges, String cluster, int value) {
        AtomicInteger g = gauges.get(cluster);
        if (g != null) {
            g.set(value);
        }
    }

    private static void record(Timer t, Duration d) {
        if (t != null && !d.isNegative()) {
            t.record(d);
        }
    }
}
