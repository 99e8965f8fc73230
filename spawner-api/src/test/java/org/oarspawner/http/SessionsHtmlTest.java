package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oarspawner.spawn.FailureReason;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;

/** The sessions page's HTML alone: every value there without a script, and nothing a job or a user wrote unescaped. */
class SessionsHtmlTest {
    static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");

    static String render(PageUser user, List<Spawn.View> views, SessionsHtml.Filter filter, Optional<String> notice) {
        return SessionsHtml.render(new SessionsHtml.Page(user, views, filter, List.of("cpu", "gpu"), "tok\"en<", notice, NOW,
                ZoneId.of("Europe/Paris"), "/services/oarspawner/", "https://hub.example.org"));
    }

    @Test
    void theWalltimeLeftAndEndAreInTheHtmlForReadersWithoutJavaScript() {
        Spawn.View ready = FakeSpawns.view("alice", "gpu1", "gpu", 7, SpawnState.READY, NOW, Optional.empty(), "", "", Optional.empty());
        String html = render(new PageUser("alice", false), List.of(ready), SessionsHtml.Filter.NONE, Optional.empty());
        assertThat(html).contains("<dt>Walltime left</dt>", ">1 h 00 min 00 s</time> (ends 12:00 CET)",
                "datetime=\"2026-11-29T11:00:00Z\"", "data-ends=\"" + NOW.plusSeconds(3600).toEpochMilli() + "\"",
                "href=\"https://hub.example.org/user/alice/gpu1/\"", "<html lang=\"en\">", "<dt>Running since</dt>\n<dd>10:59 CET</dd>");
        // The queue's figures are for a job that waits, not for one that runs.
        assertThat(html).doesNotContain("Estimated start", "Queue position");
        // The XSRF token is an attribute value: escaped like any other.
        assertThat(html).contains("value=\"tok&quot;en&lt;\"").doesNotContain("tok\"en<");
        assertThat(SessionsHtml.left(Duration.ofSeconds(7509))).isEqualTo("2 h 05 min 09 s");
        assertThat(SessionsHtml.left(Duration.ofSeconds(-5))).isEqualTo("0 h 00 min 00 s");
    }

    @Test
    void everythingAJobOrAUserWroteIsEscaped() {
        Spawn.View failed = FakeSpawns.view("bob", "x", "cpu", 9, SpawnState.FAILED, NOW, Optional.of(FailureReason.REJECTED),
                "\"><img src=x onerror=alert(1)>", "</pre><script>alert(1)</script>&amp;", Optional.empty());
        String html = render(new PageUser("bob", false), List.of(failed), SessionsHtml.Filter.NONE,
                Optional.of("refused: <i>OAR's</i> \"text\""));
        assertThat(html).contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;",
                "refused: &lt;i&gt;OAR&#39;s&lt;/i&gt; &quot;text&quot;", "failed (rejected)");
        assertThat(html).doesNotContain("<img", "<script>alert", "<i>OAR");
        // An ended spawn has nothing to extend or stop, and no countdown.
        assertThat(html).doesNotContain("/stop\"", "/extend\"", "countdown\"");
    }

    @Test
    void anAdminsFilterKeepsOnlyWhatMatchesAndMarksTheChoice() {
        List<Spawn.View> all = List.of(
                FakeSpawns.view("alice", "", "cpu", 101, SpawnState.READY, NOW, Optional.empty(), "", "", Optional.empty()),
                FakeSpawns.view("bob", "", "gpu", 202, SpawnState.QUEUED, NOW, Optional.empty(), "", "", Optional.of(1)));
        String html = render(new PageUser("carol", true), all,
                new SessionsHtml.Filter(Optional.of("gpu"), Optional.empty()), Optional.empty());
        assertThat(html).contains("<option value=\"gpu\" selected>", "<dd>202</dd>").doesNotContain("<dd>101</dd>");
        // The admin stops bob's server, extends nobody else's, and opens no one else's notebook.
        assertThat(html).contains("users/bob/servers/_default/stop").doesNotContain("extend", "Open the notebook");
        assertThat(render(new PageUser("carol", true), all, SessionsHtml.Filter.NONE, Optional.empty()))
                .contains("<dd>101</dd>", "<dd>202</dd>");
    }

    @Test
    void aPendingExtensionShowsInsteadOfTheButtonAndEndingSoonWarns() {
        Spawn.View v = FakeSpawns.view("alice", "", "cpu", 7, SpawnState.READY, NOW, Optional.empty(), "", "", Optional.empty());
        Spawn.View pending = new Spawn.View(v.key(), v.cluster(), v.login(), v.jobId(), v.state(), v.failure(), v.message(), v.nodes(),
                v.url(), v.queuePosition(), v.scheduledStart(), v.submittedAt(), v.runningAt(), v.readyAt(), v.walltimeEnd(),
                v.exitStatus(), v.stderrTail(), Optional.of(Duration.ofHours(1)), Optional.of(new Spawn.WalltimeRequest(
                        Spawn.WalltimeRequest.State.PENDING, Duration.ofHours(1), NOW, "Accepted: <it will be handled shortly>",
                        Duration.ofHours(1))), true);
        String html = render(new PageUser("alice", false), List.of(pending), SessionsHtml.Filter.NONE, Optional.empty());
        assertThat(html).contains("<dt>Walltime extension</dt>", "+1:00 asked at 11:00 CET: accepted by OAR, applied at its next pass",
                "(Accepted: &lt;it will be handled shortly&gt;)", "class=\"warning\" role=\"alert\">Ending soon");
        assertThat(html).doesNotContain("/extend\"").contains("/stop\"");
    }

    @Test
    void theXsrfCheckNeedsTheSessionsOwnNonEmptyToken() {
        assertThat(Xsrf.matches("abc", "abc")).isTrue();
        assertThat(Xsrf.matches("abc", "abd")).isFalse();
        assertThat(Xsrf.matches("abc", "ab")).isFalse();
        assertThat(Xsrf.matches("abc", null)).isFalse();
        assertThat(Xsrf.matches(null, null)).isFalse();
        assertThat(Xsrf.matches("", "")).isFalse();
    }
}
