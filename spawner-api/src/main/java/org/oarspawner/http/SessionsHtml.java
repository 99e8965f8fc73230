package org.oarspawner.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;

/**
 * The HTML of the sessions page: one section per server, readable without JavaScript (every value is rendered
 * here; countdown.js only makes the walltime left tick), every value escaped, forms that POST with the XSRF token.
 */
final class SessionsHtml {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm z", Locale.ENGLISH);
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("EEE d MMM HH:mm z", Locale.ENGLISH);

    /** The admin view's filters (GET ?cluster=&state=), already checked against the known values. */
    record Filter(Optional<String> cluster, Optional<SpawnState> state) {
        static final Filter NONE = new Filter(Optional.empty(), Optional.empty());

        boolean accepts(Spawn.View v) {
            return cluster.map(c -> c.equals(v.cluster())).orElse(true) && state.map(s -> s == v.state()).orElse(true);
        }
    }

    /** Everything one rendering needs. */
    record Page(PageUser user, List<Spawn.View> views, Filter filter, List<String> clusters, String xsrf,
                Optional<String> notice, Instant now, ZoneId zone, String prefix, String publicUrl) {
    }

    private SessionsHtml() {
    }

    static String render(Page p) {
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>HPC sessions</title>\n")
                .append("<link rel=\"stylesheet\" href=\"").append(esc(p.prefix())).append("static/sessions.css\">\n")
                .append("<script defer src=\"").append(esc(p.prefix())).append("static/countdown.js\"></script>\n")
                .append("</head>\n<body>\n<header><nav aria-label=\"Hub\"><a href=\"").append(esc(p.publicUrl()))
                .append("/hub/home\">Hub home</a></nav>\n<h1>HPC sessions</h1>\n<p class=\"who\">Logged in as <strong>")
                .append(esc(p.user().name())).append("</strong>").append(p.user().admin() ? " (hub admin: every user's sessions)" : "")
                .append("</p>\n<form class=\"logout\" method=\"post\" action=\"").append(esc(p.prefix())).append("logout\">\n")
                .append("<input type=\"hidden\" name=\"").append(Xsrf.FIELD).append("\" value=\"").append(esc(p.xsrf())).append("\">\n")
                .append("<button type=\"submit\" class=\"stop\">Log out of this page</button>\n</form>\n</header>\n<main>\n");
        p.notice().ifPresent(n -> h.append("<p class=\"notice\" role=\"status\">").append(esc(n)).append("</p>\n"));
        if (p.user().admin()) {
            filterForm(h, p);
        }
        List<Spawn.View> shown = p.views().stream()
                .filter(v -> p.user().admin() || v.key().user().equals(p.user().name()))
                .filter(p.filter()::accepts)
                .sorted(java.util.Comparator.comparing((Spawn.View v) -> v.key().user()).thenComparing(v -> v.key().server()))
                .toList();
        if (shown.isEmpty()) {
            h.append("<p>").append(p.user().admin() ? "No session matches." : "You have no HPC session. Start one from the hub's home.")
                    .append("</p>\n");
        }
        for (Spawn.View v : shown) {
            server(h, p, v);
        }
        return h.append("</main>\n</body>\n</html>\n").toString();
    }

    private static void filterForm(StringBuilder h, Page p) {
        h.append("<form class=\"filter\" method=\"get\" action=\"").append(esc(p.prefix())).append("\">\n")
                .append("<label for=\"f-cluster\">Cluster</label>\n<select id=\"f-cluster\" name=\"cluster\">\n<option value=\"\">any</option>\n");
        for (String c : p.clusters()) {
            option(h, c, p.filter().cluster().map(c::equals).orElse(false));
        }
        h.append("</select>\n<label for=\"f-state\">State</label>\n<select id=\"f-state\" name=\"state\">\n<option value=\"\">any</option>\n");
        for (SpawnState s : SpawnState.values()) {
            option(h, name(s), p.filter().state().map(s::equals).orElse(false));
        }
        h.append("</select>\n<button type=\"submit\">Filter</button>\n</form>\n");
    }

    private static void option(StringBuilder h, String value, boolean selected) {
        h.append("<option value=\"").append(esc(value)).append('"').append(selected ? " selected" : "").append('>')
                .append(esc(value)).append("</option>\n");
    }

