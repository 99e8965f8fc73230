package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathGuardTest {
    @Test
    void cleanPathsPass() {
        for (String p : List.of("/", "/api/v1/profiles", "/api/v1/users/alice/servers/_default", "/api/v1/users/al%2Bice/servers/x",
                "/api/v1/users/a.b/servers/x", "/api/v1/users/alice@example.org/servers/x/events", "/metrics/", "/health/ready")) {
            assertThat(PathGuard.problem(p)).as(p).isEmpty();
        }
    }

    @Test
    void everyHostileFormIsRefused() {
        for (String p : HostilePaths.to("alice", "bob", "x")) {
            assertThat(PathGuard.problem(p)).as(p).isPresent();
            assertThat(PathGuard.problem(p + "/events")).as(p).isPresent();
        }
        for (String p : List.of("/..", "/.", "/a/..", "/a/./b", "//a", "/a//b", "/a;b", "/a%2Fb", "/a%5cb", "/a\\b", "/a/%2E",
                "/%2e%2E/x", "a/b", "*", "")) {
            assertThat(PathGuard.problem(p)).as(p).isPresent();
        }
    }

    @Test
    void theRawPathIsThePathAsSent() {
        assertThat(PathGuard.rawPath("/a/b?x=../..#f")).isEqualTo("/a/b");
        // A client never sends a fragment; the router may not cut the path there either, so '#' stays in and is refused.
        assertThat(PathGuard.problem(PathGuard.rawPath("/api/v1/users/alice/servers/x#/../../../bob/servers/y"))).isPresent();
        assertThat(PathGuard.rawPath("http://127.0.0.1:9081/api/../x?y")).isEqualTo("/api/../x");
        assertThat(PathGuard.rawPath("/a/b#frag")).isEqualTo("/a/b#frag");
        assertThat(PathGuard.rawPath(null)).isEmpty();
    }
}
