package org.oarspawner.http;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One browser for the sessions page's unit tests: its own cookies, redirects followed by hand so that each step
 * can be seen. Paths under /hub/ go to the fake hub (as the hub's proxy would send them), the rest to the service.
 */
final class PageBrowser {
    final String hubUser;
    final Map<String, String> cookies = new LinkedHashMap<>();
    /** Every Set-Cookie header the service sent, whole, to check the flags. */
    final List<String> setCookies = new ArrayList<>();
    private final int servicePort;
    private final int hubPort;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();

    PageBrowser(String hubUser, int servicePort, int hubPort) {
        this.hubUser = hubUser;
        this.servicePort = servicePort;
        this.hubPort = hubPort;
    }

    HttpResponse<String> get(String target) throws Exception {
        return send("GET", target, null);
    }

    /** GET, then every redirect (at most 10). */
    HttpResponse<String> open(String target) throws Exception {
        HttpResponse<String> r = get(target);
        for (int i = 0; i < 10 && (r.statusCode() == 302 || r.statusCode() == 303); i++) {
            r = get(r.headers().firstValue("Location").orElseThrow());
        }
        return r;
    }

    HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        StringBuilder b = new StringBuilder();
        form.forEach((k, v) -> b.append(b.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return send("POST", path, b.toString());
    }

    String cookieHeader() {
        StringBuilder b = new StringBuilder();
        cookies.forEach((k, v) -> b.append(b.isEmpty() ? "" : "; ").append(k).append('=').append(v));
        return b.toString();
    }

    private HttpResponse<String> send(String method, String target, String form) throws Exception {
        URI u = URI.create(target);
        String pathAndQuery = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        boolean hub = u.getRawPath().startsWith("/hub/");
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (hub ? hubPort : servicePort) + pathAndQuery))
                .timeout(Duration.ofSeconds(20))
                .method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
        if (form != null) {
            req.header("Content-Type", "application/x-www-form-urlencoded");
        }
        if (hub && hubUser != null) {
            req.header("Cookie", "hub-user=" + hubUser);
        } else if (!hub && !cookies.isEmpty()) {
            req.header("Cookie", cookieHeader());
        }
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (!hub) {
            for (String c : r.headers().allValues("set-cookie")) {
                setCookies.add(c);
                String pair = c.split(";", 2)[0];
                int eq = pair.indexOf('=');
                cookies.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
        }
        return r;
    }
}