    private static void server(StringBuilder h, Page p, Spawn.View v) {
        String label = label(v.key());
        String id = "s-" + v.key().user() + "-" + (v.key().isDefaultServer() ? ApiServer.DEFAULT_SERVER : v.key().server());
        h.append("<section class=\"server state-").append(name(v.state())).append("\" aria-labelledby=\"").append(esc(id)).append("\">\n")
                .append("<h2 id=\"").append(esc(id)).append("\">").append(esc(label)).append("</h2>\n");
        if (v.endingSoon() && !v.state().isFinal()) {
            h.append("<p class=\"warning\" role=\"alert\">Ending soon: save your work, or extend the walltime.</p>\n");
        }
        h.append("<dl>\n");
        item(h, "State", name(v.state()) + v.failure().map(f -> " (" + f.name().toLowerCase(Locale.ROOT).replace('_', '-') + ")").orElse(""));
        item(h, "Job", v.jobId().map(String::valueOf).orElse("not submitted yet"));
        item(h, "Cluster", v.cluster());
        if (!v.nodes().isEmpty()) {
            item(h, v.nodes().size() > 1 ? "Nodes" : "Node", String.join(", ", v.nodes()));
        }
        if (v.state() == SpawnState.QUEUED || v.state() == SpawnState.SUBMITTING) {
            v.queuePosition().ifPresent(q -> item(h, "Queue position", String.valueOf(q)));
            v.scheduledStart().ifPresent(t -> item(h, "Estimated start", when(t, p)));
        } else if (!v.state().isFinal()) {
            v.runningAt().ifPresent(t -> item(h, "Running since", when(t, p)));
        }
        if (!v.state().isFinal()) {
            v.walltimeEnd().ifPresent(end -> {
                h.append("<dt>Walltime left</dt>\n<dd><time class=\"countdown\" datetime=\"").append(end)
                        .append("\" data-ends=\"").append(end.toEpochMilli()).append("\">")
                        .append(esc(left(v.walltimeLeft(p.now()).orElse(Duration.ZERO)))).append("</time> (ends ")
                        .append(esc(when(end, p))).append(")</dd>\n");
            });
        }
        v.walltimeChange().ifPresent(c -> walltimeChange(h, p, c.message() != null && c.message().equals(v.message())
                ? new Spawn.WalltimeRequest(c.state(), c.add(), c.requestedAt(), "", c.walltimeBefore()) : c));
        if (!v.message().isEmpty()) {
            item(h, "Message", v.message());
        }
        v.exitStatus().ifPresent(x -> item(h, "Exit status", String.valueOf(x)));
        h.append("</dl>\n");
        if (!v.stderrTail().isEmpty()) {
            h.append("<details open><summary>The end of the job's standard error</summary>\n<pre>")
                    .append(esc(v.stderrTail())).append("</pre>\n</details>\n");
        }
        actions(h, p, v, label);
        h.append("</section>\n");
    }

    /** "alice (default server)" or "alice / gpu1". */
    static String label(org.oarspawner.spi.SpawnKey key) {
        return key.user() + (key.isDefaultServer() ? " (default server)" : " / " + key.server());
    }

    /** An extension asked for: pending until OAR applies it, then applied, or refused with OAR's words. */
    private static void walltimeChange(StringBuilder h, Page p, Spawn.WalltimeRequest c) {
        String asked = "+" + hm(c.add()) + " asked at " + when(c.requestedAt(), p);
        String text = switch (c.state()) {
            case PENDING -> asked + ": accepted by OAR, applied at its next pass";
            case APPLIED -> asked + ": applied";
            case REFUSED -> asked + ": refused";
        };
        item(h, "Walltime extension", text + (c.message() == null || c.message().isBlank() ? "" : " (" + c.message().strip() + ")"));
    }

    private static String hm(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d", d.toHours(), d.toMinutesPart());
    }

    private static void actions(StringBuilder h, Page p, Spawn.View v, String label) {
        boolean live = !v.state().isFinal() && v.state() != SpawnState.STOPPING;
        StringBuilder a = new StringBuilder();
        if (v.state() == SpawnState.READY && v.key().user().equals(p.user().name())) {
            a.append("<a class=\"open\" href=\"").append(esc(notebookUrl(p, v))).append("\">Open the notebook<span class=\"sr\"> of ")
                    .append(esc(label)).append("</span></a>\n");
        }
        boolean pending = v.walltimeChange().map(c -> c.state() == Spawn.WalltimeRequest.State.PENDING).orElse(false);
        if (live && !pending && v.state() != SpawnState.SUBMITTING && v.state() != SpawnState.QUEUED
                && p.user().may("POST", v.key().user())) {
            form(a, p, v, "extend", "Extend by 1 h", label);
        }
        if (live && p.user().may("DELETE", v.key().user())) {
            form(a, p, v, "stop", "Stop", label);
        }
        if (!a.isEmpty()) {
            h.append("<div class=\"actions\">\n").append(a).append("</div>\n");
        }
    }

    private static void form(StringBuilder h, Page p, Spawn.View v, String action, String text, String label) {
        h.append("<form method=\"post\" action=\"").append(esc(actionPath(p.prefix(), v, action))).append("\">\n")
                .append("<input type=\"hidden\" name=\"").append(Xsrf.FIELD).append("\" value=\"").append(esc(p.xsrf())).append("\">\n")
                .append("<button type=\"submit\" class=\"").append(action).append("\">").append(esc(text))
                .append("<span class=\"sr\"> (").append(esc(label)).append(")</span></button>\n</form>\n");
    }

    /** Where a server's action POSTs: prefix + users/USER/servers/NAME/ACTION, as the REST API names servers. */
    static String actionPath(String prefix, Spawn.View v, String action) {
        return prefix + "users/" + enc(v.key().user()) + "/servers/"
                + enc(v.key().isDefaultServer() ? ApiServer.DEFAULT_SERVER : v.key().server()) + "/" + action;
    }

    /** The notebook through the hub's proxy: /user/NAME/ for the default server, /user/NAME/SERVER/ for a named one. */
    static String notebookUrl(Page p, Spawn.View v) {
        return p.publicUrl() + "/user/" + enc(v.key().user()) + "/" + (v.key().isDefaultServer() ? "" : enc(v.key().server()) + "/");
    }

    private static void item(StringBuilder h, String term, String value) {
        h.append("<dt>").append(esc(term)).append("</dt>\n<dd>").append(esc(value)).append("</dd>\n");
    }

    private static String when(Instant t, Page p) {
        boolean sameDay = t.atZone(p.zone()).toLocalDate().equals(p.now().atZone(p.zone()).toLocalDate());
        return (sameDay ? TIME : DAY_TIME).format(t.atZone(p.zone()));
    }

    /** "2 h 05 min 09 s": the same form countdown.js writes. */
    static String left(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return String.format(Locale.ROOT, "%d h %02d min %02d s", s / 3600, s % 3600 / 60, s % 60);
    }

    static String name(SpawnState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Text and attribute values: the five characters that HTML gives a meaning. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
