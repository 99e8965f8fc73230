package org.oarspawner.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operators' files of deploy/monitoring (dashboard, alert rules and their tests) as the tests read them, and
 * Debian's promtool run on them.
 */
final class Monitoring {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path DIR = ROOT.resolve("deploy/monitoring");
    static final Path DASHBOARD = DIR.resolve("oarspawner.json");
    static final Path RULES = DIR.resolve("oarspawner-rules.yml");
    static final Path RULES_TEST = DIR.resolve("oarspawner-rules.test.yml");
    static final Path RUNBOOK = ROOT.resolve("docs/operations.md");
    static final String PROMTOOL = System.getProperty("promtool", "/usr/bin/promtool");
    /** The alerts of the metric contract (/work/coord/METRICS.md). */
    static final List<String> ALERTS = List.of("OarspawnerDown", "OarspawnerFrontendUnreachable", "OarspawnerPollingStalled",
            "OarspawnerSpawnFailureRatioHigh", "OarspawnerRoutesMissing", "OarspawnerQueueWaitLong");

    private Monitoring() {
    }

    /** One query of the dashboard: a panel's target, or an annotation's (panel 0). */
    record Query(int panel, String title, String refId, String expr) {
        String substituted(String instance, String cluster, String rateInterval) {
            return expr.replace("$__rate_interval", rateInterval).replace("$instance", instance).replace("$cluster", cluster);
        }
    }

    static JsonObject dashboard() throws IOException {
        return new JsonObject(Files.readString(DASHBOARD));
    }

    static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> out = new ArrayList<>();
        dashboard.getJsonArray("panels").forEach(p -> out.add((JsonObject) p));
        return out;
    }

    static List<Query> queries(JsonObject dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonObject p : panels(dashboard)) {
            for (Object t : p.getJsonArray("targets", new JsonArray())) {
                JsonObject target = (JsonObject) t;
                out.add(new Query(p.getInteger("id"), p.getString("title"), target.getString("refId"), target.getString("expr")));
            }
        }
        for (Object a : dashboard.getJsonObject("annotations", new JsonObject()).getJsonArray("list", new JsonArray())) {
            JsonObject annotation = (JsonObject) a;
            out.add(new Query(0, "annotation " + annotation.getString("name"), "-", annotation.getString("expr")));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
    }

    /** The alerting rules of the group "oarspawner", as parsed YAML maps. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> alertRules() throws IOException {
        for (Map<String, Object> group : (List<Map<String, Object>>) yaml(RULES).get("groups")) {
            if ("oarspawner".equals(group.get("name"))) {
                return ((List<Map<String, Object>>) group.get("rules")).stream().filter(r -> r.containsKey("alert")).toList();
            }
        }
        throw new AssertionError("no group oarspawner in " + RULES);
    }

    /** The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces as dashes. */
    static String anchor(String heading) {
        return heading.strip().toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    record Run(int exit, String output) {
    }

    /** Runs promtool with these arguments in deploy/monitoring; prints and returns its output. */
    static Run promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PROMTOOL));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("promtool", ".out");
        Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not end in 120 s");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        System.out.println("[promtool " + String.join(" ", args) + "] exit " + p.exitValue() + "\n" + out);
        return new Run(p.exitValue(), out);
    }
}
