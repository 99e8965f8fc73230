package org.oarspawner.service;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.http.ApiServer;
import org.oarspawner.hub.HubClient;
import org.oarspawner.hub.HubConfig;
import org.oarspawner.hub.OrphanReaper;
import org.oarspawner.metrics.HttpMetrics;
import org.oarspawner.metrics.MicrometerMetrics;
import org.oarspawner.oar.OarClusterConfig;
import org.oarspawner.oar.JobName;
import org.oarspawner.oar.OarScheduler;
import org.oarspawner.proxy.ChpRouteRegistry;
import org.oarspawner.spawn.Retention;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.UntrackedJobs;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the service: reads the configuration, rebuilds the spawns from OAR, then serves the API.
 * Usage: Main [config.yaml] (default $OARSPAWNER_CONFIG, then /etc/oarspawner/oarspawner.yaml), or one of the
 * options of {@link Cli}: --version, --check-config [file].
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private static final java.time.Duration UNTRACKED_GRACE = java.time.Duration.ofMinutes(5);
    private static final java.time.Duration UNTRACKED_SWEEP = java.time.Duration.ofMinutes(1);

    private Main() {
    }

    public static void main(String[] args) {
        if (Cli.isOption(args)) {
            System.exit(Cli.run(args, System.getenv(), System.out, System.err));
            return;
        }
        Path file = args.length > 0 ? Path.of(args[0]) : Settings.defaultFile(System.getenv());
        Optional<Settings> loaded = Cli.load(file, System.getenv(), System.err);
        if (loaded.isEmpty()) {
            System.exit(Cli.BAD_CONFIG);
            return;
        }
        Settings settings = loaded.get();
        LOG.info("event=starting version={} config={}", Cli.version(), file);
        ServiceConfig config = settings.config();
        List<OarClusterConfig> clusters = settings.clusters();
        Optional<HubConfig> hub = settings.hub();
        PrometheusMeterRegistry registry = registry();
        Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(HttpMetrics.options()))
                .withMetrics(new MicrometerMetricsFactory(registry)).build();
        SpawnManager[] manager = new SpawnManager[1];
        MicrometerMetrics metrics = new MicrometerMetrics(registry, clusters.stream().map(OarClusterConfig::name).toList(),
                (cluster, state) -> manager[0] == null ? 0 : manager[0].count(cluster, state));
        OarScheduler scheduler = new OarScheduler(vertx, new JobName(config.instance(),
                config.jobNameKey().getBytes(java.nio.charset.StandardCharsets.UTF_8)), clusters, 16, metrics);
        ChpRouteRegistry routes = config.proxy().map(p -> new ChpRouteRegistry(vertx, p.apiUrl(), p.token())).orElse(null);
        manager[0] = new SpawnManager(vertx, scheduler, config.pollTick(), config.startTimeout(), Clock.system(config.timeZone()), metrics,
                routes, config.proxy().map(ServiceConfig.Proxy::baseUrl).orElse("/"),
                new Retention(config.spawns().retention(), config.spawns().maxEnded()),
                cluster -> Optional.ofNullable(config.limits().get(cluster)).map(l -> l.maxWalltime()));
        // Reconciles with the hub's own list of servers only once the spawns are known again from OAR.
        Optional<OrphanReaper> reaper = hub.map(h -> new OrphanReaper(vertx, h, new HubClient(vertx, h.apiUrl(), h.token(),
                Duration.ofSeconds(10)), new OrphanReaper.Spawns() {
                    @Override
                    public Future<List<Spawn.View>> list() {
                        return manager[0].list();
                    }

                    @Override
                    public Future<?> stop(SpawnKey key) {
                        return manager[0].stop(key);
                    }
                }, metrics, Clock.system(config.timeZone())));
        if (reaper.isEmpty()) {
            LOG.info("event=orphan_reaper_disabled reason=\"no hub section in the configuration\"");
        }
        // A job of ours that no spawn tracks (an oarsub cut off by a crash that completed after recovery) is cancelled
        // once older than UNTRACKED_GRACE, which leaves any submission in flight the time to be tracked.
        UntrackedJobs untracked = new UntrackedJobs(vertx, scheduler, Clock.system(config.timeZone()), UNTRACKED_GRACE,
                config.logins()::loginOf, () -> manager[0].list());
        recoverUntilDone(vertx, manager[0], config)
                .onSuccess(n -> reaper.ifPresent(OrphanReaper::start))
                .onSuccess(n -> untracked.start(UNTRACKED_SWEEP))
                .compose(n -> new ApiServer(vertx, config, manager[0], scheduler, registry).start())
                .onFailure(e -> {
                    LOG.error("event=start_failed error=\"{}\"", e.getMessage());
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reaper.ifPresent(OrphanReaper::close);
            untracked.stop();
            manager[0].close();
            scheduler.close();
        }));
    }

    /** The Prometheus registry: the REST API's meters bounded and bucketed, and the JVM's and the process's meters. */
    static PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpMetrics.configure(registry);
        bindJvm(registry);
        return registry;
    }

    /**
     * Micrometer's JVM and process meters: memory, GC pauses, threads, classes, CPU, uptime, open files. Two of its
     * names break Prometheus's rules (promtool check metrics): the process's CPU time in "ns" is given in seconds
     * instead (process_cpu_seconds_total, as Prometheus's own clients name it), and the gauge of CPUs must not end
     * in _count (system_cpus).
     */
    private static void bindJvm(MeterRegistry registry) {
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("The CPU time used by the service's process").register(registry);
        }
        Path status = Path.of("/proc/self/status");
        if (Files.isReadable(status)) {
            Gauge.builder("process.resident.memory", () -> residentBytes(status)).baseUnit("bytes")
                    .description("The service's resident set size (VmRSS of /proc/self/status)").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry); // listens for the life of the process, like the service
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    private static double residentBytes(Path status) {
        try {
            return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Double.parseDouble(l.replaceAll("[^0-9]", "")) * 1024).orElse(Double.NaN);
        } catch (java.io.IOException | NumberFormatException e) {
            return Double.NaN;
        }
    }

    /**
     * OAR is the source of truth: the API opens only once every cluster's jobs are known again, so that a
     * PUT can never make a second job for a spawn that OAR already holds.
     */
    private static Future<Integer> recoverUntilDone(Vertx vertx, SpawnManager manager, ServiceConfig config) {
        Promise<Integer> done = Promise.promise();
        attempt(vertx, manager, config, done);
        return done.future();
    }

    private static void attempt(Vertx vertx, SpawnManager manager, ServiceConfig config, Promise<Integer> done) {
        manager.recover(config.logins()::loginOf).onSuccess(done::complete).onFailure(e -> {
            LOG.warn("event=recover_failed retry_in_ms={} error=\"{}\"", config.pollTick().toMillis(), e.getMessage());
            vertx.setTimer(config.pollTick().toMillis(), t -> attempt(vertx, manager, config, done));
        });
    }
}
