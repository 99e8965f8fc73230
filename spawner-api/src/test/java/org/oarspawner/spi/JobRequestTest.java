package org.oarspawner.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobRequestTest {
    static final String[] HOSTILE = {";", "a;b", "$(id)", "`id`", "a'b", "a\"b", "a\nb", "--help", "-x", "é", "x".repeat(300),
        "a b", "a|b", "a&b", "a>b", "*", "a%b", "a\\b", ""};

    static JobRequest.Builder valid() {
        return JobRequest.builder(new SpawnKey("alice", "gpu"), "gpu", "alice").command("jupyterhub-singleuser");
    }

    static Stream<Arguments> hostileFields() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (String v : HOSTILE) {
            s.add(Arguments.of("user", v, (Runnable) () -> new SpawnKey(v, "")));
            if (!v.isEmpty()) {
                s.add(Arguments.of("server", v, (Runnable) () -> new SpawnKey("alice", v)));
            }
            s.add(Arguments.of("cluster", v, (Runnable) () -> JobRequest.builder(new SpawnKey("alice", ""), v, "alice").command("x").build()));
            s.add(Arguments.of("login", v, (Runnable) () -> JobRequest.builder(new SpawnKey("alice", ""), "cpu", v).command("x").build()));
            s.add(Arguments.of("project", v, (Runnable) () -> valid().project(v).build()));
            s.add(Arguments.of("gpuModel", v, (Runnable) () -> valid().gpus(1).gpuModel(v).build()));
            s.add(Arguments.of("types", v, (Runnable) () -> valid().type(v).build()));
            s.add(Arguments.of("properties", v, (Runnable) () -> valid().property(v, "x").build()));
            s.add(Arguments.of("properties.drain", v, (Runnable) () -> valid().property("drain", v).build()));
            s.add(Arguments.of("environment", v, (Runnable) () -> valid().env(v, "x").build()));
        }
        return s.build();
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("hostileFields")
    void hostileValuesAreRefusedNamingTheField(String field, String value, Runnable build) {
        assertThatThrownBy(build::run).isInstanceOfSatisfying(InvalidFieldException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void freeTextMayHoldShellCharactersButNoControlCharacters() {
        JobRequest r = valid().command("python3", "-c", "print('$(id) `id` ; | & é')").env("JUPYTERHUB_API_TOKEN", "a'b\"c$d").build();
        assertThat(r.command()).hasSize(3);
        assertField("command", () -> valid().command("x", "a\nb").build());
        assertField("command", () -> valid().command("x", "a\0b").build());
        assertField("command", () -> valid().command("").build());
        assertField("command", () -> valid().command("x", "y".repeat(5000)).build());
        assertField("environment.TOKEN", () -> valid().env("TOKEN", "a\0b").build());
    }

    @Test
    void numbersAndWalltimeHaveRanges() {
        assertField("nodes", () -> valid().nodes(0).build());
        assertField("cores", () -> valid().cores(-1).build());
        assertField("cores", () -> valid().cores(0).gpus(0).build());
        assertField("gpus", () -> valid().gpus(65).build());
        assertField("gpuModel", () -> valid().gpus(0).gpuModel("A100").build());
        assertField("walltime", () -> valid().walltime(Duration.ZERO).build());
        assertField("walltime", () -> valid().walltime(Duration.ofDays(31)).build());
        assertField("walltime", () -> valid().walltime(Duration.ofMillis(1500)).build());
        assertThat(valid().gpus(2).gpuModel("A100").walltime(Duration.ofHours(4)).build().gpus()).isEqualTo(2);
    }

    @Test
    void theMessageSaysWhatIsAllowed() {
        assertThatThrownBy(() -> valid().project("pr x").build()).hasMessage(
                "project: must be 1-64 characters: letters, digits, '.', '_', '-' (e.g. pr-training)");
    }

    private static void assertField(String field, Runnable r) {
        Consumer<InvalidFieldException> check = e -> assertThat(e.field()).isEqualTo(field);
        assertThatThrownBy(r::run).isInstanceOfSatisfying(InvalidFieldException.class, check);
    }
}
