package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.proxy.Chp;

/**
 * Debian's Prometheus scrapes the service (a real process with the example configuration, a real CHP, the local OAR
 * cluster) every 2 s and evaluates deploy/monitoring/oarspawner-rules.yml as it is, through a run with successful
 * spawns on the CPU and the GPU cluster, a spawn that queues behind a full node, a cancel while queued, a spawn
 * refused by OAR's admission rules, and the frontend's sshd stopped until OarspawnerFrontendUnreachable fires. Then
 * every query of the Grafana dashboard, with its variables substituted, must return series, and data where the run
 * made some; the alert must have fired and resolved. Screenshots of Prometheus's pages go to service/target/screenshots.
 */
class PrometheusIT {
    static final String ALERT = "OarspawnerFrontendUnreachable";
    /** Grafana's $__rate_interval for a 2 s scrape: max($__interval + scrape interval, 4 x scrape interval). */
    static final String RATE_INTERVAL = "8s";

    @Test
    void everyPanelHasDataFromARealRunAndTheFrontendAlertFiresAndResolves() throws Exception {
        long t0 = now();
        Throwable failure = null;
        try (Chp chp = new Chp();
             ServiceProcess service = new ServiceProcess(ServiceProcess.freshInstance("prom"), ServiceProcess.managing(chp)).start();
             PrometheusServer prom = new PrometheusServer("127.0.0.1:" + service.port)) {
            ServiceProcess.waitUntil(() -> prom.targetHealth().equals("up"), "prometheus scrapes the service");
            assertTheClusterIsIdle();
            runSpawns(service);
            Outage outage = stopFrontendUntilTheAlertFires(prom);
            // The service's spawns came through the outage.
            assertThat(service.server("alice", "cpu").getString("state")).isEqualTo("ready");
            assertThat(service.server("alice", "queued").getString("state")).isEqualTo("ready");
            Thread.sleep(6000); // three more scrapes after recovery

            Map<String, JsonArray> results = runEveryDashboardQuery(prom, service.port, t0);
            assertTheRunShows(results);
            assertEveryExposedMeterIsDocumented(prom);
            PrometheusPages.graphs(prom, variables(prom), t0);
            System.out.printf("[prometheus] sshd stopped -> %s firing after %d s, resolved %d s after sshd started "
                    + "(%d s after it stopped); the whole test took %d s%n", ALERT, outage.firing - outage.stopped,
                    outage.resolved - outage.started, outage.resolved - outage.stopped, now() - t0);
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            try {
                Sshd.ensureRunning();
            } catch (AssertionError e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * The run needs the nodes to itself (someone else's job would queue its spawns): it waits up to 60 s for jobs
     * still ending (an earlier test's), then names those left.
     */
    private static void assertTheClusterIsIdle() throws InterruptedException {
        JsonObject busy = new JsonObject();
        for (long deadline = now() + 60; now() < deadline; Thread.sleep(1000)) {
            String out = LocalCluster.run("oarstat", "-J", "--sql",
                    "state in ('Waiting','toLaunch','Launching','Running','Hold','Suspended','Finishing')");
            busy = out.isBlank() ? new JsonObject() : new JsonObject(out);
            if (busy.isEmpty()) {
                return;
            }
        }
        throw new AssertionError("jobs not of this test hold the cluster (deploy/cluster/clear-jobs.sh clears them): "
                + busy.fieldNames());
    }

    /** Successes on cpu and gpu, a spawn queued behind a full GPU node, a cancel while queued, an admission refusal. */
    private static void runSpawns(ServiceProcess service) throws Exception {
        created(service, "alice", "cpu", ServiceProcess.body("cpu", 0, LocalCluster.HTTP_SERVER));
        created(service, "bob", "fill", ServiceProcess.body("gpu", 2, LocalCluster.HTTP_SERVER));
        service.waitFor("alice", "cpu", s -> s.getString("state").equals("ready"));
        service.waitFor("bob", "fill", s -> s.getString("state").equals("ready"));
        created(service, "alice", "queued", ServiceProcess.body("gpu", 1, LocalCluster.HTTP_SERVER));
        created(service, "alice", "cancelled", ServiceProcess.body("gpu", 1, LocalCluster.HTTP_SERVER));
        service.waitFor("alice", "queued", s -> s.getString("state").equals("queued") && s.containsKey("estimatedStart"));
        service.waitFor("alice", "cancelled", s -> s.getString("state").equals("queued"));
        assertThat(service.call("DELETE", "/api/v1/users/alice/servers/cancelled", null).statusCode()).isEqualTo(202);
        service.waitFor("alice", "cancelled", s -> s.getString("state").equals("stopped"));
        Thread.sleep(4000); // the queued spawn waits a few seconds more, then the node is freed
        assertThat(service.call("DELETE", "/api/v1/users/bob/servers/fill", null).statusCode()).isEqualTo(202);
        service.waitFor("alice", "queued", s -> s.getString("state").equals("ready"));
        // OAR's admission rule refuses a devel job over 00:30:00: the PUT answers 202 at once, and the spawn fails with
        // OAR's message and the code a PUT once answered with.
        HttpResponse<String> refused = service.call("PUT", "/api/v1/users/alice/servers/devel", ServiceProcess.body("cpu", 0,
                LocalCluster.HTTP_SERVER).put("types", new JsonArray().add("devel")).put("walltime", "1:00"));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(202);
        JsonObject failed = service.waitFor("alice", "devel", s -> s.getString("state").equals("failed"));
        assertThat(failed.getString("code")).isEqualTo("rejected_by_oar");
        assertThat(failed.getString("failure")).isEqualTo("rejected");
        assertThat(failed.getString("message")).contains("devel jobs may not exceed a walltime of 00:30:00");
    }

    private static void created(ServiceProcess service, String user, String name, JsonObject body) throws Exception {
        HttpResponse<String> r = service.call("PUT", "/api/v1/users/" + user + "/servers/" + name, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    record Outage(long stopped, long firing, long started, long resolved) {
    }

    /** Stops the users' sshd (the frontend of every cluster here) until the alert fires, then starts it again. */
    private static Outage stopFrontendUntilTheAlertFires(PrometheusServer prom) throws Exception {
        long stopped = now();
        long firing;
        Sshd.stop();
        try {
            firing = waitForAlert(prom, a -> a.getString("state").equals("firing"), 240);
            JsonArray down = prom.queryRange("oarspawner_frontend_up{cluster=\"cpu\"} == 0", stopped, firing, 1);
            assertThat(down).as("frontend_up{cpu} went to 0").isNotEmpty();
            System.out.printf("[prometheus] sshd stopped -> frontend_up{cpu} 0 in Prometheus after %.0f s%n",
                    Double.parseDouble(down.getJsonObject(0).getJsonArray("values").getJsonArray(0).getValue(0).toString()) - stopped);
            List<JsonObject> alerts = prom.alerts();
            System.out.println("[prometheus] alerts while sshd is stopped: " + alerts.stream()
                    .map(a -> a.getJsonObject("labels").getString("alertname") + "{" + a.getJsonObject("labels").getString("cluster")
                            + "} " + a.getString("state")).collect(Collectors.joining(", ")));
            assertThat(alerts).filteredOn(a -> a.getString("state").equals("firing"))
                    .extracting(a -> a.getJsonObject("labels").getString("cluster")).contains("cpu", "gpu");
            // The service itself was up throughout, and the stalled polls are the frontend alert's, not another's.
            assertThat(alerts).extracting(a -> a.getJsonObject("labels").getString("alertname"))
                    .doesNotContain("OarspawnerDown", "OarspawnerPollingStalled");
            assertThat(alerts).filteredOn(a -> a.getJsonObject("labels").getString("alertname").equals(ALERT))
                    .allSatisfy(a -> assertThat(a.getJsonObject("annotations").getString("runbook_url"))
                            .isEqualTo("docs/operations.md#oarspawnerfrontendunreachable"));
            PrometheusPages.save(List.of("prometheus-alert-firing.png", prom.base() + "/classic/alerts"));
        } finally {
            Sshd.start();
        }
        long started = now();
        long resolved = waitForAlert(prom, null, 120);
        return new Outage(stopped, firing, started, resolved);
    }

    /**
     * Polls /api/v1/alerts until the alert matches (any of its instances), or, with no predicate, until it is gone;
     * returns the time it happened.
     */
    private static long waitForAlert(PrometheusServer prom, Predicate<JsonObject> state, int seconds) throws Exception {
        long deadline = now() + seconds;
        while (now() < deadline) {
            List<JsonObject> mine = prom.alerts().stream()
                    .filter(a -> a.getJsonObject("labels").getString("alertname").equals(ALERT)).toList();
            if (state == null ? mine.isEmpty() : mine.stream().anyMatch(state)) {
                return now();
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(ALERT + (state == null ? " never resolved" : " never fired") + " in " + seconds + " s; "
                + prom.alerts());
    }

    /** Grafana's substitution of the variables with "All" selected, the values taken as its label_values() would. */
    static Map<String, String> variables(PrometheusServer prom) throws Exception {
        List<String> instances = prom.labelValues("instance", "oarspawner_polls_total");
        List<String> clusters = prom.labelValues("cluster", "oarspawner_polls_total");
        assertThat(instances).hasSize(1);
        assertThat(clusters).contains("cpu", "gpu", "bench");
        return Map.of("instance", "(" + instances.stream().map(i -> i.replace(".", "\\\\.")).collect(Collectors.joining("|")) + ")",
                "cluster", "(" + String.join("|", clusters) + ")");
    }

    private static Map<String, JsonArray> runEveryDashboardQuery(PrometheusServer prom, int port, long t0) throws Exception {
        Map<String, String> vars = variables(prom);
        Map<String, JsonArray> results = new LinkedHashMap<>();
        List<String> empty = new ArrayList<>();
        long end = now();
        for (Monitoring.Query q : Monitoring.queries(Monitoring.dashboard())) {
            String expr = q.substituted(vars.get("instance"), vars.get("cluster"), RATE_INTERVAL);
            JsonArray series = prom.queryRange(expr, t0, end, 2);
            results.put(q.title() + " " + q.refId(), series);
            double max = series.stream().flatMap(x -> ((JsonObject) x).getJsonArray("values").stream())
                    .mapToDouble(v -> Double.parseDouble(((JsonArray) v).getString(1))).filter(Double::isFinite).max().orElse(Double.NaN);
            System.out.printf("[panel %d] %s %s: %d series, max %.4g <- %s%n", q.panel(), q.title(), q.refId(), series.size(), max, expr);
            if (series.isEmpty()) {
                empty.add(q.title() + " " + q.refId() + ": " + expr);
            }
        }
        assertThat(empty).as("dashboard queries that returned nothing").isEmpty();
        return results;
    }

    /** Where the run made data, the panels show it. */
    private static void assertTheRunShows(Map<String, JsonArray> r) {
        RangeSeries spawns = new RangeSeries(r.get("Spawns by state and cluster A"));
        assertThat(spawns.max(m -> m.getString("state").equals("ready") && m.getString("cluster").equals("cpu"))).isPositive();
        assertThat(spawns.max(m -> m.getString("state").equals("ready") && m.getString("cluster").equals("gpu"))).isPositive();
        assertThat(spawns.max(m -> m.getString("state").equals("queued"))).as("queued").isPositive();
        assertThat(spawns.max(m -> m.getString("state").equals("stopped"))).as("the cancel").isPositive();
        assertThat(new RangeSeries(r.get("Spawn duration, successes (heatmap) A")).max(m -> true)).isPositive();
        RangeSeries duration = new RangeSeries(r.get("Spawn duration p50 / p95, successes B"));
        assertThat(duration.max(m -> m.getString("cluster").equals("cpu"))).isPositive();
        assertThat(duration.max(m -> m.getString("cluster").equals("gpu"))).isPositive();
        assertThat(new RangeSeries(r.get("Failed spawns by reason A")).max(m -> m.getString("status").equals("rejected")
                && m.getString("cluster").equals("cpu"))).as("the admission refusal").isPositive();
        assertThat(new RangeSeries(r.get("Queue wait p50 / p95 B")).max(m -> m.getString("cluster").equals("gpu")))
                .as("the queued spawn's wait").isGreaterThanOrEqualTo(4);
        assertThat(new RangeSeries(r.get("Running → ready p50 / p95 B")).max(m -> true)).isPositive();
        RangeSeries commands = new RangeSeries(r.get("OAR commands by command and outcome A"));
        assertThat(commands.max(m -> m.getString("command").equals("oarsub") && m.getString("outcome").equals("success"))).isPositive();
        assertThat(commands.max(m -> m.getString("command").equals("oardel") && m.getString("outcome").equals("success")))
                .as("the cancel's oardel").isPositive();
        assertThat(new RangeSeries(r.get("OAR command failures A")).max(m -> true)).as("commands failed in the outage").isPositive();
        assertThat(new RangeSeries(r.get("OAR command latency p95 A")).max(m -> m.getString("command").equals("oarstat"))).isPositive();
        RangeSeries up = new RangeSeries(r.get("Frontend up A"));
        assertThat(up.min(m -> m.getString("cluster").equals("cpu"))).isZero();
        assertThat(up.last(m -> m.getString("cluster").equals("cpu"))).isEqualTo(1);
        assertThat(new RangeSeries(r.get("Poll age A")).max(m -> m.getString("cluster").equals("cpu"))).isGreaterThan(60);
        assertThat(new RangeSeries(r.get("SSH reconnects A")).max(m -> true)).as("reconnects after the outage").isPositive();
        assertThat(new RangeSeries(r.get("Proxy routes: expected and present A")).max(m -> true)).isPositive();
        assertThat(new RangeSeries(r.get("Proxy routes: expected and present B")).max(m -> true)).isPositive();
        JsonArray rest = r.get("REST requests by route and status A");
        List<String> routes = new ArrayList<>();
        rest.forEach(s -> routes.add(((JsonObject) s).getJsonObject("metric").getString("route", "")));
        assertThat(routes).contains("/api/v1/users/:user/servers/:name").noneMatch(route -> route.contains("alice"));
        assertThat(new RangeSeries(r.get("REST latency p99 by route A")).max(m -> true)).isPositive();
        assertThat(new RangeSeries(r.get("JVM heap and process memory A")).max(m -> true)).isPositive();
        assertThat(new RangeSeries(r.get("JVM heap and process memory D")).max(m -> true)).as("RSS").isPositive();
        assertThat(new RangeSeries(r.get("JVM threads A")).max(m -> true)).isPositive();
        assertThat(r.get("annotation oarspawner alerts -")).as("the firing alert as an annotation").isNotEmpty();
    }

    /** The runbook's metrics reference names every meter that the real scrape exposes (Prometheus's own aside). */
    private static void assertEveryExposedMeterIsDocumented(PrometheusServer prom) throws Exception {
        String reference = RunbookTest.sections().get("metrics-reference");
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String name : prom.labelValues("__name__", "{job=\"oarspawner\"}")) {
            names.add(name.replaceAll("_(bucket|count|sum|max|created)$", ""));
        }
        System.out.println("[prometheus] meters scraped from the service: " + String.join(" ", names));
        names.removeIf(n -> n.equals("up") || n.startsWith("ALERTS") || n.startsWith("scrape_"));
        assertThat(names).hasSizeGreaterThan(40).allSatisfy(n -> assertThat(reference).as("metrics reference").contains("`" + n + "`"));
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
