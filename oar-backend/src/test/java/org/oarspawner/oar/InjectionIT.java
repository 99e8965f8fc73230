package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.oar.LocalCluster.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

/** Hostile values never reach a shell: refused before any command, or passed through as literal text. */
@ExtendWith(VertxExtension.class)
class InjectionIT {
    private static final Path MARKER = Path.of("/tmp/oarspawner-pwned");
    private static final String TOUCH = "touch " + MARKER;
    private static final List<String> HOSTILE = List.of("; " + TOUCH, "$(" + TOUCH + ")", "`" + TOUCH + "`",
            "' ; " + TOUCH + " ; '", "\" ; " + TOUCH + " ; \"", "a\nb", "--help", "-t devel", "é 漢字 🚀",
            "x".repeat(4000), "&& " + TOUCH, "| " + TOUCH, "> /tmp/oarspawner-pwned", "\\", "{port}'$(id)'");

    private OarScheduler s;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        Files.deleteIfExists(MARKER);
        s = LocalCluster.scheduler(vertx, "it", Identity.SERVICE_ACCOUNT);
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(s);
        s.close();
    }

    @Test
    void hostileValuesInCheckedFieldsAreRefusedAndNothingIsSent() {
        long before = s.commandsSent("cpu");
        List<String> fields = new ArrayList<>();
        for (String v : HOSTILE) {
            Map<String, Supplier<JobRequest>> attempts = Map.of(
                    "user", () -> request(new SpawnKey(v, "")).build(),
                    "server", () -> request(new SpawnKey("bob", v)).build(),
                    "login", () -> JobRequest.builder(new SpawnKey("bob", ""), "cpu", v).command("x").build(),
                    "project", () -> request(new SpawnKey("bob", "")).project(v).build(),
                    "gpuModel", () -> request(new SpawnKey("bob", "")).gpus(1).gpuModel(v).build(),
                    "types", () -> request(new SpawnKey("bob", "")).type(v).build(),
                    "properties.drain", () -> request(new SpawnKey("bob", "")).property("drain", v).build(),
                    "environment", () -> request(new SpawnKey("bob", "")).env(v, "x").build());
            attempts.forEach((field, attempt) -> {
                assertThatThrownBy(() -> await(s.submit(attempt.get())))
                        .as("%s = %s", field, v)
                        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo(field));
                fields.add(field);
            });
        }
        assertThat(fields).hasSize(HOSTILE.size() * 8);
        assertThat(s.commandsSent("cpu")).as("commands sent to the frontend").isEqualTo(before);
        LocalCluster.assertNoFile(MARKER);
    }

    @Test
    void hostileCommandArgumentsAndEnvironmentArriveLiterally() throws Exception {
        SpawnKey key = new SpawnKey("bob", "literal");
        List<String> args = HOSTILE.stream().filter(v -> !v.contains("\n")).toList();
        String env = String.join("\n", HOSTILE);
        // A notebook stand-in that records what it was given (in the user's home, where notebooks start), then serves HTTP.
        Path received = LocalCluster.home("bob").resolve("received.json");
        Files.deleteIfExists(received);
        String py = "import json, os, sys, http.server; "
                + "json.dump({'argv': sys.argv[2:], 'env': os.environ['HOSTILE']}, open('received.json', 'w')); "
                + "http.server.ThreadingHTTPServer((sys.argv[1], int(os.environ['OARSPAWNER_PORT'])), http.server.SimpleHTTPRequestHandler).serve_forever()";
        List<String> command = new ArrayList<>(List.of("python3", "-c", py, "{host}"));
        command.addAll(args);
        JobRequest r = request(key).command(command).env("HOSTILE", env).build();
        JobRef job = await(s.submit(r));
        LocalCluster.waitFor(s, job, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
        LocalCluster.get(LocalCluster.waitForEndpoint(s, job, key).url() + "/");
        @SuppressWarnings("unchecked")
        Map<String, Object> got = new ObjectMapper().readValue(Files.readString(received), Map.class);
        List<String> expectedArgs = args.stream().map(a -> a.replace("{port}", "")).toList();
        // {port} is the one substitution the script makes; everything else is the text as given.
        assertThat(((List<?>) got.get("argv")).subList(0, args.size() - 1)).isEqualTo(expectedArgs.subList(0, args.size() - 1));
        assertThat((String) ((List<?>) got.get("argv")).get(args.size() - 1)).matches("\\d+'\\$\\(id\\)'");
        assertThat(got.get("env")).isEqualTo(env);
        LocalCluster.assertNoFile(MARKER);
        LocalCluster.cancelAndWait(s, job);
        await(s.cleanUp(job, key));
    }

    private static JobRequest.Builder request(SpawnKey key) {
        return JobRequest.builder(key, "cpu", "bob").project(LocalCluster.PROJECT).command(LocalCluster.HTTP_SERVER);
    }
}
